"""Where each domain's routers join the app. A new domain adds its routers here."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI


def all_routers() -> list[APIRouter]:
    from dealbench.apps.router import router as apps
    from dealbench.deals.router import router as deals
    from dealbench.documents.router import router as documents
    from dealbench.evaluations.router import criteria, templates
    from dealbench.evaluations.router import router as evaluations
    from dealbench.events.router import router as events
    from dealbench.invitations.router import router as invitations
    from dealbench.organizations.router import router as organizations
    from dealbench.pipeline.routers import ROUTERS as pipeline
    from dealbench.sales_processes.router import router as sales_processes
    from dealbench.teams.router import router as teams
    from dealbench.tickets.router import router as tickets
    from dealbench.tokens.router import router as tokens
    from dealbench.users.router import router as users
    from dealbench.webhooks.router import router as webhooks

    return [
        # foundation (issue 2)
        organizations,
        users,
        teams,
        invitations,
        tokens,
        # sales (issue 3)
        deals,
        sales_processes,
        tickets,
        evaluations,
        templates,
        criteria,
        # documents (issue 4)
        documents,
        # pipeline: JSend /api/v1 and the /v1 contacts, sales targets, imports (issue 5)
        *pipeline,
        # events, webhooks and apps
        events,
        webhooks,
        apps,
    ]


def include_routers(app: FastAPI) -> None:
    for router in all_routers():
        app.include_router(router)
