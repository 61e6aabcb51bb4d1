"""deals: index owner and plan only where set (import speed)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTIAL = ("owner_user_id", "evaluation_id")


def upgrade() -> None:
    for column in PARTIAL:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(f"ix_deals_{column}", table_name="deals")
        op.create_index(
            f"ix_deals_{column}", "deals", [column], unique=False, sqlite_where=where, postgresql_where=where
        )


def downgrade() -> None:
    for column in PARTIAL:
        op.drop_index(f"ix_deals_{column}", table_name="deals")
        op.create_index(f"ix_deals_{column}", "deals", [column], unique=False)
