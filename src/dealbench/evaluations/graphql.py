"""Evaluations (plans) in the GraphQL dialect: ``evaluations``, ``evaluation`` with phases, criteria,
tasks, meetings and progress (``evaluations:read``); ``createEvaluation``, ``updateEvaluation``,
``deleteEvaluation`` and add/update/delete of each kind of plan item (``evaluations:write``).

A plan and its content answer the evaluations presenter's dicts, as REST does. Plan content loads
through DataLoaders over the services' batch reads: one statement per kind of item for every plan of
the request, and three for the progress of all of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

import strawberry

from dealbench.auth.principal import Principal
from dealbench.evaluations import content, plans, presenter
from dealbench.evaluations import schemas as s
from dealbench.evaluations.content import Kind
from dealbench.kit.graphql.context import ctx, memo_per_node
from dealbench.kit.graphql.fields import scoped_field, scoped_mutation
from dealbench.kit.graphql.generate import gql_enum, input_type, output_type
from dealbench.kit.graphql.types import (
    Limit,
    Offset,
    Page,
    PageNumber,
    WireRow,
    page,
    paging,
    to_model,
    wire,
)
from dealbench.models.sales import BuyerAccessLevel, CriterionOutcome, EvaluationMode

gql_enum(
    EvaluationMode,
    "How a plan is run.",
    {
        "PLAN": "A full plan: phases, success criteria, tasks and meetings, shared with the buyer.",
        "NO_PLAN": "The deal is tracked without a plan.",
        "DRAFT": "Being prepared; not shown to the buyer yet.",
    },
)
gql_enum(
    BuyerAccessLevel,
    "Who may open a plan's buyer portal.",
    {
        "RESTRICTED": "Only the invited buyer contacts.",
        "ANYONE_WITH_LINK": "Anyone with the link and its access code.",
    },
)
gql_enum(
    CriterionOutcome,
    "How the product did against a success criterion.",
    {
        "EXCEEDS": "Better than asked.",
        "MEETS": "As asked.",
        "PARTIALLY_MEETS": "Part of what was asked.",
        "DOES_NOT_MEET": "Not what was asked.",
    },
)

READ, WRITE = "evaluations:read", "evaluations:write"

#: What each field of a plan and of its content means, for their types and inputs.
DESCRIBE = {
    "mode": "How the plan is run.",
    "active": "Whether the plan is in use (inactive plans are kept for the record).",
    "access_code": "The code the buyer portal asks for.",
    "buyer_access_level": "Who may open the plan's buyer portal.",
    "branding_color_hex": "The portal's accent color, as `#rrggbb`.",
    "start_date": "When the evaluation starts.",
    "target_end_date": "When the evaluation should end.",
    "buyer_notifications_enabled": "Whether buyers are emailed about changes to the plan.",
    "current_stage_id": "The id of the plan's current stage in its sales process.",
    "current_process_position_rank": "The plan's rank among the plans at its current stage.",
    "all_processes_position_rank": "The plan's rank among all the organization's plans.",
    "derived_from_template_id": "The id of the plan template the plan was made from.",
    "sales_process_id": "The id of the sales process the plan follows.",
    "default_assignee_user_id": "The id of the user new tasks are assigned to.",
    "library_criterion_id": "The id of the library criterion this criterion is linked to.",
    "outcome": "How the product did against the criterion; null until it is set.",
    "outcome_note": "Why the outcome was set as it is.",
    "outcome_set_by_user_id": "The id of the user who set the outcome.",
    "outcome_set_at": "When the outcome was set.",
    "assignee_user_id": "The id of the user the task is assigned to.",
    "due_date": "When the task is due.",
    "completed": "Whether the task is done.",
    "completed_at": "When the task was done.",
    "starts_at": "When the meeting starts.",
    "ends_at": "When the meeting ends.",
    "attendee_emails": "The email addresses of the attendees.",
    "criteria_total": "How many success criteria the plan has.",
    "tasks_total": "How many tasks the plan has.",
    "tasks_done": "How many of them are done.",
}

PhaseType: Any = output_type(
    s.PhaseOut, "EvaluationPhase", description="A phase of a plan, grouping its content.", describe=DESCRIBE
)
CriterionType: Any = output_type(
    s.CriterionOut,
    "SuccessCriterion",
    description="What the buyer needs to see for the evaluation to succeed, with its outcome.",
    describe=DESCRIBE,
)
TaskType: Any = output_type(
    s.TaskOut,
    "EvaluationTask",
    description="A task of a plan, for the vendor or the buyer.",
    describe=DESCRIBE,
)
MeetingType: Any = output_type(
    s.MeetingOut, "EvaluationMeeting", description="A meeting of a plan.", describe=DESCRIBE
)
ProgressType: Any = output_type(
    s.Progress, "EvaluationProgress", description="How far a plan has come.", describe=DESCRIBE
)
_EvaluationFields: Any = output_type(
    s.EvaluationOut, "EvaluationFields", exclude=set(presenter.RELATED), describe=DESCRIBE
)


def _wired(kind: Kind, items: Sequence[Any]) -> list[Any]:
    return [wire(kind.shape.one(i)) for i in items]


def _items_batch(kind: Kind) -> Any:
    async def batch(session: Any, principal: Principal, ids: list[int]) -> Sequence[list[Any]]:
        found = await content.items_by_plans(session, principal, ids, kind)
        return [_wired(kind, found.get(i, [])) for i in ids]

    return batch


async def _summaries(session: Any, principal: Principal, evaluation_ids: list[int]) -> Sequence[Any]:
    found = await plans.summaries_by_ids(session, principal, evaluation_ids)
    return [found[i] for i in evaluation_ids]


KINDS_BY_FIELD = content.KINDS
#: The key under which a plan's wire dict carries its summary (with the kinds of content loaded
#: with its page, under ``_attr(kind)``).
SUMMARY = "_graphql_summary"


def _attr(kind: Kind) -> str:
    return f"_graphql_{kind.name}"


def _wanted_in(selections: Any) -> frozenset[str] | None:
    found: set[str] = set()
    for sub in selections:
        name = getattr(sub, "name", None)
        if name is None:
            return None  # a fragment: take everything
        if name in KINDS_BY_FIELD or name in {"progress", "dealId"}:
            found.add(name)
    return frozenset(found)


ALL = frozenset([*KINDS_BY_FIELD, "progress"])


def wanted(info: strawberry.Info, *, in_page: bool = False) -> frozenset[str]:
    """The plan relations the selection asks for (of ``{ data { ... } }`` when ``in_page``)."""

    def compute() -> frozenset[str]:
        for field in info.selected_fields:
            selections = field.selections
            if in_page:
                inner = [sub for sub in selections if getattr(sub, "name", None) == "data"]
                if any(getattr(sub, "name", None) is None for sub in selections):
                    return ALL
                selections = [x for sub in inner for x in sub.selections]  # type: ignore[attr-defined]
            found = _wanted_in(selections)
            return ALL if found is None else found
        return frozenset()

    return memo_per_node(info, "plan relations", compute)


def _evaluation(obj: Any, summary: presenter.Summary | None = None) -> dict[str, Any]:
    """A plan's wire dict, carrying its summary (when known) for ``dealId`` and ``progress``."""
    data = presenter.evaluation(obj)
    if summary is not None:
        data[SUMMARY] = summary
    return data


