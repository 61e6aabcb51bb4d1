"""The GraphQL endpoint is public at the HTTP level: without a token it serves the public schema.

Its fields carry the scopes and the tenant rules. ``FIELDS`` describes, for the GraphQL tenancy
matrix (``tests/graphql/test_auth_matrix.py``), every root field and mutation that takes an id:
``{"Query.deal": maker}``. ``maker(ctx)`` builds real objects of ``ctx.tenant`` (through the API)
and returns the request that must succeed for that tenant:

- ``query`` and ``variables``: the document, naming the tenant's objects in its variables;
- ``read``: for a mutation, what must not change when another organization sends it (a GraphQL
  document or a ``/v1`` path, read with the owner's token before and after);
- ``filter``: the id only filters a list (``tickets(dealId:)``): another organization's id matches
  nothing (an empty page, as the REST list filter answers), instead of ``NOT_FOUND``.

Every other field and mutation taking an id answers another organization ``NOT_FOUND``, the code
of the REST dialect's 404, and writes nothing.
"""

from __future__ import annotations

from typing import Any

from tests.cross_tenant import Ctx, Made, Maker
from tests.cross_tenant.events import _app, _delivery, _webhook_id
from tests.cross_tenant.sales import item_body
from tests.factories import unique

PUBLIC = {
    "GET /graphql",
    "POST /graphql",
}


async def _deal(ctx: Ctx) -> int:
    return (await ctx.post("/v1/deals", {"name": unique("deal ")}))["id"]  # type: ignore[no-any-return]


async def _ticket(ctx: Ctx) -> int:
    body = {"title": unique("ticket "), "type": "BUG", "state": "OPEN"}
    return (await ctx.post("/v1/tickets", body))["id"]  # type: ignore[no-any-return]


async def _plan(ctx: Ctx) -> int:
    return (await ctx.post("/v1/evaluations", {"title": unique("plan ")}))["id"]  # type: ignore[no-any-return]


DEAL_STATE = "query($id: ID!) { deal(id: $id) { name deleted updatedAt } }"
TICKET_STATE = "query($id: Int!) { ticket(id: $id) { title state updatedAt } }"
PLAN_STATE = """query($id: Int!) { evaluation(id: $id) { title updatedAt
  phases { id title } criteria { id title } tasks { id title } meetings { id title } } }"""


async def _user(ctx: Ctx) -> Made:
    user = await ctx.factory.user(ctx.tenant)
    return {"query": "query($id: Int!) { user(id: $id) { id email } }", "variables": {"id": user.id}}


async def _deal_read(ctx: Ctx) -> Made:
    return {
        "query": "query($id: ID!) { deal(id: $id) { id name } }",
        "variables": {"id": str(await _deal(ctx))},
    }


async def _ticket_read(ctx: Ctx) -> Made:
    return {"query": "query($id: Int!) { ticket(id: $id) { id } }", "variables": {"id": await _ticket(ctx)}}


async def _plan_read(ctx: Ctx) -> Made:
    return {"query": "query($id: Int!) { evaluation(id: $id) { id } }", "variables": {"id": await _plan(ctx)}}


async def _documents(ctx: Ctx) -> Made:
    project = await ctx.post("/v1/projects", {"name": unique("project ")})
    await ctx.upload(f"/v1/projects/{project['id']}/documents")
    return {
        "query": "query($id: Int!) { documents(projectId: $id) { total data { id } } }",
        "variables": {"id": project["id"]},
    }


async def _contacts_of_deal(ctx: Ctx) -> Made:
    deal = await _deal(ctx)
    await ctx.post("/v1/contacts", {"email": f"{unique('c')}@example.com", "dealId": deal})
    return {
        "query": "query($id: Int!) { contacts(dealId: $id) { total data { id } } }",
        "variables": {"id": deal},
        "filter": True,
    }


