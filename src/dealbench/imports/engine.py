"""The CSV import engine: one file, one transaction, set-based upserts.

    run = await import_file(session, ctx, Kind.OPPORTUNITIES, path)

1. The encoding is detected (UTF-16/32 with a BOM, UTF-8 with or without BOM, else Windows-1252)
   and the delimiter sniffed (stdlib ``csv``); the header is matched to the kind's fields.
2. Rows are parsed and validated in batches in a worker thread (bounded memory); rejected rows go
   to an error CSV (as uploaded, plus an ``error`` column, formula-neutralized). A file holding a
   NUL character anywhere is not a CSV text file (400, before any row is read), and neither is one
   whose last quoted field is never closed.
3. Valid rows are loaded into a temporary staging table (PostgreSQL ``COPY``, SQLite batched
   ``executemany``), then merged with one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE
   ... IS DISTINCT FROM`` (the last row of a repeated key wins; unchanged rows are not rewritten).
4. An :class:`ImportRun` records the counts and the error file, in the same transaction: the
   caller's commit is the single commit point of the whole file.

The engine never commits. On PostgreSQL a transaction-scoped advisory lock serializes imports of
one organization (no deadlocks between concurrent uploads); SQLite writers are serialized by
``BEGIN IMMEDIATE`` already.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import enum
import io
import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from time import perf_counter
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import email_validator
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.deals.stages import closed_won
from dealbench.imports.parsing import (
    SNIFF_BYTES,
    Column,
    FileRejected,
    HeaderMatch,
    detect_encoding,
    match_header,
    neutralize,
    sniff_delimiter,
)
from dealbench.kit import metrics
from dealbench.kit.db import utcnow
from dealbench.kit.errors import BadRequest
from dealbench.kit.parsing import parse_amount, parse_date, parse_month
from dealbench.models import ImportRun

log = logging.getLogger("dealbench.imports")

BATCH_ROWS = 5000
MAX_WARNINGS = 50
ADVISORY_LOCK_CLASS = 0x5049_5045  # "PIPE": imports of one organization take (class, organization id)


class Kind(enum.StrEnum):
    OPPORTUNITIES = "opportunities"
    CONTACTS = "contacts"
    SALESTARGETS = "salestargets"


class ImportFileInvalid(BadRequest):
    """The file as a whole cannot be imported; JSend ``fail`` data names the problem."""

    def __init__(self, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.data = data or {"file": message}

    def jsend_data(self) -> dict[str, Any]:
        return self.data


class RowError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ImportContext:
    """Who imports into which organization (built from a principal, or by the CLI)."""

    organization_id: int
    timezone: str = "UTC"
    acting_user_id: int | None = None
    token_id: int | None = None


COLUMNS: dict[Kind, list[Column]] = {
    Kind.OPPORTUNITIES: [
        Column("opp_id", "Opportunity ID", ("oppid", "opportunityexternalid", "externaloppid"), True),
        Column("opp_name", "Opportunity Name", ("oppname",), True),
        Column("amount", "Amount", ("opportunityamount", "oppamount")),
        Column("close_date", "Close Date", ("expectedclosedate",)),
        Column("stage", "Stage", ("stagename", "opportunitystage")),
        Column("forecast", "Forecast Category", ("forecast", "forecastcategoryname")),
        Column("owner", "Opportunity Owner", ("owner", "ownername", "oppowner")),
        Column("owner_email", "Opportunity Owner Email", ("owneremail", "oppowneremail")),
        Column("account_id", "Account ID", ("externalaccountid",)),
        Column("account_name", "Account Name", ("account",)),
        Column("website", "Account URL/Website", ("accounturl", "accountwebsite", "website", "url")),
        Column("type", "Opportunity Type", ("type", "opptype")),
        Column("next_step", "Next Step", ()),
    ],
    Kind.CONTACTS: [
        Column("opp_id", "Opportunity ID", ("oppid", "opportunityexternalid", "externaloppid")),
        Column("email", "Email", ("emailaddress", "contactemail"), True),
        Column("fullname", "Fullname", ("fullname", "name", "contactname")),
        Column("first_name", "First Name", ("firstname",)),
        Column("last_name", "Last Name", ("lastname",)),
        Column("title", "Title", ("jobtitle",)),
        Column("company_name", "Company Name", ("company", "companyname")),
        Column("account_id", "Account ID", ("externalaccountid",)),
        Column("phone", "Phone", ("phonenumber",)),
        Column("mobile_phone", "Mobile Phone", ("mobile", "mobilephonenumber", "cellphone")),
    ],
    Kind.SALESTARGETS: [
        Column(
            "email",
            "Email Address of Salesrep",
            ("email", "emailaddress", "salesrepemail", "repemail", "salesrep", "owneremail", "useremail"),
            True,
        ),
        Column("month", "Month", ("monthdate", "date", "period"), True),
        Column("amount", "Amount", ("target", "quota", "salestarget"), True),
    ],
}


@dataclass(frozen=True, slots=True)
class StageSpec:
    """The staging table of a kind and how it merges into its target table."""

    table: str
    #: (column, PostgreSQL type, SQLite type); ``row_no`` comes first
    columns: tuple[tuple[str, str, str], ...]
    key: tuple[str, ...]
    conflict_where: str | None
    #: target column -> the file fields whose presence makes the import write that column
    written_by: dict[str, tuple[str, ...]]


#: Text keys are sorted by bytes in staging (dedupe and lock order need a consistent order, not a
#: linguistic one): about half the sort time of the database's default collation.
KEY_TEXT = 'text COLLATE "C"'

SPECS: dict[Kind, StageSpec] = {
    Kind.OPPORTUNITIES: StageSpec(
        table="deals",
        columns=(
            ("row_no", "integer", "INTEGER"),
            ("vendor_entity_id", KEY_TEXT, "TEXT"),
            ("name", "text", "TEXT"),
            ("amount", "numeric(18,2)", "REAL"),
            ("close_date", "timestamptz", "TEXT"),
            ("stage", "text", "TEXT"),
            ("forecast_category", "text", "TEXT"),
            ("owner_user_id", "integer", "INTEGER"),
            ("company_vendor_entity_id", "text", "TEXT"),
            ("account_name", "text", "TEXT"),
            ("account_website", "text", "TEXT"),
            ("opportunity_type", "text", "TEXT"),
            ("next_step", "text", "TEXT"),
            ("closed", "boolean", "INTEGER"),
            ("won", "boolean", "INTEGER"),
        ),
        key=("vendor_entity_id",),
        conflict_where="vendor_entity_id IS NOT NULL",
        written_by={
            "name": ("opp_name",),
            "amount": ("amount",),
            "close_date": ("close_date",),
            "stage": ("stage",),
            "forecast_category": ("forecast",),
            "owner_user_id": ("owner_email",),
            "company_vendor_entity_id": ("account_id",),
            "account_name": ("account_name",),
            "account_website": ("website",),
            "opportunity_type": ("type",),
            "next_step": ("next_step",),
            "closed": ("stage",),
            "won": ("stage",),
        },
    ),
    Kind.CONTACTS: StageSpec(
        table="contacts",
        columns=(
            ("row_no", "integer", "INTEGER"),
            ("email", KEY_TEXT, "TEXT"),
            ("deal_id", "integer", "INTEGER"),
            ("full_name", "text", "TEXT"),
            ("first_name", "text", "TEXT"),
            ("last_name", "text", "TEXT"),
            ("title", "text", "TEXT"),
            ("company_name", "text", "TEXT"),
            ("account_external_id", "text", "TEXT"),
            ("phone", "text", "TEXT"),
            ("mobile_phone", "text", "TEXT"),
        ),
        key=("email",),
        conflict_where=None,
        written_by={
            "deal_id": ("opp_id",),
            "full_name": ("fullname", "first_name", "last_name"),
            "first_name": ("first_name",),
            "last_name": ("last_name",),
            "title": ("title",),
            "company_name": ("company_name",),
            "account_external_id": ("account_id",),
            "phone": ("phone",),
            "mobile_phone": ("mobile_phone",),
        },
    ),
    Kind.SALESTARGETS: StageSpec(
        table="sales_targets",
        columns=(
            ("row_no", "integer", "INTEGER"),
            ("user_id", "integer", "INTEGER"),
            ("month", "date", "TEXT"),
            ("amount", "numeric(18,2)", "REAL"),
        ),
        key=("user_id", "month"),
        conflict_where=None,
        written_by={"amount": ("amount",)},
    ),
}

KEY_LABEL = {
    Kind.OPPORTUNITIES: "Opportunity ID",
    Kind.CONTACTS: "Email",
    Kind.SALESTARGETS: "sales rep and month",
}


# --- reading ------------------------------------------------------------------------------------


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


# --- the database side --------------------------------------------------------------------------

_SQLITE_UUID = (
    "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2) || "
    "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || hex(randomblob(6)))"
)


def _merge_sql(kind: Kind, stage: str, present: set[str], postgres: bool, *, dedupe: bool = True) -> str:
    spec = SPECS[kind]
    staged = [c for c, _, _ in spec.columns if c != "row_no"]
    update = [c for c, fields in spec.written_by.items() if any(f in present for f in fields)]
    keys = ", ".join(spec.key)
    if postgres:
        # DISTINCT ON sorts by key, which the ORDER BY below (lock order) needs anyway.
        source = f"(SELECT DISTINCT ON ({keys}) * FROM {stage} ORDER BY {keys}, row_no DESC) AS s"
    elif not dedupe:
        source = f"{stage} AS s WHERE true"
    else:
        source = f"{stage} AS s WHERE s.row_no IN (SELECT max(row_no) FROM {stage} GROUP BY {keys})"
    # PostgreSQL: take the row locks in key order, so concurrent imports cannot deadlock. SQLite
    # writers are serialized by BEGIN IMMEDIATE and need no order (and no sort).
    order_by = ("ORDER BY " + ", ".join(f"s.{k}" for k in spec.key) + " ") if postgres else ""
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    t = spec.table
    inserts: dict[str, str] = {"organization_id": ":org", "created_at": ":now", "updated_at": ":now"}
    sets = [f"{c} = excluded.{c}" for c in update]
    changed = [f"{t}.{c} {distinct} excluded.{c}" for c in update]
    if kind is Kind.OPPORTUNITIES:
        inserts.update(
            {
                "uuid": "gen_random_uuid()" if postgres else _SQLITE_UUID,
                "created_by_user_id": ":actor",
                "deleted": "false",
                "closed": "coalesce(s.closed, false)",
                "won": "coalesce(s.won, false)",
            }
        )
        staged = [c for c in staged if c not in ("closed", "won")]
        # Importing an opportunity again brings back a deal deleted in Dealbench.
        sets += ["deleted = false", "deleted_date = NULL"]
        changed.append(f"{t}.deleted")
    sets.append("updated_at = excluded.updated_at")
    columns = [*inserts, *staged]
    values = [*inserts.values(), *(f"s.{c}" for c in staged)]
    conflict = ", ".join(("organization_id", *spec.key))
    where = f" WHERE {spec.conflict_where}" if spec.conflict_where else ""
    action = f"DO UPDATE SET {', '.join(sets)} WHERE {' OR '.join(changed)}" if changed else "DO NOTHING"
    return (
        f"INSERT INTO {t} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source} "
        f"{order_by}ON CONFLICT ({conflict}){where} {action}"
    )


class Stager:
    """The temporary staging table of one import, on the session's connection."""

    def __init__(self, session: AsyncSession, kind: Kind, postgres: bool) -> None:
        self.session = session
        self.kind = kind
        self.postgres = postgres
        self.spec = SPECS[kind]
        self.name = f"import_stage_{uuid.uuid4().hex[:12]}"
        self.columns = [c for c, _, _ in self.spec.columns]

    async def create(self) -> None:
        if self.postgres:
            # The merge sorts the staged rows by key: keep that sort in memory (this transaction only).
            await self.session.execute(text("SET LOCAL work_mem = '64MB'"))
            cols = ", ".join(f"{c} {pg}" for c, pg, _ in self.spec.columns)
            await self.session.execute(text(f"CREATE TEMPORARY TABLE {self.name} ({cols}) ON COMMIT DROP"))
        else:
            cols = ", ".join(f"{c} {lite}" for c, _, lite in self.spec.columns)
            await self.session.execute(text(f"CREATE TEMPORARY TABLE {self.name} ({cols})"))

    async def load(self, records: list[tuple[Any, ...]]) -> None:
        if not records:
            return
        conn = await self.session.connection()
        if self.postgres:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.copy_records_to_table(self.name, records=records, columns=self.columns)
        else:
            marks = ", ".join("?" for _ in self.columns)
            await conn.exec_driver_sql(f"INSERT INTO temp.{self.name} VALUES ({marks})", records)

    async def merge(self, present: set[str], ctx: ImportContext, *, dedupe: bool = True) -> None:
        sql = _merge_sql(self.kind, self.name, present, self.postgres, dedupe=dedupe)
        now: Any = utcnow()
        if not self.postgres:
            now = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        params: dict[str, Any] = {"org": ctx.organization_id, "now": now}
        if self.kind is Kind.OPPORTUNITIES:
            params["actor"] = ctx.acting_user_id
        await self.session.execute(text(sql), params)

    async def duplicates(self) -> tuple[int, list[tuple[Any, ...]]]:
        keys = ", ".join(self.spec.key)
        total = (
            await self.session.execute(
                text(
                    f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {self.name} "
                    f"GROUP BY {keys} HAVING count(*) > 1) AS d"
                )
            )
        ).scalar_one()
        if not total:
            return 0, []
        rows = await self.session.execute(
            text(
                f"SELECT {keys}, count(*) FROM {self.name} GROUP BY {keys} "
                f"HAVING count(*) > 1 ORDER BY min(row_no) LIMIT 10"
            )
        )
        return int(total), [tuple(r) for r in rows]

    async def drop(self) -> None:
        if not self.postgres:
            await self.session.execute(text(f"DROP TABLE IF EXISTS temp.{self.name}"))


