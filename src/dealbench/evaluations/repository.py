"""The statements of the evaluations domain: plans, their content (phases, success criteria, tasks,
meetings), the activity log, plan templates and the criteria library.

Every statement starts from the caller's organization (:class:`dealbench.kit.repository.Repository`).
The content of a plan is read by plan (``evaluation_id``) as well, in plan order (position, then id).
A plan's deal link is a column of ``deals``: the statements that read and move it live here, scoped
like the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, delete, func, or_, select, update

from dealbench.evaluations.presenter import OUTCOMES, Summary
from dealbench.kit.locks import Lock, locked
from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import Repository, is_id
from dealbench.models import (
    BuyerMail,
    BuyerSession,
    BuyerSignInLink,
    Contact,
    Deal,
    Evaluation,
    EvaluationActivity,
    EvaluationBuyer,
    EvaluationComment,
    EvaluationMeeting,
    EvaluationPhase,
    EvaluationTask,
    LibraryCriterion,
    Organization,
    PlanTemplate,
    SalesProcess,
    SalesProcessStage,
    SuccessCriterion,
    User,
)


async def _page(
    repo: Repository[Any], stmt: Select[Any], order: Any, params: ListParams
) -> tuple[list[Any], int]:
    """A page of ``stmt`` (ORM rows, in ``order``) and the total: a count, then the page."""
    total = (await repo.session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await repo.session.execute(stmt.order_by(order).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), int(total)


# --------------------------------------------------------------------------- plans


def _in_org(model: Any) -> Any:
    return model.organization_id == bindparam("org")


#: The three statements of plans' summaries (deal link, criteria by outcome, tasks by completion),
#: built once: ``:org`` and the expanding ``:ids``.
_SUMMARY_STATEMENTS = (
    select(Deal.id, Deal.evaluation_id).where(
        _in_org(Deal), Deal.evaluation_id.in_(bindparam("ids", expanding=True))
    ),
    select(SuccessCriterion.evaluation_id, SuccessCriterion.outcome, func.count())
    .where(_in_org(SuccessCriterion), SuccessCriterion.evaluation_id.in_(bindparam("ids", expanding=True)))
    .group_by(SuccessCriterion.evaluation_id, SuccessCriterion.outcome),
    select(EvaluationTask.evaluation_id, EvaluationTask.completed, func.count())
    .where(_in_org(EvaluationTask), EvaluationTask.evaluation_id.in_(bindparam("ids", expanding=True)))
    .group_by(EvaluationTask.evaluation_id, EvaluationTask.completed),
)


class EvaluationRepository(Repository[Evaluation]):
    """Plans. Every write of a plan or of its content locks the plan first (``Lock.UPDATE``):
    positions, reorders and the activity log stay serial per plan."""

    model = Evaluation
    what = "Evaluation"

    async def page(self, params: ListParams, active: bool | None) -> tuple[list[Evaluation], int]:
        stmt = self.select()
        if active is not None:
            stmt = stmt.where(Evaluation.active.is_(active))
        return await _page(self, stmt, Evaluation.id, params)

    async def by_ids(self, ids: Sequence[int]) -> dict[int, Evaluation]:
        """The plans of these ids (one statement), by id."""
        wanted = list({i for i in ids if is_id(i)})
        if not wanted:
            return {}
        rows = await self.session.execute(self.select().where(Evaluation.id.in_(wanted)))
        return {e.id: e for e in rows.scalars()}

    async def summaries(self, ids: Sequence[int]) -> dict[int, Summary]:
        """The deal and the progress of each plan: three statements for a whole page."""
        deals: dict[int, int] = {}
        criteria: dict[int, dict[str, int]] = {i: dict.fromkeys([*OUTCOMES, "UNSET"], 0) for i in ids}
        tasks: dict[int, list[int]] = {i: [0, 0] for i in ids}
        if ids:
            params = {"org": self.organization_id, "ids": list(ids)}
            deal_links, outcomes, completions = _SUMMARY_STATEMENTS
            for deal_id, eval_id in (await self.session.execute(deal_links, params)).all():
                if eval_id is not None:
                    deals[eval_id] = deal_id
            for eval_id, outcome, n in (await self.session.execute(outcomes, params)).all():
                criteria[eval_id][outcome or "UNSET"] += n
            for eval_id, done, n in (await self.session.execute(completions, params)).all():
                tasks[eval_id][0] += n
                if done:
                    tasks[eval_id][1] += n
        return {
            i: Summary(
                deal_id=deals.get(i),
                criteria_by_outcome=criteria[i],
                tasks_total=tasks[i][0],
                tasks_done=tasks[i][1],
            )
            for i in ids
        }

    # ------------------------------------------------------------------ the deal link

    async def deal_id_of(self, evaluation_id: int) -> int | None:
        """The id of the plan's deal, if any."""
        stmt = select(Deal.id).where(self.owned(Deal), Deal.evaluation_id == evaluation_id).limit(1)
        return await self.session.scalar(stmt)  # type: ignore[no-any-return]

    async def lock_deals(self, evaluation_id: int, also: int | None) -> Sequence[Deal]:
        """Lock the deals linked to the plan and the deal ``also``, in one statement, in id order."""
        linked: ColumnElement[bool] = Deal.evaluation_id == evaluation_id
        condition = or_(linked, Deal.id == also) if also is not None else linked
        stmt = select(Deal).where(self.owned(Deal), condition).order_by(Deal.id)
        return (await self.session.execute(locked(stmt, Lock.UPDATE))).scalars().all()

    async def unlink_deals(self, evaluation_id: int) -> None:
        """The deals of a plan being deleted lose their link."""
        await self.session.execute(
            update(Deal)
            .where(self.owned(Deal), Deal.evaluation_id == evaluation_id)
            .values(evaluation_id=None)
        )

    # ------------------------------------------------------------------ what a plan names

    async def active_user_exists(self, user_id: int) -> bool:
        if not is_id(user_id):
            return False
        stmt = select(User.id).where(self.owned(User), User.id == user_id, User.deleted_at.is_(None))
        return await self.session.scalar(stmt) is not None

    async def sales_process(self, process_id: int) -> SalesProcess | None:
        if not is_id(process_id):
            return None
        stmt = select(SalesProcess).where(self.owned(SalesProcess), SalesProcess.id == process_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def stage(self, stage_id: int) -> SalesProcessStage | None:
        if not is_id(stage_id):
            return None
        stmt = select(SalesProcessStage).where(
            self.owned(SalesProcessStage), SalesProcessStage.id == stage_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def stage_ids_in_order(self) -> list[int]:
        """Every live stage of the organization, process by process, in stage order."""
        stmt = (
            select(SalesProcessStage.id)
            .where(self.owned(SalesProcessStage), SalesProcessStage.deleted_at.is_(None))
            .order_by(SalesProcessStage.sales_process_id, SalesProcessStage.position, SalesProcessStage.id)
        )
        return list((await self.session.execute(stmt)).scalars())


class ActivityRepository(Repository[EvaluationActivity]):
    model = EvaluationActivity
    what = "Activity"

    async def page_of_plan(
        self, evaluation_id: int, params: ListParams
    ) -> tuple[list[EvaluationActivity], int]:
        """A page of the plan's log, oldest first."""
        cond = (self.owned(), EvaluationActivity.evaluation_id == evaluation_id)
        total = await self.session.scalar(select(func.count(EvaluationActivity.id)).where(*cond))
        rows = await self.session.execute(
            select(EvaluationActivity)
            .where(*cond)
            .order_by(EvaluationActivity.id)
            .limit(params.limit)
            .offset(params.offset)
        )
        return list(rows.scalars()), int(total or 0)

    async def latest_of_plans(
        self, evaluation_ids: Sequence[int], limit: int, *, prefix: str | None = None
    ) -> list[EvaluationActivity]:
        """The latest entries of the logs of these plans (whose action starts with ``prefix``), newest first."""
        if not evaluation_ids:
            return []
        stmt = (
            self.select()
            .where(EvaluationActivity.evaluation_id.in_(list(evaluation_ids)))
            .order_by(EvaluationActivity.id.desc())
            .limit(limit)
        )
        if prefix is not None:
            stmt = stmt.where(EvaluationActivity.action.startswith(prefix, autoescape=True))
        return list((await self.session.execute(stmt)).scalars())


# --------------------------------------------------------------------------- plan content


class ItemRepository(Repository[Any]):
    """The items of one kind of plan content, read by plan in plan order."""

    def _in_plan(self, evaluation_id: int) -> Any:
        return self.select().where(self.model.evaluation_id == evaluation_id)

    async def of_plan(self, evaluation_id: int) -> list[Any]:
        stmt = self._in_plan(evaluation_id).order_by(self.model.position, self.model.id)
        return list((await self.session.execute(stmt)).scalars())

    async def of_plans(self, evaluation_ids: Sequence[int]) -> dict[int, list[Any]]:
        """``{evaluation_id: [items in plan order]}`` in one statement."""
        out: dict[int, list[Any]] = {i: [] for i in evaluation_ids}
        if evaluation_ids:
            m = self.model
            stmt = (
                self.select()
                .where(m.evaluation_id.in_(list(evaluation_ids)))
                .order_by(m.evaluation_id, m.position, m.id)
            )
            for item in (await self.session.execute(stmt)).scalars():
                out[item.evaluation_id].append(item)
        return out

    async def in_plan(self, evaluation_id: int, item_id: int) -> Any:
        """The item ``item_id`` of the plan, or ``None``."""
        if not is_id(item_id):
            return None
        stmt = self._in_plan(evaluation_id).where(self.model.id == item_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def count_in_plan(self, evaluation_id: int) -> int:
        stmt = (
            select(func.count())
            .select_from(self.model)
            .where(self.owned(), self.model.evaluation_id == evaluation_id)
        )
        return int(await self.session.scalar(stmt) or 0)


class PhaseRepository(ItemRepository):
    model = EvaluationPhase
    what = "Phase"

    async def exists_in_plan(self, evaluation_id: int, phase_id: int) -> bool:
        if not is_id(phase_id):
            return False
        stmt = (
            self._in_plan(evaluation_id)
            .with_only_columns(EvaluationPhase.id)
            .where(EvaluationPhase.id == phase_id)
        )
        return await self.session.scalar(stmt) is not None


class CriterionRepository(ItemRepository):
    model = SuccessCriterion
    what = "Success criterion"


class TaskRepository(ItemRepository):
    model = EvaluationTask
    what = "Task"

    async def open_of_assignee(self, user_id: int, limit: int) -> list[EvaluationTask]:
        """The open tasks assigned to ``user_id``, the nearest due date first (undated last)."""
        stmt = (
            self.select()
            .where(EvaluationTask.assignee_user_id == user_id, EvaluationTask.completed.is_(False))
            .order_by(EvaluationTask.due_date.asc().nulls_last(), EvaluationTask.id)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())


class MeetingRepository(ItemRepository):
    model = EvaluationMeeting
    what = "Meeting"


# --------------------------------------------------------------------------- templates and library


class TemplateRepository(Repository[PlanTemplate]):
    model = PlanTemplate
    what = "Plan template"

    async def page(self, params: ListParams) -> tuple[list[PlanTemplate], int]:
        return await _page(self, self.select(), PlanTemplate.id, params)


class LibraryRepository(Repository[LibraryCriterion]):
    model = LibraryCriterion
    what = "Library criterion"

    async def page(self, params: ListParams, category: str | None) -> tuple[list[LibraryCriterion], int]:
        stmt = self.select()
        if category is not None:
            stmt = stmt.where(LibraryCriterion.category == category)
        return await _page(self, stmt, LibraryCriterion.id, params)

    async def unlink_copies(self, criterion_id: int) -> None:
        """The plans' copies of a library criterion being deleted lose their link to it."""
        await self.session.execute(
            update(SuccessCriterion)
            .where(self.owned(SuccessCriterion), SuccessCriterion.library_criterion_id == criterion_id)
            .values(library_criterion_id=None)
        )

    async def outcomes(self, criterion_id: int) -> dict[str, int]:
        """How the plans' copies of the criterion were assessed, by outcome."""
        outcomes = dict.fromkeys([*OUTCOMES, "UNSET"], 0)
        stmt = (
            select(SuccessCriterion.outcome, func.count())
            .where(self._copies(criterion_id))
            .group_by(SuccessCriterion.outcome)
        )
        for outcome, n in (await self.session.execute(stmt)).all():
            outcomes[outcome or "UNSET"] += n
        return outcomes

    def _copies(self, criterion_id: int) -> ColumnElement[bool]:
        return (SuccessCriterion.library_criterion_id == criterion_id) & self.owned(SuccessCriterion)

    def _plans(self, criterion_id: int) -> Any:
        return select(SuccessCriterion.evaluation_id).where(self._copies(criterion_id)).distinct()

    async def plan_count(self, criterion_id: int) -> int:
        """How many plans hold a copy of the criterion."""
        stmt = select(func.count()).select_from(self._plans(criterion_id).subquery())
        return int(await self.session.scalar(stmt) or 0)

    async def deal_results(self, criterion_id: int) -> tuple[int, int, int]:
        """``(won, lost, open)``: the (non-deleted) deals of the plans that hold a copy."""
        won = lost = open_ = 0
        stmt = (
            select(Deal.closed, Deal.won, func.count())
            .where(
                self.owned(Deal),
                Deal.deleted.is_(False),
                Deal.evaluation_id.in_(self._plans(criterion_id)),
            )
            .group_by(Deal.closed, Deal.won)
        )
        for closed, is_won, n in (await self.session.execute(stmt)).all():
            if not closed:
                open_ += n
            elif is_won:
                won += n
            else:
                lost += n
        return won, lost, open_


# --------------------------------------------------------------------------- the buyer portal


class BuyerRepository(Repository[EvaluationBuyer]):
    """The buyers invited to plans."""

    model = EvaluationBuyer
    what = "Buyer"

    async def of_plan(self, evaluation_id: int) -> list[EvaluationBuyer]:
        stmt = (
            self.select().where(EvaluationBuyer.evaluation_id == evaluation_id).order_by(EvaluationBuyer.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def in_plan(self, evaluation_id: int, buyer_id: int) -> EvaluationBuyer | None:
        if not is_id(buyer_id):
            return None
        stmt = self.select().where(
            EvaluationBuyer.evaluation_id == evaluation_id, EvaluationBuyer.id == buyer_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_email(self, evaluation_id: int, email: str) -> EvaluationBuyer | None:
        stmt = self.select().where(
            EvaluationBuyer.evaluation_id == evaluation_id, EvaluationBuyer.email == email
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def contact_of_deal(self, evaluation_id: int, email: str) -> Contact | None:
        """A contact of the plan's deal with this email (contacts keep their email in lower case)."""
        stmt = (
            select(Contact)
            .join(Deal, Deal.id == Contact.deal_id)
            .where(
                self.owned(Contact),
                self.owned(Deal),
                Deal.evaluation_id == evaluation_id,
                func.lower(Contact.email) == email,
            )
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def unassign(self, buyer_id: int) -> None:
        """The tasks of a buyer being removed lose their buyer assignee."""
        await self.session.execute(
            update(EvaluationTask)
            .where(self.owned(EvaluationTask), EvaluationTask.assignee_buyer_id == buyer_id)
            .values(assignee_buyer_id=None)
        )


class CommentRepository(Repository[EvaluationComment]):
    model = EvaluationComment
    what = "Comment"

    async def page_of_plan(
        self, evaluation_id: int, params: ListParams
    ) -> tuple[list[EvaluationComment], int]:
        stmt = self.select().where(EvaluationComment.evaluation_id == evaluation_id)
        return await _page(self, stmt, EvaluationComment.id, params)

    async def of_plan(self, evaluation_id: int, limit: int = 500) -> list[EvaluationComment]:
        stmt = (
            self.select()
            .where(EvaluationComment.evaluation_id == evaluation_id)
            .order_by(EvaluationComment.id)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def in_plan(self, evaluation_id: int, comment_id: int) -> EvaluationComment | None:
        if not is_id(comment_id):
            return None
        stmt = self.select().where(
            EvaluationComment.evaluation_id == evaluation_id, EvaluationComment.id == comment_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()


class BuyerAccessRepository(Repository[BuyerSession]):
    """Buyer sessions and sign-in links of a plan, and the mail queued for buyers."""

    model = BuyerSession
    what = "Buyer session"

    def add_link(self, link: BuyerSignInLink) -> None:
        link.organization_id = self.organization_id
        self.session.add(link)

    def add_mail(self, mail: BuyerMail) -> None:
        mail.organization_id = self.organization_id
        self.session.add(mail)

    async def end_plan_access(self, evaluation_id: int) -> None:
        """Every session and unused sign-in link of the plan ends (its access code changed)."""
        await self.session.execute(
            delete(BuyerSession).where(self.owned(), BuyerSession.evaluation_id == evaluation_id)
        )
        await self.session.execute(
            delete(BuyerSignInLink).where(
                self.owned(BuyerSignInLink), BuyerSignInLink.evaluation_id == evaluation_id
            )
        )

    async def end_buyer_access(self, evaluation_id: int, email: str) -> None:
        """A removed buyer's sessions and links of this plan end."""
        await self.session.execute(
            delete(BuyerSession).where(
                self.owned(), BuyerSession.evaluation_id == evaluation_id, BuyerSession.email == email
            )
        )
        await self.session.execute(
            delete(BuyerSignInLink).where(
                self.owned(BuyerSignInLink),
                BuyerSignInLink.evaluation_id == evaluation_id,
                BuyerSignInLink.email == email,
            )
        )


class PortalLookups:
    """What a buyer's request finds before it has an organization: the plan of an access code, the
    session of a cookie, the link of a one-time code. They run across organizations by nature: the
    random code (192 bits) or the HMAC of a random id is the credential, and each answer carries its
    organization, which every later statement of the request is scoped to."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def plan_by_code(self, code: str) -> tuple[Evaluation, Organization] | None:
        stmt = (
            select(Evaluation, Organization)
            .join(Organization, Organization.id == Evaluation.organization_id)
            .where(Evaluation.access_code == code)
        )
        row = (await self.session.execute(stmt)).first()
        return (row[0], row[1]) if row is not None else None

    async def session_by_hash(self, id_hash: str) -> BuyerSession | None:
        stmt = select(BuyerSession).where(BuyerSession.id_hash == id_hash)
        return (await self.session.execute(stmt)).scalar_one_or_none()  # type: ignore[no-any-return]

    async def link_by_hash(self, code_hash: str, *, lock: Lock | None = None) -> BuyerSignInLink | None:
        stmt = select(BuyerSignInLink).where(BuyerSignInLink.code_hash == code_hash)
        if lock is not None:
            stmt = locked(stmt, lock)
        return (await self.session.execute(stmt)).scalar_one_or_none()  # type: ignore[no-any-return]

    def add_session(self, row: BuyerSession) -> None:
        self.session.add(row)

    async def end_session(self, session_id: int) -> None:
        await self.session.execute(delete(BuyerSession).where(BuyerSession.id == session_id))

    async def purge_expired(self, now: datetime) -> None:
        await self.session.execute(delete(BuyerSession).where(BuyerSession.expires_at <= now))
        await self.session.execute(delete(BuyerSignInLink).where(BuyerSignInLink.expires_at <= now))

    # ------------------------------------------------------------------ the mail pass

    async def due_mail(self, now: datetime, limit: int = 200) -> list[BuyerMail]:
        """Unsent mail whose time has come, of every organization (the mail pass serves them all)."""
        stmt = (
            select(BuyerMail)
            .where(BuyerMail.sent_at.is_(None), BuyerMail.send_after <= now)
            .order_by(BuyerMail.id)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def mark_sent(self, ids: Sequence[int], now: datetime) -> None:
        await self.session.execute(update(BuyerMail).where(BuyerMail.id.in_(list(ids))).values(sent_at=now))

    async def pending_notifications(
        self, organization_id: int, evaluation_id: int, email: str
    ) -> list[BuyerMail]:
        """Every unsent notification of one buyer about one plan, due or not: they go in one mail."""
        stmt = (
            select(BuyerMail)
            .where(
                BuyerMail.sent_at.is_(None),
                BuyerMail.kind == "notification",
                BuyerMail.organization_id == organization_id,
                BuyerMail.evaluation_id == evaluation_id,
                BuyerMail.to_email == email,
            )
            .order_by(BuyerMail.id)
        )
        return list((await self.session.execute(stmt)).scalars())
