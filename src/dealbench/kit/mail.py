"""Sending email through SMTP (``DEALBENCH_SMTP_URL``), with the stdlib ``smtplib`` in a thread.

``smtp://host:port`` (plain, STARTTLS when ``?starttls=1``), ``smtps://host:port`` (TLS), with
optional ``user:password@`` credentials.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit


class MailError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "text"
    subtype: str = "csv"


def build_message(
    *, sender: str, to: list[str], subject: str, body: str, attachments: list[Attachment] | None = None
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg.set_content(body)
    for att in attachments or []:
        msg.add_attachment(att.content, maintype=att.maintype, subtype=att.subtype, filename=att.filename)
    return msg


def _send(url: str, msg: EmailMessage, timeout: float) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise MailError(f"Unsupported SMTP URL scheme '{parts.scheme}': use smtp://host:port or smtps://.")
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in {"1", "true", "yes"}
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    client: smtplib.SMTP
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(parts.hostname, port, timeout=timeout)
    with client:
        if starttls:
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(msg)


async def send_mail(url: str, msg: EmailMessage, *, smtp_timeout: float = 15.0) -> None:
    """Send ``msg`` through the SMTP server at ``url``; :class:`MailError` when it cannot."""
    try:
        await asyncio.to_thread(_send, url, msg, smtp_timeout)
    except MailError:
        raise
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"Could not send email through {urlsplit(url).hostname}: {exc}") from exc
