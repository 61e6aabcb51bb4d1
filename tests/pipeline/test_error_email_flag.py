"""``send_error_email`` given as a form field, and what an import says when the error file cannot be
mailed (no SMTP server, nobody to mail): the import stands, a warning says why."""

from __future__ import annotations

from typing import Any

import httpx

from dealbench.app import create_app
from dealbench.kit.services import Services
from tests.pipeline.helpers import UPLOAD, ok

BAD = b"opp_id,opp_name,amount\nF1,fine,1\nF2,bad,lots\n"


async def _send(client: httpx.AsyncClient, headers: dict[str, str], flag: str) -> httpx.Response:
    return await client.post(
        UPLOAD["opportunities"],
        files={"file": ("f.csv", BAD, "text/csv")},
        data={"send_error_email": flag},
        headers=headers,
    )


async def test_the_form_field_is_read_and_a_missing_smtp_server_is_a_warning(
    client: Any, factory: Any
) -> None:
    t = await factory.tenant()
    data = ok(await _send(client, t.headers, "yes"))
    assert data["total_error_rows"] == 1
    assert data["warnings"] == ["The error file was not emailed: no SMTP server is configured."]
    quiet = ok(await _send(client, t.headers, "off"))
    assert quiet["warnings"] == [] and quiet["total_error_rows"] == 1


async def test_a_flag_that_is_not_a_boolean_is_a_400_and_imports_nothing(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    response = await _send(client, t.headers, "perhaps")
    assert response.status_code == 400
    assert response.json() == {
        "status": "fail",
        "data": {"send_error_email": "send_error_email must be true or false."},
    }
    deals = await client.get("/v1/deals", headers=t.headers)
    assert deals.json()["totalCount"] == 0


async def test_nobody_to_mail_is_a_warning(settings: Any, factory: Any) -> None:
    """An organization token of an organization without administrators (all removed)."""
    from sqlalchemy import update

    from dealbench.kit.db import utcnow
    from dealbench.models import User

    t = await factory.tenant()
    async with factory.services.sessionmaker() as session:
        await session.execute(
            update(User).where(User.organization_id == t.org.id).values(deleted_at=utcnow())
        )
        await session.commit()
    mail = settings.model_copy(update={"smtp_url": "smtp://127.0.0.1:9"})
    services = Services.build(mail)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(mail, services)), base_url="http://testserver"
        ) as c:
            data = ok(await _send(c, t.headers, "1"))
    finally:
        await services.close()
    assert data["warnings"] == ["The error file was not emailed: nobody to send it to."]
