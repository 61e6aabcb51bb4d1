"""Reading an import file, without a database: encodings, delimiters, files that are not CSV, and
the rows each kind rejects into the error file."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import pytest

from dealbench.imports.fields import Kind
from dealbench.imports.reading import FileRejected, RowError, RowReader, valid_email

USERS = {"rep@example.com": 7}


def reader(tmp_path: Path, content: bytes | str, kind: Kind = Kind.OPPORTUNITIES, **kw: Any) -> RowReader:
    path = tmp_path / "upload.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    kw.setdefault("postgres", True)
    return RowReader(kind, path, users=USERS, timezone=kw.pop("timezone", "UTC"), **kw)


def read_all(r: RowReader) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    while batch := r.read_batch(2):
        rows += batch
    return rows


def error_rows(r: RowReader) -> list[list[str]]:
    return list(csv.reader(io.StringIO(r.errors.content().decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
    ],
)
def test_unicode_encodings_read_alike(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = "Opportunity ID,Opportunity Name\nO1,Café Zürich\n"
    r = reader(tmp_path, bom + text.encode(encoding))
    try:
        assert [row[1:3] for row in read_all(r)] == [("O1", "Café Zürich")]
        assert r.errors.count == 0
    finally:
        r.close()


def test_a_file_that_is_not_utf8_is_read_as_windows_1252(tmp_path: Path) -> None:
    r = reader(tmp_path, "Opportunity ID;Opportunity Name\nO1;Café €\n".encode("cp1252"))
    try:
        assert r.encoding == "cp1252" and r.delimiter == ";"
        assert [row[2] for row in read_all(r)] == ["Café €"]
    finally:
        r.close()


def test_a_nul_character_rejects_the_file_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="NUL character, line 3"):
        reader(tmp_path, b"Opportunity ID,Opportunity Name\nO1,a\nO2,b\x00\n")


def test_a_quoted_field_never_closed_rejects_the_file(tmp_path: Path) -> None:
    r = reader(tmp_path, 'Opportunity ID,Opportunity Name\nO1,"open\nO2,b\n')
    try:
        with pytest.raises(FileRejected, match="never closed"):
            read_all(r)
    finally:
        r.close()


def test_an_empty_file_and_missing_columns_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="empty"):
        reader(tmp_path, "\n\n")
    with pytest.raises(FileRejected) as exc:
        reader(tmp_path, "Opportunity Name,Amount\nx,1\n")
    assert exc.value.data == {"missing_columns": ["Opportunity ID"]}


def test_bad_rows_go_to_the_error_file_as_uploaded_and_defused(tmp_path: Path) -> None:
    content = (
        "Opportunity ID,Opportunity Name,Amount,Close Date,Stage,Opportunity Owner Email\n"
        'O1,Good,"1,200.50",2026-03-01,Closed Won,REP@example.com\n'
        "\n"
        ",No id,,,,\n"
        'O3,=HYPERLINK("x"),lots,,,\n'
        "O4,Extra,1,,,,surplus\n"
        "O5,Unknown owner,,,,nobody@example.com\n"
    )
    r = reader(tmp_path, content)
    try:
        rows = read_all(r)
        assert r.total == 5  # the blank line is not a row
        assert [row[1] for row in rows] == ["O1", "O5"]
        good = rows[0]
        assert good[0] == 2 and str(good[3]) == "1200.50" and good[7] == 7
        assert good[-2:] == (True, True)  # closed, won: from the stage
        assert r.warnings.unknown_owners == {"nobody@example.com": [7]}
        errors = error_rows(r)
        assert errors[0][-1] == "error"
        assert [e[0] for e in errors[1:]] == ["", "O3", "O4"]
        assert errors[1][-1] == "Opportunity ID is required."
        assert errors[2][1] == '\'=HYPERLINK("x")'  # formula-neutralized
        assert "7 values but the header has 6 columns" in errors[3][-1]
    finally:
        r.close()


def test_sqlite_records_carry_text_dates_and_float_amounts(tmp_path: Path) -> None:
    r = reader(
        tmp_path,
        "Opportunity ID,Opportunity Name,Amount,Close Date\nO1,a,10.25,2026-01-15\n",
        postgres=False,
        timezone="Europe/Paris",
    )
    try:
        (row,) = read_all(r)
        # midnight in the organization's timezone, stored in UTC
        assert row[3] == 10.25 and row[4] == "2026-01-14 23:00:00.000000"
    finally:
        r.close()


def test_contacts_need_a_valid_email_and_build_a_full_name(tmp_path: Path) -> None:
    content = "Email,First Name,Last Name,Opportunity ID\nAda@Example.com,Ada,Lovelace,K1\nnot-an-email,B,,\n"
    r = reader(tmp_path, content, Kind.CONTACTS)
    try:
        (row,) = read_all(r)
        assert row[1:6] == ("ada@example.com", "K1", "Ada Lovelace", "Ada", "Lovelace")
        assert row[-1] == ["Ada@Example.com", "Ada", "Lovelace", "K1"]  # the cells, for the error file
        assert "not a valid email address" in error_rows(r)[1][-1]
    finally:
        r.close()


def test_targets_need_a_known_rep_a_month_and_an_amount(tmp_path: Path) -> None:
    content = (
        "Email Address of Salesrep,Month,Amount\n"
        "rep@example.com,Jan 2026,5000\n"
        "other@example.com,2026-02,5000\n"
        "rep@example.com,,5000\n"
        "rep@example.com,2026-03,\n"
    )
    r = reader(tmp_path, content, Kind.SALESTARGETS)
    try:
        (row,) = read_all(r)
        assert (row[1], row[2].isoformat(), str(row[3])) == (7, "2026-01-01", "5000.00")
        assert [e[-1] for e in error_rows(r)[1:]] == [
            "No user with email 'other@example.com' in this organization.",
            "Month is required.",
            "Amount is required.",
        ]
    finally:
        r.close()


def test_valid_email_normalizes_and_refuses() -> None:
    assert valid_email("  Grace@Navy.Example ") == "grace@navy.example"
    for bad in ("", "grace", "a@"):
        with pytest.raises(RowError):
            valid_email(bad)