async def _users_by_email(session: AsyncSession, organization_id: int) -> dict[str, int]:
    rows = await session.execute(
        text("SELECT email, id FROM users WHERE organization_id = :org AND deleted_at IS NULL"),
        {"org": organization_id},
    )
    return {email.lower(): uid for email, uid in rows}


async def _resolve_contacts(
    session: AsyncSession, ctx: ImportContext, batch: list[tuple[Any, ...]], errors: ErrorFile
) -> list[tuple[Any, ...]]:
    """Replace each contact's Opportunity ID by its deal id; an unknown one makes an error row."""
    refs = {r[2] for r in batch if r[2] is not None}
    found: dict[str, int] = {}
    ref_list = sorted(refs)
    for i in range(0, len(ref_list), 1000):
        chunk = ref_list[i : i + 1000]
        params = {f"r{j}": v for j, v in enumerate(chunk)}
        marks = ", ".join(f":r{j}" for j in range(len(chunk)))
        rows = await session.execute(
            text(
                "SELECT vendor_entity_id, id FROM deals WHERE organization_id = :org AND deleted = false "
                f"AND vendor_entity_id IN ({marks})"
            ),
            {"org": ctx.organization_id, **params},
        )
        found.update({eid: did for eid, did in rows})
    resolved = []
    for r in batch:
        ref = r[2]
        deal_id = None
        if ref is not None:
            deal_id = found.get(ref)
            if deal_id is None:
                errors.add(r[-1], f"No opportunity with Opportunity ID '{ref}' in this organization.")
                continue
        resolved.append((r[0], r[1], deal_id, *r[3:-1]))
    return resolved


