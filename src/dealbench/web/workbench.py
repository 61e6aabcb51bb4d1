"""The workbench (``/``): the signed-in person's open deals with their plans' progress, their tasks
due soon, and the recent activity of their plans."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from dealbench.auth.sessions import SignedIn
from dealbench.kit.pages import render
from dealbench.kit.session import DbSession
from dealbench.web.errors import PAGE_TAG

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)


@router.get("/")
async def workbench(request: Request, principal: SignedIn, session: DbSession) -> Response:
    return render(request, "workbench.html", {})
