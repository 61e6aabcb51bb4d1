"""Comments on a plan's success criteria and tasks: buyers write them in the portal
(:mod:`dealbench.evaluations.portal`), sellers read them and answer here (REST, GraphQL, the deal
page). An answer to a buyer's comment notifies that buyer when the plan's
``buyerNotificationsEnabled`` is on (batched mail, :mod:`dealbench.evaluations.mailing`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.evaluations import presenter
from dealbench.evaluations import schemas as s
from dealbench.evaluations.activity import record
from dealbench.evaluations.mailing import queue_notification
from dealbench.evaluations.repository import CommentRepository, EvaluationRepository
from dealbench.events import outbox
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import EvaluationComment


def notification_delay(session: AsyncSession) -> float:
    return float(session.info.get("buyer_notification_delay", 300))


async def list_comments(
    session: AsyncSession, principal: Principal, evaluation_id: int, params: ListParams
) -> tuple[list[EvaluationComment], int]:
    """A page of the plan's comments, oldest first."""
    evaluation = await EvaluationRepository(session, principal).one(evaluation_id)
    return await CommentRepository(session, principal).page_of_plan(evaluation.id, params)


async def answer_comment(
    session: AsyncSession, principal: Principal, evaluation_id: int, data: s.CommentAnswer
) -> EvaluationComment:
    """A seller's answer to a comment of the plan, on the same criterion or task."""
    evaluation = await EvaluationRepository(session, principal).one(evaluation_id, lock=Lock.UPDATE)
    repo = CommentRepository(session, principal)
    parent = await repo.in_plan(evaluation.id, data.parent_id)
    if parent is None:
        raise ValidationFailed.at(["parentId"], f"Comment {data.parent_id} not found.")
    user = principal.user
    answer = EvaluationComment(
        evaluation_id=evaluation.id,
        criterion_id=parent.criterion_id,
        task_id=parent.task_id,
        parent_id=parent.id,
        user_id=principal.acting_user_id,
        author_name=user.full_name if user is not None else None,
        body=data.body,
    )
    repo.add(answer)
    await session.flush()
    record(session, principal, evaluation.id, "comment.answered", {"id": answer.id, "parentId": parent.id})
    if evaluation.buyer_notifications_enabled and parent.author_email:
        queue_notification(
            session,
            principal,
            evaluation.id,
            parent.author_email,
            f"Your comment on “{evaluation.title}” was answered: {data.body[:500]}",
            notification_delay(session),
        )
    await session.flush()
    await outbox.record(session, principal, "evaluation.comment.answered", presenter.COMMENT.one(answer))
    return answer
