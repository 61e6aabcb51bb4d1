"""Sharing a plan with its buyers, in the GraphQL dialect: ``evaluationBuyers`` and
``evaluationComments`` (``evaluations:read``); ``inviteEvaluationBuyer``, ``removeEvaluationBuyer``,
``rotateEvaluationAccessCode``, ``evaluationBuyerSignInLink`` and ``answerEvaluationComment`` (``evaluations:write``). The same
services and presenters as ``/v1/evaluations/{id}/buyers``, ``/comments`` and
``/rotate-access-code``."""

from __future__ import annotations

from typing import Any, Optional

import strawberry

from dealbench.evaluations import buyers, comments, presenter
from dealbench.evaluations import schemas as s
from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field, scoped_mutation
from dealbench.kit.graphql.generate import gql_enum, input_type, output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging, to_model, wire
from dealbench.kit.links import public_base_url
from dealbench.models.portal import TaskSide

gql_enum(
    TaskSide,
    "Whose task it is.",
    {"BUYER": "The buyer's: the buyer checks it off in the portal.", "SELLER": "The seller's."},
)

READ, WRITE = "evaluations:read", "evaluations:write"
DESCRIBE = {
    "evaluation_id": "The id of the plan.",
    "email": "The buyer's email address (lower case).",
    "name": "The buyer's name.",
    "created_by_user_id": "The id of the user who invited the buyer.",
    "criterion_id": "The id of the success criterion the comment is on.",
    "task_id": "The id of the task the comment is on.",
    "body": "The text of the comment.",
    "access_code": "The plan's new access code.",
    "url": "The portal's new link.",
}

BuyerType: Any = output_type(
    s.BuyerOut, "EvaluationBuyer", description="A buyer invited to a plan's portal.", describe=DESCRIBE
)
CommentType: Any = output_type(
    s.CommentOut,
    "EvaluationComment",
    description="A buyer's comment on a criterion or task of a plan, or a seller's answer.",
    describe=DESCRIBE,
)
AccessCodeType: Any = output_type(
    s.AccessCodeOut, "EvaluationAccessCode", description="A plan's new portal link.", describe=DESCRIBE
)
SignInLinkType: Any = output_type(
    s.SignInLinkOut,
    "EvaluationBuyerSignInLink",
    description="A buyer's one-time sign-in link.",
    describe=DESCRIBE,
)
BuyerInput: Any = input_type(
    s.BuyerCreate,
    "EvaluationBuyerInput",
    description="A buyer to invite: `email` is required.",
    describe=DESCRIBE,
)
AnswerInput: Any = input_type(
    s.CommentAnswer,
    "CommentAnswerInput",
    description="An answer to a comment: the comment answered and the text.",
    describe=DESCRIBE,
)
_PLAN = {"evaluation_id": "The id of the plan."}


@strawberry.type
class Query:
    @scoped_field(scope=READ, description="The buyers invited to a plan's portal.", args=_PLAN)
    async def evaluation_buyers(
        self,
        info: strawberry.Info,
        evaluation_id: int,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
    ) -> Page[BuyerType] | None:
        params = paging(limit, offset, page_number)
        found = await ctx(info).call(buyers.list_buyers, evaluation_id)
        window = found[params.offset : params.offset + params.limit]
        return page(presenter.items(presenter.BUYER, window), len(found))

    @scoped_field(
        scope=READ, description="Buyers' comments on a plan and the answers, oldest first.", args=_PLAN
    )
    async def evaluation_comments(
        self,
        info: strawberry.Info,
        evaluation_id: int,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
    ) -> Page[CommentType] | None:
        found, total = await ctx(info).call(
            comments.list_comments, evaluation_id, paging(limit, offset, page_number)
        )
        return page(presenter.items(presenter.COMMENT, found), total)


@strawberry.type
class Mutation:
    @scoped_mutation(scope=WRITE, description="Invite a buyer to a plan's portal.", args=_PLAN)
    async def invite_evaluation_buyer(
        self, info: strawberry.Info, evaluation_id: int, input: BuyerInput
    ) -> Optional[BuyerType]:  # noqa: UP045
        data = to_model(s.BuyerCreate, input)
        return wire(presenter.BUYER.one(await ctx(info).mutate(buyers.invite_buyer, evaluation_id, data)))

    @scoped_mutation(
        scope=WRITE,
        description="Remove a buyer from a plan: their portal sessions end; answers the buyer's id.",
        args={**_PLAN, "id": "The buyer's id."},
    )
    async def remove_evaluation_buyer(
        self, info: strawberry.Info, evaluation_id: int, id: int
    ) -> Optional[int]:  # noqa: UP045
        return await ctx(info).mutate(buyers.remove_buyer, evaluation_id, id)  # type: ignore[no-any-return]

    @scoped_mutation(
        scope=WRITE,
        description="A new access code for a plan: the old portal link and every buyer session end.",
        args={"id": "The plan's id."},
    )
    async def rotate_evaluation_access_code(self, info: strawberry.Info, id: int) -> Optional[AccessCodeType]:  # noqa: UP045
        context = ctx(info)
        evaluation = await context.mutate(buyers.rotate_access_code, id)
        return wire(
            presenter.access_code(evaluation, public_base_url(context.request, context.services.settings))
        )

    @scoped_mutation(
        scope=WRITE,
        description="A buyer's one-time sign-in link (15 minutes), to pass on when the server sends no mail.",
        args={**_PLAN, "id": "The buyer's id."},
    )
    async def evaluation_buyer_sign_in_link(
        self, info: strawberry.Info, evaluation_id: int, id: int
    ) -> Optional[SignInLinkType]:  # noqa: UP045
        context = ctx(info)
        issued = await context.mutate(buyers.sign_in_link, context.services.secret_key, evaluation_id, id)
        return wire(
            presenter.sign_in_link(issued, public_base_url(context.request, context.services.settings))
        )

    @scoped_mutation(scope=WRITE, description="Answer a comment on a plan.", args=_PLAN)
    async def answer_evaluation_comment(
        self, info: strawberry.Info, evaluation_id: int, input: AnswerInput
    ) -> Optional[CommentType]:  # noqa: UP045
        data = to_model(s.CommentAnswer, input)
        return wire(
            presenter.COMMENT.one(await ctx(info).mutate(comments.answer_comment, evaluation_id, data))
        )
