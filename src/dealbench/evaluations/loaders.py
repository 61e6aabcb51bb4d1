"""Transport-free batch reads of evaluations, for GraphQL DataLoaders (one statement per batch)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.tenancy import in_tenant
from dealbench.models import Evaluation


async def evaluations_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[int]
) -> list[Evaluation | None]:
    """The evaluations of the principal's organization with these ids, in the ids' order (None: absent)."""
    wanted = list({i for i in ids if i is not None})
    found: dict[int, Evaluation] = {}
    if wanted:
        stmt = in_tenant(Evaluation, principal.organization_id).where(Evaluation.id.in_(wanted))
        found = {e.id: e for e in (await session.execute(stmt)).scalars()}
    return [found.get(i) for i in ids]
