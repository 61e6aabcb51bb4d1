"""Where each domain's routers join the app. A new domain adds one line here."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    from dealbench.invitations.router import router as invitations
    from dealbench.organizations.router import router as organizations
    from dealbench.teams.router import router as teams
    from dealbench.tokens.router import router as tokens
    from dealbench.users.router import router as users

    for router in (organizations, users, teams, invitations, tokens):
        app.include_router(router)

    from dealbench.deals.router import router as deals  # sales domain (issue 3)
    from dealbench.sales_processes.router import router as sales_processes
    from dealbench.tickets.router import router as tickets

    from dealbench.evaluations.router import criteria, templates
    from dealbench.evaluations.router import router as evaluations

    for router in (deals, sales_processes, tickets, evaluations, templates, criteria):
        app.include_router(router)

    from dealbench.documents.router import router as documents  # documents domain (issue 4)

    app.include_router(documents)

    from dealbench.pipeline.routers import ROUTERS as pipeline  # pipeline domain (issue 5)

    for router in pipeline:
        app.include_router(router)
