"""Reading CSV exports: encoding, delimiter, header matching and the value parsers of the import engine.

Everything here is pure and synchronous (it runs in a worker thread during an import).
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
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
