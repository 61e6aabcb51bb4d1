"""The field specs of the import kinds: header matching by label and alias, required columns, and
which target columns a file's fields write."""

from __future__ import annotations

from dealbench.imports.fields import COLUMNS, SPECS, Kind
from dealbench.imports.parsing import match_header, normalize_header


def test_headers_match_by_label_alias_and_spelling() -> None:
    header = ["Opportunity ID*", "opp_name", "AMOUNT", "Expected Close Date", "Owner Email", "Notes", ""]
    match = match_header(header, COLUMNS[Kind.OPPORTUNITIES])
    assert match.positions == {"opp_id": 0, "opp_name": 1, "amount": 2, "close_date": 3, "owner_email": 4}
    assert match.ignored == ["Notes"]
    assert match.missing == []


def test_the_first_of_repeated_columns_wins_and_the_others_are_ignored() -> None:
    match = match_header(["Email", "email address", "Title"], COLUMNS[Kind.CONTACTS])
    assert match.positions == {"email": 0, "title": 2}
    assert match.ignored == ["email address"]


def test_required_columns_are_named_by_label() -> None:
    assert match_header(["Amount"], COLUMNS[Kind.SALESTARGETS]).missing == [
        "Email Address of Salesrep",
        "Month",
    ]
    assert match_header(["Title"], COLUMNS[Kind.CONTACTS]).missing == ["Email"]


def test_normalized_names_keep_letters_and_digits() -> None:
    assert normalize_header(" Account URL/Website ") == "accounturlwebsite"
    assert normalize_header("opp_id") == normalize_header("Opp ID") == "oppid"


def test_a_file_writes_only_the_columns_its_fields_give() -> None:
    spec = SPECS[Kind.OPPORTUNITIES]
    assert spec.update({"opp_id", "opp_name"}) == ["name"]
    assert spec.update({"opp_id", "opp_name", "stage"}) == ["name", "stage", "closed", "won"]
    contacts = SPECS[Kind.CONTACTS]
    # a contact's full name is written by any of the three name fields
    assert contacts.update({"email", "last_name"}) == ["full_name", "last_name"]
    assert contacts.update({"email"}) == []


def test_every_written_column_is_staged_and_the_key_leads() -> None:
    for kind, spec in SPECS.items():
        staged = spec.staged
        assert spec.columns[0][0] == "row_no", kind
        assert set(spec.written_by) <= set(staged), kind
        assert set(spec.key) <= set(staged), kind
        fields = {c.key for c in COLUMNS[kind]}
        assert {f for written in spec.written_by.values() for f in written} <= fields, kind