def _owner_warnings(unknown: dict[str, list[int]]) -> list[str]:
    out = []
    for email, rows in unknown.items():
        shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        out.append(
            f"No user with email '{email}' (Opportunity Owner Email, {len(rows)} row(s): {shown}): "
            "imported without an owner."
        )
    return out


async def import_file(
    session: AsyncSession,
    ctx: ImportContext,
    kind: Kind,
    path: Path,
    *,
    filename: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
    tmp_dir: Path | None = None,
) -> ImportRun:
    """Import one CSV file into the context's organization; the caller commits (one transaction).
    Every import, from the API or the command line, is counted here (``dealbench_imports_total``,
    ``dealbench_import_rows_total``). The error file is spooled in ``tmp_dir`` (the system's
    temporary directory by default)."""
    try:
        run = await _import_file(
            session, ctx, kind, path, filename=filename, on_bytes=on_bytes, tmp_dir=tmp_dir
        )
    except Exception:
        metrics.import_failed(kind.value)
        raise
    metrics.import_completed(kind.value, run.total_imported_rows, run.total_error_rows)
    return run


async def _import_file(
    session: AsyncSession,
    ctx: ImportContext,
    kind: Kind,
    path: Path,
    *,
    filename: str | None,
    on_bytes: Callable[[int], None] | None,
    tmp_dir: Path | None,
) -> ImportRun:
    postgres = session.get_bind().dialect.name == "postgresql"
    users = await _users_by_email(session, ctx.organization_id)
    try:
        reader = await asyncio.to_thread(
            RowReader,
            kind,
            path,
            users=users,
            timezone=ctx.timezone,
            postgres=postgres,
            on_bytes=on_bytes,
            tmp_dir=tmp_dir,
        )
    except FileRejected as exc:
        raise ImportFileInvalid(exc.message, {"file": exc.message, **exc.data}) from None
    stager = Stager(session, kind, postgres)
    started = perf_counter()
    try:
        await stager.create()
        imported = 0
        # Contacts are resolved against the deals between parsing and loading (and write error rows
        # themselves), so they go batch by batch; the other kinds parse the next batch in the worker
        # thread while the current one is loaded.
        pipelined = kind is not Kind.CONTACTS
        pending: asyncio.Future[list[tuple[Any, ...]]] | None = None
        try:
            while True:
                try:
                    batch = await (pending or asyncio.to_thread(reader.read_batch))
                except FileRejected as exc:
                    raise ImportFileInvalid(exc.message, {"file": exc.message, **exc.data}) from None
                pending = None
                if not batch:
                    break
                if pipelined:
                    pending = asyncio.ensure_future(asyncio.to_thread(reader.read_batch))
                else:
                    batch = await _resolve_contacts(session, ctx, batch, reader.errors)
                await stager.load(batch)
                imported += len(batch)
        finally:
            if pending is not None:
                # A failure while loading: let the parsing thread finish before the reader is closed.
                with contextlib.suppress(Exception):
                    await pending
        if postgres:
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:cls, :org)"),
                {"cls": ADVISORY_LOCK_CLASS, "org": ctx.organization_id},
            )
        warnings = _owner_warnings(reader.warnings.unknown_owners)
        if imported:
            dupes, examples = await stager.duplicates()
            if dupes:
                label = KEY_LABEL[kind]
                shown = "; ".join(f"{' / '.join(str(v) for v in ex[:-1])} ({ex[-1]} rows)" for ex in examples)
                warnings.append(
                    f"{dupes} row(s) repeat a {label} seen earlier in the file; the last one was kept "
                    f"(e.g. {shown})."
                )
            staged = perf_counter()
            await stager.merge(reader.present, ctx, dedupe=dupes > 0)
            log.info(
                "import %s of org %s: %d rows parsed and staged in %.2fs, merged in %.2fs",
                kind.value,
                ctx.organization_id,
                imported,
                staged - started,
                perf_counter() - staged,
            )
        await stager.drop()
        if len(warnings) > MAX_WARNINGS:
            extra = len(warnings) - MAX_WARNINGS
            warnings = [*warnings[:MAX_WARNINGS], f"... and {extra} more warning(s)."]
        run = ImportRun(
            organization_id=ctx.organization_id,
            kind=kind.value,
            filename=filename,
            created_by_user_id=ctx.acting_user_id,
            token_id=ctx.token_id,
            total_original_rows=reader.total,
            total_imported_rows=imported,
            total_error_rows=reader.errors.count,
            ignored_columns=reader.match.ignored,
            warnings=warnings,
            error_csv=reader.errors.content() if reader.errors.count else None,
            created_at=utcnow(),
        )
        session.add(run)
        await session.flush()
        return run
    finally:
        reader.close()
