"""API keys in the web app: ``/settings/api-keys`` (create with a name and scopes, the plaintext
shown once; list; revoke) and ``/settings/develop`` (open the GraphQL playground or the schema map
with a short-lived key minted for that purpose), over the tokens service of ``/v1/tokens``.

A key made here is a personal token of the signed-in person; an administrator may make an
organization token instead. Its scopes are bounded by the person's role when it is used.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from pydantic import ValidationError
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.scopes import RESOURCES
from dealbench.auth.sessions import page_scoped
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Forbidden, ValidationFailed
from dealbench.kit.pages import field_errors, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.services import AppServices
from dealbench.kit.session import DbSession
from dealbench.tokens import presenter, service
from dealbench.tokens.schemas import TokenCreate

router = APIRouter(tags=["pages"], include_in_schema=False)

TokensRead = Annotated[Principal, page_scoped("tokens:read")]
TokensWrite = Annotated[Principal, page_scoped("tokens:write")]
#: Every scope a key may have, in the order the page lists them.
SCOPES = ["*", "*:read", *[f"{r}:{a}" for r in RESOURCES for a in ("read", "write")]]
#: How long the key of the Develop page lives.
DEVELOP_KEY_LIFETIME = timedelta(minutes=30)
TOOLS = {"playground": "/graphql", "voyager": "/graphql/voyager"}


async def _keys_context(session: DbSession, principal: Principal, **extra: Any) -> dict[str, Any]:
    rows, _ = await service.list_tokens(session, principal, ListParams(limit=200))
    return {
        "keys": presenter.tokens(rows),
        "scopes": SCOPES,
        "can_write": principal.can("tokens:write"),
        "is_admin": principal.is_admin,
        "values": {},
        "errors": {},
        **extra,
    }


@router.get("/settings/api-keys")
async def api_keys_page(request: Request, principal: TokensRead, session: DbSession) -> Response:
    return render(request, "tokens/api_keys.html", await _keys_context(session, principal))


@router.post("/settings/api-keys")
async def create_api_key(
    request: Request, principal: TokensWrite, session: DbSession, services: AppServices
) -> Response:
    form = await request.form()
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)]
    organization = form.get("kind") == "organization"
    values = {
        "name": str(form.get("name") or ""),
        "scopes": scopes,
        "kind": "organization" if organization else "",
    }
    try:
        if not scopes:
            raise ValidationFailed.at(["scopes"], "Choose at least one scope.")
        body = TokenCreate.model_validate(
            {
                "name": values["name"],
                "scopes": scopes,
                "userId": None if organization else principal.user.id if principal.user else None,
            }
        )
        row, plaintext = await service.create_token(
            session,
            principal,
            body,
            services.secret_key,
            default_rate_limit=services.settings.rate_limit_per_minute,
        )
    except (ValidationError, ValidationFailed, Forbidden) as exc:
        context = await _keys_context(session, principal, values=values, errors=field_errors(exc))
        if isinstance(exc, Forbidden):
            context["errors"] = {"": exc.message}
        return render(request, "tokens/api_keys.html", context, 403 if isinstance(exc, Forbidden) else 400)
    created = presenter.created(row, plaintext)
    return render(
        request, "tokens/api_keys.html", await _keys_context(session, principal, created=created), 201
    )


@router.post("/settings/api-keys/{token_id}/revoke")
async def revoke_api_key(
    request: Request,
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: TokensWrite,
    session: DbSession,
) -> Response:
    await service.revoke_token(session, principal, token_id)
    return redirect(request, "/settings/api-keys")


@router.get("/settings/develop")
async def develop_page(request: Request, principal: TokensRead) -> Response:
    minutes = int(DEVELOP_KEY_LIFETIME.total_seconds() // 60)
    return render(request, "tokens/develop.html", {"minutes": minutes})


@router.post("/settings/develop/{tool}")
async def open_tool(
    request: Request,
    tool: Annotated[str, Path(pattern="^(playground|voyager)$")],
    principal: TokensRead,
    session: DbSession,
    services: AppServices,
    readonly: Annotated[bool, Form()] = False,
) -> Response:
    """Mint a personal key of the signed-in person (``*``, or ``*:read``; the role bounds it)
    that expires soon, and open the tool with it: a stored key's plaintext is never kept, so
    none can be filled in later."""
    assert principal.user is not None  # a session always acts as its user
    _, plaintext = await service.issue_token(
        session,
        organization=principal.organization,
        name=f"Develop page ({tool})",
        secret_key=services.secret_key,
        user=principal.user,
        scopes=["*:read"] if readonly else ["*"],
        created_by_user_id=principal.user.id,
        expires_at=utcnow() + DEVELOP_KEY_LIFETIME,
    )
    return redirect(request, f"{TOOLS[tool]}?access_token={quote(plaintext, safe='')}")