async def _tickets_of_deal(ctx: Ctx) -> Made:
    deal = await _deal(ctx)
    await ctx.post("/v1/tickets", {"title": "t", "type": "BUG", "state": "OPEN", "deals": [{"id": deal}]})
    return {
        "query": "query($id: ID!) { tickets(dealId: $id) { total data { id } } }",
        "variables": {"id": str(deal)},
        "filter": True,
    }


async def _targets_of_user(ctx: Ctx) -> Made:
    rep = await ctx.factory.user(ctx.tenant)
    await ctx.post("/v1/sales-targets", {"userId": rep.id, "month": "2030-01", "amount": 1000})
    return {
        "query": "query($id: Int!) { salesTargets(userId: $id) { total data { id } } }",
        "variables": {"id": rep.id},
        "filter": True,
    }


async def _revoke_invitation(ctx: Ctx) -> Made:
    invitation = await ctx.post(
        "/v1/organization/invitations", {"inviteeEmail": f"{unique('inv')}@example.com", "role": "MEMBER"}
    )
    return {
        "query": "mutation($id: Int!) { revokeInvitation(id: $id) { id status } }",
        "variables": {"id": invitation["id"]},
        "read": "/v1/organization/invitations",
    }


def _deal_mutation(document: str, read: str | None = None) -> Maker:
    async def make(ctx: Ctx) -> Made:
        deal = str(await _deal(ctx))
        return {"query": document, "variables": {"id": deal}, "read": read or DEAL_STATE}

    return make


def _ticket_mutation(document: str) -> Maker:
    async def make(ctx: Ctx) -> Made:
        return {"query": document, "variables": {"id": await _ticket(ctx)}, "read": TICKET_STATE}

    return make


def _plan_mutation(document: str) -> Maker:
    async def make(ctx: Ctx) -> Made:
        return {"query": document, "variables": {"id": await _plan(ctx)}, "read": PLAN_STATE}

    return make


#: The kinds of plan item: ``(GraphQL name, REST collection)``.
ITEMS = [
    ("Phase", "phases"),
    ("Criterion", "criteria"),
    ("Task", "tasks"),
    ("Meeting", "meetings"),
]


def _add_item(name: str, kind: str) -> Maker:
    async def make(ctx: Ctx) -> Made:
        plan = await _plan(ctx)
        return {
            "query": f"mutation($plan: Int!, $input: {name}CreateInput!) "
            f"{{ add{name}(evaluationId: $plan, input: $input) {{ id }} }}",
            "variables": {"plan": plan, "input": item_body(kind)},
            "read": PLAN_STATE.replace("$id", "$plan"),
            "read_variables": {"plan": plan},
        }

    return make


def _item_mutation(name: str, kind: str, verb: str) -> Maker:
    async def make(ctx: Ctx) -> Made:
        plan = await _plan(ctx)
        item = (await ctx.post(f"/v1/evaluations/{plan}/{kind}", item_body(kind)))["id"]
        if verb == "update":
            document = (
                f"mutation($plan: Int!, $id: Int!, $input: {name}UpdateInput!) "
                f"{{ update{name}(evaluationId: $plan, id: $id, input: $input) {{ id title }} }}"
            )
            variables: dict[str, Any] = {"plan": plan, "id": item, "input": {"title": unique("renamed ")}}
        else:
            document = f"mutation($plan: Int!, $id: Int!) {{ delete{name}(evaluationId: $plan, id: $id) }}"
            variables = {"plan": plan, "id": item}
        return {
            "query": document,
            "variables": variables,
            "read": PLAN_STATE.replace("$id", "$plan"),
            "read_variables": {"plan": plan},
        }

    return make


WEBHOOK_STATE = "/v1/webhooks/{id}"


def _webhook_field(document: str, *, mutation: bool = True) -> Maker:
    async def make(ctx: Ctx) -> Made:
        hook = await _webhook_id(ctx, ["nothing.happens"])
        made: Made = {"query": document, "variables": {"id": hook}}
        if mutation:
            made["read"] = WEBHOOK_STATE.replace("{id}", str(hook))
        return made

    return make


