"""The kinds of import and their fields: the columns a file may hold (by label or alias), the
staging table of each kind, and which target columns each field writes."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from dealbench.contacts.repository import ContactRepository
from dealbench.deals.repository import DealRepository
from dealbench.imports.parsing import Column
from dealbench.sales_targets.repository import SalesTargetRepository


class Kind(enum.StrEnum):
    OPPORTUNITIES = "opportunities"
    CONTACTS = "contacts"
    SALESTARGETS = "salestargets"


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
    """The staging table of a kind: its columns are those of the target table the rows merge into
    (by the repository of that table), in the order of the records the row reader builds."""

    #: (column, PostgreSQL type, SQLite type); ``row_no`` comes first
    columns: tuple[tuple[str, str, str], ...]
    #: the target table's key of an imported row (deduplication in staging, the merge's conflict)
    key: tuple[str, ...]
    #: target column -> the file fields whose presence makes the import write that column
    written_by: dict[str, tuple[str, ...]]

    @property
    def staged(self) -> list[str]:
        """The staged columns that go into the target table (all but ``row_no``)."""
        return [c for c, _, _ in self.columns if c != "row_no"]

    def update(self, present: set[str]) -> list[str]:
        """The target columns an import of a file with the fields ``present`` writes."""
        return [c for c, fields in self.written_by.items() if any(f in present for f in fields)]


#: Text keys are sorted by bytes in staging (dedupe and lock order need a consistent order, not a
#: linguistic one): about half the sort time of the database's default collation.
KEY_TEXT = 'text COLLATE "C"'

SPECS: dict[Kind, StageSpec] = {
    Kind.OPPORTUNITIES: StageSpec(
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
        key=DealRepository.IMPORT_KEY,
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
        key=ContactRepository.IMPORT_KEY,
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
        columns=(
            ("row_no", "integer", "INTEGER"),
            ("user_id", "integer", "INTEGER"),
            ("month", "date", "TEXT"),
            ("amount", "numeric(18,2)", "REAL"),
        ),
        key=SalesTargetRepository.IMPORT_KEY,
        written_by={"amount": ("amount",)},
    ),
}

KEY_LABEL = {
    Kind.OPPORTUNITIES: "Opportunity ID",
    Kind.CONTACTS: "Email",
    Kind.SALESTARGETS: "sales rep and month",
}
