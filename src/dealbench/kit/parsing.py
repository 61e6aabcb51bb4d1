"""Parsers of values people type into spreadsheets and forms: money amounts, dates, months.

Each answers ``None`` for an empty cell and raises ``ValueError`` with a message fit for the person
who typed the value when it cannot be read unambiguously.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_PLAIN_NUMBER = re.compile(r"-?\d{1,16}(?:\.\d+)?")
_CODES = "USD|EUR|GBP|CAD|AUD|NZD|JPY|CHF|SEK|NOK|DKK|INR|CNY|SGD|HKD|BRL|MXN|ZAR|PLN"
_CURRENCY_PREFIX = re.compile(rf"^(?:(?:{_CODES})\s*|(?:US|CA|AU|NZ|HK|S)?[$€£¥]\s*)", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(rf"(?:\s*(?:{_CODES})|\s*[$€£¥])$", re.IGNORECASE)
_AMOUNT_CHARS = re.compile(r"[\d.,' ]+")
MAX_AMOUNT = Decimal("1e16")


def parse_amount(raw: str) -> Decimal | None:
    """A money amount, or ``None`` for an empty cell; ``ValueError`` when it cannot be read unambiguously.

    Accepted: ``80000``, ``80000.5``, ``$80,000.00``, ``80 000``, ``USD 80,000``, ``80.000,50 €``,
    ``(1,200)`` and ``-1200``. Thousands groups must have exactly three digits. With a single
    separator, a comma followed by three digits groups thousands (``80,000``), by one or two
    digits it is a decimal comma (``80,5``); several dots group thousands (``1.234.567``).
    """
    s = raw.strip()
    if not s:
        return None
    if _PLAIN_NUMBER.fullmatch(s):
        return _checked(Decimal(s), raw)
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    for _ in range(2):
        if s.startswith("-"):
            negative, s = not negative, s[1:].strip()
        s = _CURRENCY_SUFFIX.sub("", _CURRENCY_PREFIX.sub("", s)).strip()
    s = s.replace("\u00a0", " ").replace("\u202f", " ")
    if not s or not _AMOUNT_CHARS.fullmatch(s) or not s[0].isdigit() or not s[-1].isdigit():
        raise ValueError(f"Amount '{raw}' is not a number.")
    dots, commas = s.count("."), s.count(",")
    decimal_sep: str | None = None
    if dots and commas:
        decimal_sep = "." if s.rfind(".") > s.rfind(",") else ","
        if s.count(decimal_sep) > 1:
            raise ValueError(f"Amount '{raw}' is ambiguous.")
    elif commas == 1:
        tail = len(s) - s.rfind(",") - 1
        if tail in (1, 2):
            decimal_sep = ","
        elif tail != 3:
            raise ValueError(f"Amount '{raw}' is ambiguous.")
    elif dots == 1:
        decimal_sep = "."
    if decimal_sep is not None:
        whole, _, fraction = s.rpartition(decimal_sep)
    else:
        whole, fraction = s, ""
    groups = re.split(r"[.,' ]", whole)
    if len(groups) > 1 and (
        not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]) or not all(groups)
    ):
        raise ValueError(f"Amount '{raw}' is ambiguous: thousands groups must have three digits.")
    if fraction and not fraction.isdigit():
        raise ValueError(f"Amount '{raw}' is not a number.")
    try:
        value = Decimal("".join(groups) + ("." + fraction if fraction else ""))
    except InvalidOperation:
        raise ValueError(f"Amount '{raw}' is not a number.") from None
    return _checked(-value if negative else value, raw)


def _checked(value: Decimal, raw: str) -> Decimal:
    if abs(value) >= MAX_AMOUNT:
        raise ValueError(f"Amount '{raw}' is too large.")
    return value.quantize(Decimal("0.01"))


MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_MDY = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?: [\d:]+(?: ?[AaPp][Mm])?)?")
_D_MON_Y = re.compile(r"(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ](\d{4}|\d{2})")
_MON_D_Y = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})")


def _year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text)


MIN_YEAR, MAX_YEAR = 1900, 2999


def _make_date(year: int, month: int, day: int, raw: str, what: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{what} '{raw}' is out of range (years {MIN_YEAR} to {MAX_YEAR}).")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{what} '{raw}' is not a valid date.") from None


def parse_date(raw: str, what: str = "Close Date") -> date | None:
    """ISO ``2017-02-15``, ``02/15/2017`` (US order), ``2017/02/15``, ``15-Feb-2017``, ``Feb 15, 2017``."""
    s = raw.strip()
    if not s:
        return None
    if m := _ISO.fullmatch(s):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), raw, what)
    if m := _YMD_SLASH.fullmatch(s):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), raw, what)
    if m := _MDY.fullmatch(s):
        if int(m[1]) > 12:
            raise ValueError(f"{what} '{raw}' is not MM/DD/YYYY (month {m[1]}).")
        return _make_date(int(m[3]), int(m[1]), int(m[2]), raw, what)
    if (m := _D_MON_Y.fullmatch(s)) and m[2].lower() in MONTHS:
        return _make_date(_year(m[3]), MONTHS[m[2].lower()], int(m[1]), raw, what)
    if (m := _MON_D_Y.fullmatch(s)) and m[1].lower() in MONTHS:
        return _make_date(int(m[3]), MONTHS[m[1].lower()], int(m[2]), raw, what)
    raise ValueError(f"{what} '{raw}' is not a date: use YYYY-MM-DD, MM/DD/YYYY, YYYY/MM/DD or DD-Mon-YYYY.")


_YM = re.compile(r"(\d{4})[-/](\d{1,2})")
_MY = re.compile(r"(\d{1,2})[-/](\d{4})")
_MON_Y = re.compile(r"([A-Za-z]{3,9})\.?[- ,]+(\d{4}|\d{2})")


def parse_month(raw: str) -> date | None:
    """The first day of a month: ``2025-01``, ``2025-01-01``, ``01/2025``, ``Jan 2025``, ``January-2025``."""
    s = raw.strip()
    if not s:
        return None
    month = year = 0
    if m := _YM.fullmatch(s):
        year, month = int(m[1]), int(m[2])
    elif m := _MY.fullmatch(s):
        month, year = int(m[1]), int(m[2])
    elif (m := _MON_Y.fullmatch(s)) and m[1].lower() in MONTHS:
        month, year = MONTHS[m[1].lower()], _year(m[2])
    else:
        try:
            day = parse_date(s, "Month")
        except ValueError:
            raise ValueError(f"Month '{raw}' is not a month: use YYYY-MM, MM/YYYY or Mon YYYY.") from None
        assert day is not None
        return day.replace(day=1)
    if not 1 <= month <= 12:
        raise ValueError(f"Month '{raw}' is not a valid month.")
    return _make_date(year, month, 1, raw, "Month")
