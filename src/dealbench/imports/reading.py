"""Reading an import file: its rows parsed and validated into staging records, batch by batch.

Runs in a worker thread during an import (pure Python, no database): the file is decoded (see
:mod:`dealbench.imports.parsing` for the encoding, the delimiter and the header), each row is
checked against its kind's fields, and a rejected row goes to the error file (as uploaded, plus an
``error`` column, formula-neutralized) instead of the batch. A file holding a NUL character anywhere
is not a CSV text file, and neither is one whose last quoted field is never closed: both are
rejected as a whole (:class:`FileRejected`) before any row is staged.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import email_validator

from dealbench.deals.stages import closed_won
from dealbench.imports.fields import COLUMNS, Kind
from dealbench.imports.parsing import (
    SNIFF_BYTES,
    FileRejected,
    HeaderMatch,
    detect_encoding,
    match_header,
    neutralize,
    sniff_delimiter,
)
from dealbench.kit.parsing import parse_amount, parse_date, parse_month

__all__ = ["BATCH_ROWS", "ErrorFile", "FileRejected", "RowError", "RowReader", "valid_email"]

BATCH_ROWS = 5000


class RowError(ValueError):
    """A row that cannot be imported; its message is the ``error`` cell of the error file."""


class _CountingReader(io.RawIOBase):
    """A raw binary stream that counts the bytes read (for progress bars)."""

    def __init__(self, fh: BinaryIO, on_bytes: Callable[[int], None] | None) -> None:
        self.fh = fh
        self.on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.fh.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n and self.on_bytes is not None:
            self.on_bytes(n)
        return n

    def close(self) -> None:
        self.fh.close()
        super().close()


class ErrorFile:
    """The rejected rows, as uploaded plus an ``error`` column, every cell formula-neutralized."""

    def __init__(self, header: list[str], tmp_dir: Path | None = None) -> None:
        self.fh = tempfile.TemporaryFile(  # noqa: SIM115
            mode="w+", encoding="utf-8-sig", newline="", dir=tmp_dir
        )
        self.writer = csv.writer(self.fh)
        self.writer.writerow([neutralize(c) for c in header] + ["error"])
        self.count = 0

    def add(self, cells: list[str], reason: str) -> None:
        self.count += 1
        self.writer.writerow([neutralize(c) for c in cells] + [neutralize(reason)])

    def content(self) -> bytes:
        self.fh.flush()
        self.fh.seek(0)
        return bytes(self.fh.buffer.read())

    def close(self) -> None:
        self.fh.close()


@dataclass
class _Warnings:
    unknown_owners: dict[str, list[int]] = field(default_factory=dict)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class RowReader:
    """Parses and validates the file's rows into staging records, batch by batch (in a thread)."""

    def __init__(
        self,
        kind: Kind,
        path: Path,
        *,
        users: dict[str, int],
        timezone: str,
        postgres: bool,
        on_bytes: Callable[[int], None] | None = None,
        tmp_dir: Path | None = None,
    ) -> None:
        self.kind = kind
        self.users = users
        self.postgres = postgres
        self.zone = _zone(timezone)
        detected = detect_encoding(path)
        if detected.nul_line is not None:
            raise FileRejected(
                f"The file is not a CSV text file (it contains a NUL character, line {detected.nul_line})."
            )
        encoding = detected.name
        self.encoding = encoding
        with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
            sample = fh.read(SNIFF_BYTES)
        self.delimiter = sniff_delimiter(sample)
        raw = _CountingReader(path.open("rb"), on_bytes)
        self.fh = io.TextIOWrapper(
            io.BufferedReader(raw, 256 * 1024), encoding=encoding, errors="replace", newline=""
        )
        #: set when the file's lines ran out: a record the reader then still returns was cut short
        #: inside a quoted field (the lenient reader would take the rest of the file as its value)
        self.ended = False
        self.reader = csv.reader(
            self._lines(), delimiter=self.delimiter, quotechar='"', doublequote=True, strict=False
        )
        self.row_no = 0  # spreadsheet row number: the header is row 1
        header: list[str] | None = None
        for cells in self._records():
            if any(c.strip() for c in cells):
                header = cells
                break
        if header is None:
            raise FileRejected("The file is empty: its first line must be a header line.")
        self.header = header
        self.width = len(header)
        self.match: HeaderMatch = match_header(header, COLUMNS[kind])
        if self.match.missing:
            raise FileRejected(
                "Missing required column(s): " + ", ".join(self.match.missing) + ".",
                missing_columns=self.match.missing,
            )
        self.errors = ErrorFile(header, tmp_dir)
        self.total = 0
        self.warnings = _Warnings()
        self._build = self._builder()

    def _lines(self) -> Iterator[str]:
        yield from self.fh
        self.ended = True

    def _unterminated(self, row_no: int) -> FileRejected:
        return FileRejected(
            f"The file is not valid CSV: the quoted field that starts on row {row_no} is never closed "
            "(a '\"' is missing)."
        )

    def _records(self) -> Iterator[list[str]]:
        try:
            for cells in self.reader:
                self.row_no += 1
                if self.ended:
                    raise self._unterminated(self.row_no)
                yield cells
        except csv.Error as exc:
            raise FileRejected(f"The file is not valid CSV (row {self.row_no + 1}): {exc}.") from None

    def close(self) -> None:
        self.fh.close()
        if hasattr(self, "errors"):
            self.errors.close()

    @property
    def present(self) -> set[str]:
        return set(self.match.positions)

    def read_batch(self, size: int = BATCH_ROWS) -> list[tuple[Any, ...]]:
        batch: list[tuple[Any, ...]] = []
        width = self.width
        build = self._build
        append = batch.append
        row_no = self.row_no
        try:
            for cells in self.reader:
                row_no += 1
                if self.ended:
                    raise self._unterminated(row_no)
                # blank lines are skipped (and not counted); most rows start with a value
                if not cells or not (cells[0].strip() or any(c.strip() for c in cells)):
                    continue
                self.total += 1
                row = cells
                if len(cells) != width:
                    if len(cells) > width:
                        if any(c.strip() for c in cells[width:]):
                            self.errors.add(
                                cells, f"The row has {len(cells)} values but the header has {width} columns."
                            )
                            continue
                        row = cells[:width]
                    else:
                        row = cells + [""] * (width - len(cells))
                try:
                    append(build(row_no, row, cells))
                except RowError as exc:
                    self.errors.add(cells, str(exc))
                if len(batch) >= size:
                    break
        except csv.Error as exc:
            raise FileRejected(f"The file is not valid CSV (row {row_no + 1}): {exc}.") from None
        finally:
            self.row_no = row_no
        return batch

    # -- per-kind row builders -------------------------------------------------------------------

    def _builder(self) -> Callable[[int, list[str], list[str]], tuple[Any, ...]]:
        if self.kind is Kind.OPPORTUNITIES:
            return self._opportunity_builder()
        if self.kind is Kind.CONTACTS:
            return self._contact_builder()
        return self._target_builder()

    def _text(self, key: str, label: str, limit: int | None) -> Callable[[list[str]], str | None]:
        idx = self.match.positions.get(key)
        if idx is None:
            return lambda _cells: None

        def get(cells: list[str]) -> str | None:
            value = cells[idx].strip()
            if not value:
                return None
            if limit is not None and len(value) > limit:
                raise RowError(f"{label} is longer than {limit} characters.")
            return value

        return get

    def _amount(self, key: str) -> Callable[[list[str]], Any]:
        idx = self.match.positions.get(key)
        if idx is None:
            return lambda _cells: None
        cache: dict[str, Any] = {}
        postgres = self.postgres

        def get(cells: list[str]) -> Any:
            raw = cells[idx]
            try:
                return cache[raw]
            except KeyError:
                pass
            try:
                value: Decimal | None = parse_amount(raw)
            except ValueError as exc:
                raise RowError(str(exc)) from None
            result = value if postgres or value is None else float(value)
            if len(cache) < 100_000:
                cache[raw] = result
            return result

        return get

    def _close_date(self, key: str) -> Callable[[list[str]], Any]:
        idx = self.match.positions.get(key)
        if idx is None:
            return lambda _cells: None
        cache: dict[str, Any] = {}
        zone, postgres = self.zone, self.postgres

        def get(cells: list[str]) -> Any:
            raw = cells[idx]
            try:
                return cache[raw]
            except KeyError:
                pass
            try:
                day = parse_date(raw)
            except ValueError as exc:
                raise RowError(str(exc)) from None
            result: Any = None
            if day is not None:
                # A close date is a day of the organization: midnight there, stored in UTC.
                instant = datetime.combine(day, time(0), zone).astimezone(UTC)
                result = instant if postgres else instant.strftime("%Y-%m-%d %H:%M:%S.%f")
            cache[raw] = result
            return result

        return get

    def _opportunity_builder(self) -> Callable[[int, list[str], list[str]], tuple[Any, ...]]:
        pos = self.match.positions
        i_id, i_name = pos["opp_id"], pos["opp_name"]
        amount = self._amount("amount")
        close_date = self._close_date("close_date")
        optional = [
            ("stage", "Stage", 255),
            ("forecast", "Forecast Category", 32),
            ("account_id", "Account ID", 255),
            ("account_name", "Account Name", 255),
            ("website", "Account URL/Website", 2048),
            ("type", "Opportunity Type", 255),
            ("next_step", "Next Step", 1 << 30),
        ]
        texts_present = [
            (slot, pos[key], limit, label) for slot, (key, label, limit) in enumerate(optional) if key in pos
        ]
        n_optional = len(optional)
        i_owner = pos.get("owner_email")
        users = self.users
        unknown = self.warnings.unknown_owners
        stage_cache: dict[str | None, tuple[bool, bool]] = {}
        postgres = self.postgres

        def build(row_no: int, cells: list[str], _raw: list[str]) -> tuple[Any, ...]:
            eid = cells[i_id].strip()
            if not eid:
                raise RowError("Opportunity ID is required.")
            if len(eid) > 255:
                raise RowError("Opportunity ID is longer than 255 characters.")
            name = cells[i_name].strip()
            if not name:
                raise RowError("Opportunity Name is required.")
            if len(name) > 512:
                raise RowError("Opportunity Name is longer than 512 characters.")
            owner_id = None
            if i_owner is not None:
                email = cells[i_owner].strip().lower()
                if email:
                    owner_id = users.get(email)
                    if owner_id is None:
                        unknown.setdefault(email, []).append(row_no)
            texts: list[str | None] = [None] * n_optional
            for slot, idx, limit, label in texts_present:
                value = cells[idx].strip()
                if value:
                    if len(value) > limit:
                        raise RowError(f"{label} is longer than {limit} characters.")
                    texts[slot] = value
            st = texts[0]
            try:
                closed, won = stage_cache[st]
            except KeyError:
                closed, won = stage_cache[st] = closed_won(st)
            return (
                row_no,
                eid,
                name,
                amount(cells),
                close_date(cells),
                st,
                texts[1],
                owner_id,
                *texts[2:],
                closed if postgres else int(closed),
                won if postgres else int(won),
            )

        return build

    def _contact_builder(self) -> Callable[[int, list[str], list[str]], tuple[Any, ...]]:
        i_email = self.match.positions["email"]
        opp = self._text("opp_id", "Opportunity ID", 255)
        fullname = self._text("fullname", "Fullname", 255)
        first = self._text("first_name", "First Name", 100)
        last = self._text("last_name", "Last Name", 100)
        title = self._text("title", "Title", 255)
        company = self._text("company_name", "Company Name", 255)
        account = self._text("account_id", "Account ID", 255)
        phone = self._text("phone", "Phone", 64)
        mobile = self._text("mobile_phone", "Mobile Phone", 64)

        def build(row_no: int, cells: list[str], raw: list[str]) -> tuple[Any, ...]:
            email = valid_email(cells[i_email])
            first_name, last_name = first(cells), last(cells)
            full = fullname(cells) or (" ".join(p for p in (first_name, last_name) if p) or None)
            # The opportunity reference and the raw cells are resolved (and dropped) by the engine.
            return (
                row_no,
                email,
                opp(cells),
                (full or "")[:255] or None,
                first_name,
                last_name,
                title(cells),
                company(cells),
                account(cells),
                phone(cells),
                mobile(cells),
                raw,
            )

        return build

    def _target_builder(self) -> Callable[[int, list[str], list[str]], tuple[Any, ...]]:
        pos = self.match.positions
        i_email, i_month = pos["email"], pos["month"]
        amount = self._amount("amount")
        users = self.users
        postgres = self.postgres

        def build(row_no: int, cells: list[str], _raw: list[str]) -> tuple[Any, ...]:
            email = cells[i_email].strip().lower()
            if not email:
                raise RowError("Email Address of Salesrep is required.")
            user_id = users.get(email)
            if user_id is None:
                raise RowError(f"No user with email '{cells[i_email].strip()}' in this organization.")
            try:
                month = parse_month(cells[i_month])
            except ValueError as exc:
                raise RowError(str(exc)) from None
            if month is None:
                raise RowError("Month is required.")
            value = amount(cells)
            if value is None:
                raise RowError("Amount is required.")
            return (row_no, user_id, month if postgres else month.isoformat(), value)

        return build


def valid_email(raw: str) -> str:
    value = raw.strip()
    if not value:
        raise RowError("Email is required.")
    try:
        result = email_validator.validate_email(
            value, check_deliverability=False, allow_smtputf8=True, test_environment=True
        )
    except email_validator.EmailNotValidError:
        raise RowError(f"Email '{value}' is not a valid email address.") from None
    email = result.normalized.lower()
    if len(email) > 320:
        raise RowError("Email is longer than 320 characters.")
    return email
