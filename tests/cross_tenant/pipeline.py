"""Pipeline domain (issue 5): imports, contacts, sales targets."""

from __future__ import annotations

from datetime import date
from typing import Any

from dealbench.kit.db import utcnow
from dealbench.models import Contact, Deal, ImportRun, SalesTarget
from tests.factories import unique


async def _import_run(factory: Any, other: Any) -> dict[str, Any]:
    async with factory.services.sessionmaker() as session:
        run = ImportRun(
            organization_id=other.org.id,
            kind="opportunities",
            total_original_rows=1,
            total_error_rows=1,
            error_csv=b"Opportunity ID,error\r\nx,bad\r\n",
            ignored_columns=[],
            warnings=[],
            created_at=utcnow(),
        )
        session.add(run)
        await session.commit()
    return {"path": {"import_id": str(run.uuid), "id": str(run.uuid)}}


async def _unknown_kind(factory: Any, other: Any) -> dict[str, Any]:
    # There is no other tenant's "kind": a kind that does not exist answers 404 before anything else.
    return {"path": {"kind": "another-tenants-kind"}}


async def _contact(factory: Any, other: Any) -> dict[str, Any]:
    async with factory.services.sessionmaker() as session:
        contact = Contact(organization_id=other.org.id, email=f"{unique('c')}@example.com")
        session.add(contact)
        await session.commit()
    return {"path": {"id": contact.id}, "json": {"title": "CTO"}}


async def _deal(factory: Any, other: Any) -> dict[str, Any]:
    async with factory.services.sessionmaker() as session:
        deal = Deal(organization_id=other.org.id, name="other deal", vendor_entity_id=unique("opp"))
        session.add(deal)
        await session.commit()
    return {"path": {"id": deal.id}}


async def _target(factory: Any, other: Any) -> dict[str, Any]:
    async with factory.services.sessionmaker() as session:
        target = SalesTarget(
            organization_id=other.org.id, user_id=other.admin.id, month=date(2025, 1, 1), amount=1000
        )
        session.add(target)
        await session.commit()
    return {"path": {"id": target.id}, "json": {"amount": 5}}


ROUTES = {
    "GET /api/v1/admin/imports/{import_id}/error-file": _import_run,
    "GET /v1/imports/{id}/errors": _import_run,
    "POST /v1/imports/{kind}": _unknown_kind,
    "* /v1/contacts/{id}": _contact,
    "GET /v1/deals/{id}/contacts": _deal,
    "* /v1/sales-targets/{id}": _target,
}