def _answer(found: presenter.Plans) -> Any:
    """The one plan a service answered, with its summary."""
    row = found.one
    return wire(_evaluation(row, found.summaries.get(row.id)))


async def prefetch(
    session: Any, principal: Principal, evaluations: Sequence[dict[str, Any]], relations: frozenset[str]
) -> None:
    """Load the asked content of a page of plans (wire dicts) with the page (one statement per
    kind, three for progress): their fields then resolve without a DataLoader round trip each."""
    unique = list({e["id"]: e for e in evaluations if e is not None}.values())
    ids = [e["id"] for e in unique]
    if not ids:
        return
    for field_name, kind in KINDS_BY_FIELD.items():
        if field_name in relations:
            found = await content.items_by_plans(session, principal, ids, kind)
            for e in unique:
                e[_attr(kind)] = _wired(kind, found.get(e["id"], []))
    if "progress" in relations or "dealId" in relations:
        summaries = await plans.summaries_by_ids(session, principal, ids)
        for e in unique:
            e[SUMMARY] = summaries[e["id"]]


async def _items(info: strawberry.Info, evaluation_id: int, kind: Kind) -> list[Any]:
    return list(await ctx(info).load(f"plan_{kind.name}", _items_batch(kind), evaluation_id))


def _content(obj: Any, info: strawberry.Info, kind: Kind) -> Any:
    """Prefetched items at once, else the DataLoader's awaitable (graphql-core awaits it)."""
    items = getattr(obj, _attr(kind), None)
    if items is not None:
        return items
    return _items(info, obj.id, kind)


