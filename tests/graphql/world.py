"""A tenant with one of every object the GraphQL schema shows, made through the API as a client
would: a deal with a ticket, a plan with its content, a team, an invitation, a sales process, a
project with a document, a contact, a sales target, a webhook with a delivery and an app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dealbench.models import Role
from tests.cross_tenant import Ctx
from tests.cross_tenant.events import _delivery as deliveries
from tests.factories import Tenant, unique

#: A public address an app may be registered with; registering sends nothing.
PUBLIC_URL = "https://1.1.1.1/dealbench-app"


@dataclass
class World:
    tenant: Tenant
    personal: str
    ids: dict[str, Any]


async def build_world(ctx: Ctx) -> World:
    t = ctx.tenant
    deal = await ctx.post(
        "/v1/deals",
        {"name": unique("deal "), "amount": 1200, "accountName": "Acme", "vendorEntityId": unique("V")},
    )
    ticket = await ctx.post(
        "/v1/tickets",
        {
            "title": unique("ticket "),
            "type": "BUG",
            "state": "OPEN",
            "deals": [{"id": deal["id"], "priority": "BLOCKER"}],
            "labels": ["api"],
        },
    )
    plan = await ctx.post("/v1/evaluations", {"title": unique("plan "), "dealId": deal["id"]})
    items = {}
    for kind, body in (
        ("phases", {"title": "Phase"}),
        ("criteria", {"title": "Criterion"}),
        ("tasks", {"title": "Task"}),
        ("meetings", {"title": "Meeting", "startsAt": "2030-01-01T10:00:00Z"}),
    ):
        items[kind] = (await ctx.post(f"/v1/evaluations/{plan['id']}/{kind}", body))["id"]
    from tests.cross_tenant.portal import buyer_comment, buyer_of

    await buyer_comment(ctx, plan)  # a buyer and a comment
    buyer = await buyer_of(ctx, plan["id"])
    team = await ctx.post("/v1/teams", {"name": unique("team ")})
    await ctx.call("PUT", f"/v1/teams/{team['id']}/users/{t.admin.email}")
    invitation = await ctx.post(
        "/v1/organization/invitations", {"inviteeEmail": f"{unique('inv')}@example.com", "role": "MEMBER"}
    )
    process = await ctx.post("/v1/sales-processes", {"name": unique("process "), "stages": [{"title": "s1"}]})
    project = await ctx.post("/v1/projects", {"name": unique("project ")})
    document = await ctx.upload(f"/v1/projects/{project['id']}/documents")
    contact = await ctx.post(
        "/v1/contacts",
        {"email": f"{unique('c')}@example.com", "dealId": deal["id"], "accountId": "ACC-1", "title": "CTO"},
    )
    target = await ctx.post("/v1/sales-targets", {"userId": t.admin.id, "month": "2030-01", "amount": 1000})
    user, personal = await ctx.factory.personal(t, Role.ADMIN)
    delivery = await deliveries(ctx)
    app = await ctx.post(
        "/v1/apps", {"name": unique("app "), "webhookUrl": PUBLIC_URL, "scopes": ["deals:read"]}
    )
    ids = {
        "deal": deal["id"],
        "ticket": ticket["id"],
        "evaluation": plan["id"],
        **items,
        "team": team["id"],
        "invitation": invitation["id"],
        "process": process["id"],
        "project": project["id"],
        "document": document["id"],
        "contact": contact["id"],
        "target": target["id"],
        "user": user.id,
        "webhook": delivery["path"]["id"],
        "delivery": delivery["path"]["deliveryId"],
        "app": app["id"],
        "buyer": buyer["id"],
    }
    return World(tenant=t, personal=personal, ids=ids)
