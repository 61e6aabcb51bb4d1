"""buyer portal: buyers and comments of a plan, buyer sign-in links and sessions, buyer mail; a
task's side and buyer assignee; a document shared with the buyer

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dealbench.kit.db import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _org(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id"],
        ["organizations.id"],
        name=op.f(f"fk_{table}_organization_id_organizations"),
        ondelete="CASCADE",
    )


def _plan(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["evaluation_id"],
        ["evaluations.id"],
        name=op.f(f"fk_{table}_evaluation_id_evaluations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "evaluation_buyers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _org("evaluation_buyers"),
        _plan("evaluation_buyers"),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_evaluation_buyers_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_buyers")),
        sa.UniqueConstraint("evaluation_id", "email", name="uq_evaluation_buyers_plan_email"),
    )
    with op.batch_alter_table("evaluation_tasks") as batch:
        batch.add_column(sa.Column("side", sa.String(length=8), nullable=False, server_default="SELLER"))
        batch.add_column(sa.Column("assignee_buyer_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_evaluation_tasks_assignee_buyer_id_evaluation_buyers"),
            "evaluation_buyers",
            ["assignee_buyer_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("evaluation_tasks") as batch:
        batch.alter_column("side", server_default=None)
    with op.batch_alter_table("documents") as batch:
        batch.add_column(
            sa.Column("shared_with_buyer", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("shared_with_buyer", server_default=None)
    op.create_table(
        "evaluation_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_email", sa.String(length=320), nullable=True),
        sa.Column("author_name", sa.String(length=255), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _org("evaluation_comments"),
        _plan("evaluation_comments"),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["success_criteria.id"],
            name=op.f("fk_evaluation_comments_criterion_id_success_criteria"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["evaluation_tasks.id"],
            name=op.f("fk_evaluation_comments_task_id_evaluation_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["evaluation_comments.id"],
            name=op.f("fk_evaluation_comments_parent_id_evaluation_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_evaluation_comments_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_comments")),
    )
    op.create_index("ix_evaluation_comments_eval_id", "evaluation_comments", ["evaluation_id", "id"])
    op.create_table(
        "buyer_sign_in_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        _org("buyer_sign_in_links"),
        _plan("buyer_sign_in_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_sign_in_links")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_buyer_sign_in_links_code_hash")),
    )
    op.create_index("ix_buyer_sign_in_links_evaluation_id", "buyer_sign_in_links", ["evaluation_id"])
    op.create_table(
        "buyer_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        _org("buyer_sessions"),
        _plan("buyer_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_sessions")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_buyer_sessions_id_hash")),
    )
    op.create_index("ix_buyer_sessions_evaluation_id", "buyer_sessions", ["evaluation_id"])
    op.create_index("ix_buyer_sessions_expires_at", "buyer_sessions", ["expires_at"])
    op.create_table(
        "buyer_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("to_email", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("send_after", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        _org("buyer_mail"),
        _plan("buyer_mail"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_mail")),
    )
    op.create_index("ix_buyer_mail_pending", "buyer_mail", ["sent_at", "send_after"])


def downgrade() -> None:
    op.drop_table("buyer_mail")
    op.drop_table("buyer_sessions")
    op.drop_table("buyer_sign_in_links")
    op.drop_table("evaluation_comments")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("shared_with_buyer")
    with op.batch_alter_table("evaluation_tasks") as batch:
        batch.drop_constraint(
            op.f("fk_evaluation_tasks_assignee_buyer_id_evaluation_buyers"), type_="foreignkey"
        )
        batch.drop_column("assignee_buyer_id")
        batch.drop_column("side")
    op.drop_table("evaluation_buyers")
