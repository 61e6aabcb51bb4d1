"""Reading CSV exports: encoding, delimiter, header matching and the value parsers of the import engine.

Everything here is pure and synchronous (it runs in a worker thread during an import).
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

# Long text cells (descriptions, next steps) are legitimate; the 20 MB file limit bounds them anyway.
csv.field_size_limit(max(csv.field_size_limit(), 8 * 1024 * 1024))

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t"


class FileRejected(ValueError):
    """The file as a whole cannot be imported (not a CSV, no header, missing columns)."""

    def __init__(self, message: str, **data: object) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


# --- encoding and dialect ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Encoding:
    name: str
    #: the line of the first NUL character of the decoded text, if it holds one
    nul_line: int | None


_BOMS = (
    ((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), "utf-32"),  # before UTF-16: FF FE 00 00 starts both
    ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "utf-16"),
)


class _NulFinder:
    """The line of the first NUL in a text read chunk by chunk (``str`` or ``bytes`` alike)."""

    def __init__(self) -> None:
        self.lines = 0
        self.found: int | None = None

    def feed(self, chunk: Any) -> None:
        if self.found is not None:
            return
        nul, newline = ("\x00", "\n") if isinstance(chunk, str) else (b"\x00", b"\n")
        at = chunk.find(nul)
        if at < 0:
            self.lines += chunk.count(newline)
        else:
            self.found = self.lines + chunk.count(newline, 0, at) + 1


def detect_encoding(path: Path) -> Encoding:
    """UTF-16 or UTF-32 when the file starts with their byte order mark; else ``utf-8-sig`` (UTF-8,
    BOM or not) when the whole file decodes as UTF-8, else Windows-1252. In the same pass, the line
    of the first NUL character, if any (NUL is the byte 0 in UTF-8 and in Windows-1252)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    nul = _NulFinder()
    for boms, name in _BOMS:
        if head.startswith(boms):
            wide = codecs.getincrementaldecoder(name)(errors="replace")
            with path.open("rb") as fh:
                while chunk := fh.read(1024 * 1024):
                    nul.feed(wide.decode(chunk))
                nul.feed(wide.decode(b"", final=True))
            return Encoding(name, nul.found)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            nul.feed(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return Encoding("utf-8-sig" if utf8 else "cp1252", nul.found)


def sniff_delimiter(sample: str) -> str:
    """Comma, semicolon or tab, by the stdlib sniffer, checked against the header line.

    The sniffer looks at the consistency of each candidate over several lines; when it cannot
    decide (a one-column file, a single line), the candidate most frequent in the header wins.
    """
    lines = sample.splitlines()
    header = next((line for line in lines if line.strip()), "")
    # Cut the sample at a line boundary so a truncated last record does not mislead the sniffer.
    cut = sample.rfind("\n")
    text = sample[: cut + 1] if cut > 0 else sample
    try:
        sniffed = csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    counts = {d: header.count(d) for d in DELIMITERS}
    if sniffed in counts and counts[sniffed] > 0:
        return sniffed
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def normalize_header(name: str) -> str:
    """``"Opportunity ID*"``, ``"opportunity id"``, ``"OpportunityID"``, ``"opp_id"`` -> letters and digits."""
    return re.sub(r"[^0-9a-z]", "", name.strip().lower())


def neutralize(cell: str) -> str:
    """Defuse spreadsheet formulas (CSV injection): a leading ``= + - @`` (or tab/CR) gets a ``'``."""
    if cell and cell[0] in "=+-@\t\r":
        return "'" + cell
    return cell


# --- values -------------------------------------------------------------------------------------

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


# --- headers ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    #: field key -> index of its column in the file
    positions: dict[str, int]
    ignored: list[str]
    missing: list[str]


def match_header(header: list[str], columns: list[Column]) -> HeaderMatch:
    """Match each header cell to a field by its normalized name; the first of duplicates wins."""
    lookup: dict[str, str] = {}
    for col in columns:
        for alias in (normalize_header(col.label), *col.aliases):
            lookup.setdefault(alias, col.key)
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for i, cell in enumerate(header):
        key = lookup.get(normalize_header(cell))
        if key is None or key in positions:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        positions[key] = i
    missing = [c.label for c in columns if c.required and c.key not in positions]
    return HeaderMatch(positions=positions, ignored=ignored, missing=missing)
