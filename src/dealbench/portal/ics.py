"""A meeting as an iCalendar file (RFC 5545): one VEVENT, times in UTC, text escaped and lines
folded at 75 octets."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dealbench.kit.db import utcnow


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _stamp(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    return [*out, current]


def meeting_ics(meeting: Any, host: str, plan_title: str) -> str:
    """The meeting's VCALENDAR (no attendees: the buyer's calendar invites whom it wants)."""
    starts: datetime = meeting.starts_at
    ends: datetime = meeting.ends_at or starts + timedelta(hours=1)
    description = meeting.description or ""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Dealbench//Buyer portal//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.id}@{host or 'dealbench'}",
        f"DTSTAMP:{_stamp(utcnow())}",
        f"DTSTART:{_stamp(starts)}",
        f"DTEND:{_stamp(ends)}",
        f"SUMMARY:{_escape(meeting.title)}",
        f"DESCRIPTION:{_escape((description + chr(10) + chr(10) if description else '') + plan_title)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