async def _summary(info: strawberry.Info, obj: Any) -> presenter.Summary:
    return await ctx(info).load("evaluation_summaries", _summaries, obj.id)  # type: ignore[no-any-return]


async def _then_async(awaitable: Any, fn: Any) -> Any:
    return fn(await awaitable)


def _then(awaitable: Any, fn: Any) -> Any:
    """An awaitable of ``fn(result)``, returned by a sync resolver (graphql-core awaits it)."""
    return _then_async(awaitable, fn)


@strawberry.type(name="Evaluation", description="A plan: phases, success criteria, tasks, meetings.")
class EvaluationType(_EvaluationFields):  # type: ignore[misc,valid-type]
    @strawberry.field(description="Phases, in plan order.")
    def phases(self, info: strawberry.Info) -> list[PhaseType]:  # type: ignore[valid-type]
        return _content(self, info, content.PHASES)  # type: ignore[no-any-return]

    @strawberry.field(description="Success criteria, in plan order, with their outcomes.")
    def criteria(self, info: strawberry.Info) -> list[CriterionType]:  # type: ignore[valid-type]
        return _content(self, info, content.CRITERIA)  # type: ignore[no-any-return]

    @strawberry.field(description="Tasks, in plan order.")
    def tasks(self, info: strawberry.Info) -> list[TaskType]:  # type: ignore[valid-type]
        return _content(self, info, content.TASKS)  # type: ignore[no-any-return]

    @strawberry.field(description="Meetings, in plan order.")
    def meetings(self, info: strawberry.Info) -> list[MeetingType]:  # type: ignore[valid-type]
        return _content(self, info, content.MEETINGS)  # type: ignore[no-any-return]

    @strawberry.field(description="Criteria by outcome and tasks done.")
    def progress(self, info: strawberry.Info) -> ProgressType:  # type: ignore[valid-type]
        summary = getattr(self, SUMMARY, None)
        if summary is not None:
            return WireRow(presenter.progress(summary))
        return _then(_summary(info, self), lambda d: WireRow(presenter.progress(d)))  # type: ignore[no-any-return]

    @strawberry.field(description="The deal this plan belongs to.")
    def deal_id(self, info: strawberry.Info) -> int | None:
        summary = getattr(self, SUMMARY, None)
        if summary is not None:
            return summary.deal_id  # type: ignore[no-any-return]
        return _then(_summary(info, self), lambda d: d.deal_id)  # type: ignore[no-any-return]


