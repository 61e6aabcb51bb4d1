"""The web app: the pages of every domain joined into the app, the layout and session glue (the
sign-in page, the workbench, error pages), and the static assets under ``/static/web``.

Each domain's pages live in its ``pages.py``, over the same services and presenters as its API
routes; this package holds only what belongs to no one domain.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "web"


def page_routers() -> list[APIRouter]:
    from dealbench.contacts.pages import router as contacts
    from dealbench.deals.pages import router as deals
    from dealbench.documents.pages import router as documents
    from dealbench.evaluations.pages import router as evaluations
    from dealbench.evaluations.plan_pages import router as plan_pages
    from dealbench.evaluations.template_pages import router as template_pages
    from dealbench.imports.pages import router as imports
    from dealbench.invitations.pages import router as invitations
    from dealbench.organizations.pages import router as organizations
    from dealbench.portal.pages import router as portal
    from dealbench.teams.pages import router as teams
    from dealbench.tickets.pages import router as tickets
    from dealbench.tickets.request_pages import router as request_pages
    from dealbench.tokens.pages import router as tokens
    from dealbench.users.pages import router as users
    from dealbench.web.password import router as password
    from dealbench.web.signin import router as signin
    from dealbench.web.workbench import router as workbench
    from dealbench.webhooks.pages import router as webhooks

    return [
        signin,
        password,
        workbench,
        deals,
        evaluations,
        plan_pages,
        template_pages,
        tickets,
        request_pages,
        contacts,
        tokens,
        invitations,
        users,
        teams,
        organizations,
        webhooks,
        documents,
        imports,
        portal,
    ]


def install(app: FastAPI) -> None:
    app.mount("/static/web", StaticFiles(directory=STATIC_DIR), name="web-static")
    for router in page_routers():
        app.include_router(router)
