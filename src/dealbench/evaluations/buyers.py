"""Who may open a plan's buyer portal, as the seller manages it: the buyers invited to the plan,
the one-time sign-in link of a buyer (to copy when the server sends no mail), and the plan's access
code, which a rotation replaces at once (every buyer session and sign-in link of the plan ends).

Sign-in links are random 192-bit codes; only their keyed hash is stored. They are good for
:data:`LINK_MINUTES` minutes, once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.evaluations import presenter
from dealbench.evaluations import schemas as s
from dealbench.evaluations.activity import record
from dealbench.evaluations.repository import BuyerAccessRepository, BuyerRepository, EvaluationRepository
from dealbench.events import outbox
from dealbench.kit.crypto import keyed_hash
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, NotFound
from dealbench.kit.locks import Lock
from dealbench.kit.repository import Tenant
from dealbench.models import BuyerSignInLink, Evaluation, EvaluationBuyer

LINK_MINUTES = 15


def link_digest(secret_key: str, code: str) -> str:
    return keyed_hash(secret_key, f"buyer-link:{code}")


@dataclass(frozen=True, slots=True)
class IssuedLink:
    email: str
    path: str
    expires_at: datetime


def issue_link(
    session: AsyncSession, tenant: Tenant, secret_key: str, evaluation: Evaluation, email: str
) -> IssuedLink:
    """A new one-time sign-in link of ``email`` to the plan's portal (added to the session)."""
    code = secrets.token_urlsafe(24)
    expires = utcnow() + timedelta(minutes=LINK_MINUTES)
    BuyerAccessRepository(session, tenant).add_link(
        BuyerSignInLink(
            code_hash=link_digest(secret_key, code),
            evaluation_id=evaluation.id,
            email=email,
            expires_at=expires,
        )
    )
    return IssuedLink(email, f"{presenter.portal_path(evaluation.access_code)}/signin/{code}", expires)


async def list_buyers(
    session: AsyncSession, principal: Principal, evaluation_id: int
) -> list[EvaluationBuyer]:
    evaluation = await EvaluationRepository(session, principal).one(evaluation_id)
    return await BuyerRepository(session, principal).of_plan(evaluation.id)


async def invite_buyer(
    session: AsyncSession, principal: Principal, evaluation_id: int, data: s.BuyerCreate
) -> EvaluationBuyer:
    """Invite a buyer to the plan (409 when that email is invited already)."""
    evaluation = await EvaluationRepository(session, principal).one(evaluation_id, lock=Lock.UPDATE)
    repo = BuyerRepository(session, principal)
    if await repo.by_email(evaluation.id, data.email) is not None:
        raise Conflict(f"{data.email} is invited to this plan already.")
    buyer = EvaluationBuyer(
        evaluation_id=evaluation.id,
        email=data.email,
        name=data.name,
        created_by_user_id=principal.acting_user_id,
    )
    repo.add(buyer)
    await session.flush()
    record(session, principal, evaluation.id, "buyer.invited", {"id": buyer.id, "email": buyer.email})
    await outbox.record(session, principal, "evaluation.buyer.invited", presenter.BUYER.one(buyer))
    return buyer


async def remove_buyer(session: AsyncSession, principal: Principal, evaluation_id: int, buyer_id: int) -> int:
    """Remove a buyer: their sessions and links of the plan end, their tasks lose them."""
    evaluation = await EvaluationRepository(session, principal).one(evaluation_id, lock=Lock.UPDATE)
    repo = BuyerRepository(session, principal)
    buyer = await repo.in_plan(evaluation.id, buyer_id)
    if buyer is None:
        raise NotFound("Buyer not found.")
    await repo.unassign(buyer.id)
    await BuyerAccessRepository(session, principal).end_buyer_access(evaluation.id, buyer.email)
    await repo.delete(buyer)
    record(session, principal, evaluation.id, "buyer.removed", {"id": buyer_id, "email": buyer.email})
    await session.flush()
    await outbox.record(
        session, principal, "evaluation.buyer.removed", {"id": buyer_id, "evaluationId": evaluation.id}
    )
    return buyer_id


async def sign_in_link(
    session: AsyncSession, principal: Principal, secret_key: str, evaluation_id: int, buyer_id: int
) -> IssuedLink:
    """A one-time sign-in link of an invited buyer, for the seller to pass on."""
    evaluation = await EvaluationRepository(session, principal).one(evaluation_id)
    buyer = await BuyerRepository(session, principal).in_plan(evaluation.id, buyer_id)
    if buyer is None:
        raise NotFound("Buyer not found.")
    issued = issue_link(session, principal, secret_key, evaluation, buyer.email)
    record(session, principal, evaluation.id, "buyer.link_issued", {"email": buyer.email})
    await session.flush()
    return issued


async def rotate_access_code(session: AsyncSession, principal: Principal, evaluation_id: int) -> Evaluation:
    """A new access code: the old link dies at once, with every buyer session and sign-in link."""
    evaluation = await EvaluationRepository(session, principal).one(evaluation_id, lock=Lock.UPDATE)
    evaluation.access_code = secrets.token_urlsafe(24)
    evaluation.updated_at = utcnow()
    await BuyerAccessRepository(session, principal).end_plan_access(evaluation.id)
    record(session, principal, evaluation.id, "evaluation.access_code_rotated", None)
    await session.flush()
    await outbox.record(session, principal, "evaluation.access_code_rotated", {"id": evaluation.id})
    return evaluation