def _by_ids(relations: frozenset[str]) -> Any:
    async def batch(session: Any, principal: Principal, ids: list[int]) -> Sequence[Any]:
        found = {
            e.id: _evaluation(e)
            for e in await plans.evaluations_by_ids(session, principal, ids)
            if e is not None
        }
        if relations:
            await prefetch(session, principal, list(found.values()), relations)
        return [wire(found[i]) if i in found else None for i in ids]

    return batch


async def evaluation_of(info: strawberry.Info, evaluation_id: int | None) -> Any:
    """The plan ``evaluation_id`` through a DataLoader (for ``Deal.evaluation``), with the content the
    selection asks for loaded for all the plans of the batch."""
    if evaluation_id is None:
        return None
    relations = wanted(info)
    name = "evaluations_by_id:" + ",".join(sorted(relations))
    return await ctx(info).load(name, _by_ids(relations), evaluation_id)


@strawberry.type(description="The plan of a deal (a relation the evaluations domain adds to `Deal`).")
class DealPlan:
    @scoped_field(scope="evaluations:read", description="The deal's plan (evaluation).")
    async def evaluation(self, info: strawberry.Info) -> EvaluationType | None:
        return await evaluation_of(info, self.evaluation_id)  # type: ignore[attr-defined,no-any-return]


EvaluationCreateInput: Any = input_type(
    s.EvaluationCreate,
    "EvaluationCreateInput",
    description="A new plan: `title` is required.",
    describe=DESCRIBE,
)
EvaluationUpdateInput: Any = input_type(
    s.EvaluationUpdate,
    "EvaluationUpdateInput",
    description="Changes to a plan: omitted fields stay, `null` clears.",
    describe=DESCRIBE,
)


@strawberry.type
class Query:
    @scoped_field(
        scope="evaluations:read",
        description="Plans, by id.",
        args={"active": "Only active (true) or inactive (false) plans."},
    )
    async def evaluations(
        self,
        info: strawberry.Info,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
        active: bool | None = None,
    ) -> Page[EvaluationType] | None:
        context = ctx(info)
        found, total = await context.call(
            plans.list_evaluations, paging(limit, offset, page_number), active, summarize=False
        )
        items = [_evaluation(e) for e in found.rows]
        relations = wanted(info, in_page=True)
        if relations and items:
            await context.call(prefetch, items, relations)
        return page(items, total)

    @scoped_field(scope="evaluations:read", description="One plan.", args={"id": "The plan's id."})
    async def evaluation(self, info: strawberry.Info, id: int) -> EvaluationType | None:
        return wire(_evaluation(await ctx(info).call(plans.get_evaluation, id)))


def _item_args(what: str) -> dict[str, str]:
    return {"evaluation_id": "The id of the plan.", "id": f"The {what}'s id."}


def _add(kind: Kind, model: Any, input_cls: Any, out: Any, what: str) -> Any:
    async def resolver(info: strawberry.Info, evaluation_id: int, input: Any) -> Any:
        context = ctx(info)
        data = to_model(model, input)
        return wire(kind.shape.one(await context.mutate(content.add_item, evaluation_id, kind, data)))

    resolver.__annotations__ = {
        "info": strawberry.Info,
        "evaluation_id": int,
        "input": input_cls,
        "return": Optional[out],  # noqa: UP045
    }
    return scoped_mutation(
        scope=WRITE, resolver=resolver, description=f"Add a {what} to a plan.", args=_item_args(what)
    )


def _update(kind: Kind, model: Any, input_cls: Any, out: Any, what: str) -> Any:
    async def resolver(info: strawberry.Info, evaluation_id: int, id: int, input: Any) -> Any:
        context = ctx(info)
        data = to_model(model, input)
        return wire(kind.shape.one(await context.mutate(content.update_item, evaluation_id, kind, id, data)))

    resolver.__annotations__ = {
        "info": strawberry.Info,
        "evaluation_id": int,
        "id": int,
        "input": input_cls,
        "return": Optional[out],  # noqa: UP045
    }
    return scoped_mutation(
        scope=WRITE,
        resolver=resolver,
        description=f"Update a {what}: omitted fields stay, `null` clears.",
        args=_item_args(what),
    )