def _delivery_field(document: str, *, mutation: bool) -> Maker:
    async def make(ctx: Ctx) -> Made:
        made = await _delivery(ctx)
        hook, delivery = made["path"]["id"], made["path"]["deliveryId"]
        out: Made = {"query": document, "variables": {"id": hook, "delivery": delivery}}
        if mutation:
            out["read"] = f"/v1/webhooks/{hook}/deliveries"
        return out

    return make


async def _buyers_of_plan(ctx: Ctx) -> Made:
    from tests.cross_tenant.portal import buyer_of

    plan = await _plan(ctx)
    await buyer_of(ctx, plan)
    return {
        "query": "query($id: Int!) { evaluationBuyers(evaluationId: $id) { total data { id email } } }",
        "variables": {"id": plan},
    }


async def _comments_of_plan(ctx: Ctx) -> Made:
    from tests.cross_tenant.portal import buyer_comment

    plan = await ctx.post("/v1/evaluations", {"title": unique("plan ")})
    await buyer_comment(ctx, plan)
    return {
        "query": "query($id: Int!) { evaluationComments(evaluationId: $id) { total data { id body } } }",
        "variables": {"id": plan["id"]},
    }


async def _invite_buyer(ctx: Ctx) -> Made:
    plan = await _plan(ctx)
    return {
        "query": "mutation($plan: Int!, $input: EvaluationBuyerInput!) "
        "{ inviteEvaluationBuyer(evaluationId: $plan, input: $input) { id } }",
        "variables": {"plan": plan, "input": {"email": f"{unique('b')}@buyer.example"}},
        "read": f"/v1/evaluations/{plan}/buyers",
    }


async def _remove_buyer(ctx: Ctx) -> Made:
    from tests.cross_tenant.portal import buyer_of

    plan = await _plan(ctx)
    buyer = await buyer_of(ctx, plan)
    return {
        "query": "mutation($plan: Int!, $id: Int!) { removeEvaluationBuyer(evaluationId: $plan, id: $id) }",
        "variables": {"plan": plan, "id": buyer["id"]},
        "read": f"/v1/evaluations/{plan}/buyers",
    }


async def _buyer_link(ctx: Ctx) -> Made:
    from tests.cross_tenant.portal import buyer_of

    plan = await _plan(ctx)
    buyer = await buyer_of(ctx, plan)
    return {
        "query": "mutation($plan: Int!, $id: Int!) "
        "{ evaluationBuyerSignInLink(evaluationId: $plan, id: $id) { email url } }",
        "variables": {"plan": plan, "id": buyer["id"]},
        "read": f"/v1/evaluations/{plan}/activity",  # an issued link is in the plan's activity
    }


async def _answer_comment(ctx: Ctx) -> Made:
    from tests.cross_tenant.portal import buyer_comment

    plan = await ctx.post("/v1/evaluations", {"title": unique("plan ")})
    parent = await buyer_comment(ctx, plan)
    return {
        "query": "mutation($plan: Int!, $input: CommentAnswerInput!) "
        "{ answerEvaluationComment(evaluationId: $plan, input: $input) { id } }",
        "variables": {"plan": plan["id"], "input": {"parentId": parent, "body": "Yes."}},
        "read": f"/v1/evaluations/{plan['id']}/comments",
    }


def _app_field(document: str, *, installed: bool) -> Maker:
    rest = _app(installed=installed)

    async def make(ctx: Ctx) -> Made:
        app = (await rest(ctx))["path"]["id"]
        return {"query": document, "variables": {"id": app}, "read": f"/v1/apps/{app}"}

    return make


