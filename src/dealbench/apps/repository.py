"""The statements of the apps table, each within the caller's organization."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dealbench.apps.presenter import APP
from dealbench.kit.locks import Lock, locked
from dealbench.kit.pagination import ListParams, paginate
from dealbench.kit.repository import Repository
from dealbench.models import ApiToken, App


class AppRepository(Repository[App]):
    model = App
    what = "App"

    async def page(self, params: ListParams) -> tuple[list[Any], int]:
        return await paginate(self.session, self.select(*APP.columns).order_by(App.id), params)

    async def token(self, token_id: int) -> ApiToken | None:
        """The organization's token ``token_id`` (an app's), locked for its revocation."""
        stmt = select(ApiToken).where(self.owned(ApiToken), ApiToken.id == token_id)
        return (await self.session.execute(locked(stmt, Lock.UPDATE))).scalar_one_or_none()