def _delete(kind: Kind, what: str) -> Any:
    async def resolver(info: strawberry.Info, evaluation_id: int, id: int) -> Optional[int]:  # noqa: UP045
        return await ctx(info).mutate(content.delete_item, evaluation_id, kind, id)  # type: ignore[no-any-return]

    resolver.__annotations__ = {
        "info": strawberry.Info,
        "evaluation_id": int,
        "id": int,
        "return": int | None,
    }
    return scoped_mutation(
        scope=WRITE, resolver=resolver, description=f"Delete a {what}; answers its id.", args=_item_args(what)
    )


_KINDS: list[tuple[str, Kind, Any, Any, Any, str]] = [
    ("phase", content.PHASES, s.PhaseCreate, s.PhaseUpdate, PhaseType, "phase"),
    ("criterion", content.CRITERIA, s.CriterionCreate, s.CriterionUpdate, CriterionType, "success criterion"),
    ("task", content.TASKS, s.TaskCreate, s.TaskUpdate, TaskType, "task"),
    ("meeting", content.MEETINGS, s.MeetingCreate, s.MeetingUpdate, MeetingType, "meeting"),
]


def _mutation_type() -> type:
    namespace: dict[str, Any] = {}

    async def create_evaluation(info: strawberry.Info, input: Any) -> Any:
        context = ctx(info)
        data = to_model(s.EvaluationCreate, input)
        return _answer(await context.mutate(plans.create_evaluation, data))

    create_evaluation.__annotations__ = {
        "info": strawberry.Info,
        "input": EvaluationCreateInput,
        "return": Optional[EvaluationType],  # noqa: UP045
    }

    async def update_evaluation(info: strawberry.Info, id: int, input: Any) -> Any:
        context = ctx(info)
        data = to_model(s.EvaluationUpdate, input)
        return _answer(await context.mutate(plans.update_evaluation, id, data))

    update_evaluation.__annotations__ = {
        "info": strawberry.Info,
        "id": int,
        "input": EvaluationUpdateInput,
        "return": Optional[EvaluationType],  # noqa: UP045
    }

    async def delete_evaluation(info: strawberry.Info, id: int) -> Any:
        return await ctx(info).mutate(plans.delete_evaluation, id)

    delete_evaluation.__annotations__ = {"info": strawberry.Info, "id": int, "return": Optional[int]}  # noqa: UP045

    namespace["create_evaluation"] = scoped_mutation(
        scope=WRITE,
        resolver=create_evaluation,
        description="Create a plan (optionally from a template, linked to a deal).",
    )
    namespace["update_evaluation"] = scoped_mutation(
        scope=WRITE,
        resolver=update_evaluation,
        description="Update a plan: omitted fields stay, `null` clears.",
        args={"id": "The plan's id."},
    )
    namespace["delete_evaluation"] = scoped_mutation(
        scope=WRITE,
        resolver=delete_evaluation,
        description="Delete a plan and its content; answers its id.",
        args={"id": "The plan's id."},
    )
    for name, kind, create, update, out, what in _KINDS:
        camel = name[:1].upper() + name[1:]
        create_input = input_type(
            create, f"{camel}CreateInput", description=f"A new {what}.", describe=DESCRIBE
        )
        update_input = input_type(
            update,
            f"{camel}UpdateInput",
            description=f"Changes to a {what}: omitted fields stay, `null` clears.",
            describe=DESCRIBE,
        )
        namespace[f"add_{name}"] = _add(kind, create, create_input, out, what)
        namespace[f"update_{name}"] = _update(kind, update, update_input, out, what)
        namespace[f"delete_{name}"] = _delete(kind, what)
    return strawberry.type(type("Mutation", (), namespace))


Mutation = _mutation_type()