FIELDS: dict[str, Maker] = {
    "Query.evaluationBuyers": _buyers_of_plan,
    "Query.evaluationComments": _comments_of_plan,
    "Mutation.inviteEvaluationBuyer": _invite_buyer,
    "Mutation.removeEvaluationBuyer": _remove_buyer,
    "Mutation.evaluationBuyerSignInLink": _buyer_link,
    "Mutation.answerEvaluationComment": _answer_comment,
    "Mutation.rotateEvaluationAccessCode": _plan_mutation(
        "mutation($id: Int!) { rotateEvaluationAccessCode(id: $id) { id accessCode } }"
    ),
    "Query.user": _user,
    "Query.deal": _deal_read,
    "Query.ticket": _ticket_read,
    "Query.evaluation": _plan_read,
    "Query.documents": _documents,
    "Query.contacts": _contacts_of_deal,
    "Query.tickets": _tickets_of_deal,
    "Query.salesTargets": _targets_of_user,
    "Mutation.revokeInvitation": _revoke_invitation,
    "Mutation.updateDeal": _deal_mutation(
        'mutation($id: ID!) { updateDeal(id: $id, input: {name: "Renamed"}) { id name } }'
    ),
    "Mutation.deleteDeal": _deal_mutation("mutation($id: ID!) { deleteDeal(id: $id) { id deleted } }"),
    "Mutation.addDealNote": _deal_mutation(
        'mutation($id: ID!) { addDealNote(id: $id, input: {title: "Note"}) { id } }',
        read="/v1/deals/{id}/notes",
    ),
    "Mutation.updateTicket": _ticket_mutation(
        "mutation($id: Int!) { updateTicket(id: $id, input: {state: CLOSED}) { id state } }"
    ),
    "Mutation.deleteTicket": _ticket_mutation("mutation($id: Int!) { deleteTicket(id: $id) }"),
    "Mutation.updateEvaluation": _plan_mutation(
        'mutation($id: Int!) { updateEvaluation(id: $id, input: {title: "Renamed"}) { id title } }'
    ),
    "Mutation.deleteEvaluation": _plan_mutation("mutation($id: Int!) { deleteEvaluation(id: $id) }"),
    **{f"Mutation.add{name}": _add_item(name, kind) for name, kind in ITEMS},
    **{f"Mutation.update{name}": _item_mutation(name, kind, "update") for name, kind in ITEMS},
    **{f"Mutation.delete{name}": _item_mutation(name, kind, "delete") for name, kind in ITEMS},
    "Query.webhook": _webhook_field("query($id: Int!) { webhook(id: $id) { id url } }", mutation=False),
    "Query.webhookDeliveries": _delivery_field(
        "query($id: Int!) { webhookDeliveries(id: $id) { total data { id } } }", mutation=False
    ),
    "Mutation.updateWebhook": _webhook_field(
        'mutation($id: Int!) { updateWebhook(id: $id, input: {description: "Renamed"}) { id } }'
    ),
    "Mutation.deleteWebhook": _webhook_field("mutation($id: Int!) { deleteWebhook(id: $id) { id } }"),
    "Mutation.rotateWebhookSecret": _webhook_field(
        "mutation($id: Int!) { rotateWebhookSecret(id: $id) { id } }"
    ),
    "Query.app": _app_field("query($id: Int!) { app(id: $id) { id name } }", installed=False),
    "Mutation.installApp": _app_field("mutation($id: Int!) { installApp(id: $id) { id } }", installed=False),
    "Mutation.rotateAppToken": _app_field(
        "mutation($id: Int!) { rotateAppToken(id: $id) { id } }", installed=True
    ),
    "Mutation.uninstallApp": _app_field(
        "mutation($id: Int!) { uninstallApp(id: $id) { id } }", installed=True
    ),
    "Mutation.redeliverWebhookDelivery": _delivery_field(
        "mutation($id: Int!, $delivery: Int!) { redeliverWebhookDelivery(id: $id, deliveryId: $delivery) { id } }",
        mutation=True,
    ),
}
