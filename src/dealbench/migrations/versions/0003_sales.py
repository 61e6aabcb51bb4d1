"""sales: evaluations, plans, templates, criteria, sales processes, tickets, notes

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import dealbench.kit.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_labels_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
    )
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.create_index("uq_labels_org_name", ["organization_id", "name"], unique=True)

    op.create_table(
        "library_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=255), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_library_criteria_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_library_criteria_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_criteria")),
    )
    with op.batch_alter_table("library_criteria", schema=None) as batch_op:
        batch_op.create_index("ix_library_criteria_org_id", ["organization_id", "id"], unique=False)

    op.create_table(
        "plan_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_plan_templates_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_plan_templates_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_templates")),
    )
    with op.batch_alter_table("plan_templates", schema=None) as batch_op:
        batch_op.create_index("ix_plan_templates_org_id", ["organization_id", "id"], unique=False)

    op.create_table(
        "sales_processes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_sales_processes_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sales_processes_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_processes")),
    )
    with op.batch_alter_table("sales_processes", schema=None) as batch_op:
        batch_op.create_index("ix_sales_processes_org_id", ["organization_id", "id"], unique=False)

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("vendor_entity_id", sa.String(length=255), nullable=True),
        sa.Column("vendor_entity_key", sa.String(length=255), nullable=True),
        sa.Column("integration_installation_id", sa.Integer(), nullable=True),
        sa.Column("target_due_date", dealbench.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("vendor_entity_url", sa.String(length=2048), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_tickets_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_tickets_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_org_id", ["organization_id", "id"], unique=False)

    op.create_table(
        "sales_process_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("sales_process_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sales_process_stages_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sales_process_id"],
            ["sales_processes.id"],
            name=op.f("fk_sales_process_stages_sales_process_id_sales_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_process_stages")),
    )
    with op.batch_alter_table("sales_process_stages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_process_stages_process_pos", ["sales_process_id", "position"], unique=False
        )

    op.create_table(
        "ticket_labels",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_id"], ["labels.id"], name=op.f("fk_ticket_labels_label_id_labels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_labels_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", "label_id", name=op.f("pk_ticket_labels")),
    )
    with op.batch_alter_table("ticket_labels", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_labels_label_id", ["label_id"], unique=False)

    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("access_code", sa.String(length=64), nullable=False),
        sa.Column("buyer_access_level", sa.String(length=32), nullable=False),
        sa.Column("branding_color_hex", sa.String(length=9), nullable=True),
        sa.Column("start_date", dealbench.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("target_end_date", dealbench.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("buyer_notifications_enabled", sa.Boolean(), nullable=False),
        sa.Column("current_stage_id", sa.Integer(), nullable=True),
        sa.Column("current_process_position_rank", sa.Integer(), nullable=True),
        sa.Column("all_processes_position_rank", sa.Integer(), nullable=True),
        sa.Column("derived_from_template_id", sa.Integer(), nullable=True),
        sa.Column("sales_process_id", sa.Integer(), nullable=True),
        sa.Column("default_assignee_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_evaluations_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["current_stage_id"],
            ["sales_process_stages.id"],
            name=op.f("fk_evaluations_current_stage_id_sales_process_stages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["default_assignee_user_id"],
            ["users.id"],
            name=op.f("fk_evaluations_default_assignee_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["derived_from_template_id"],
            ["plan_templates.id"],
            name=op.f("fk_evaluations_derived_from_template_id_plan_templates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_evaluations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sales_process_id"],
            ["sales_processes.id"],
            name=op.f("fk_evaluations_sales_process_id_sales_processes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("access_code", name=op.f("uq_evaluations_access_code")),
    )
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index("ix_evaluations_org_id", ["organization_id", "id"], unique=False)

    op.create_table(
        "evaluation_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_activity_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_evaluation_activity_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_evaluation_activity_token_id_api_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_evaluation_activity_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_activity")),
    )
    with op.batch_alter_table("evaluation_activity", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_activity_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_evaluation_activity_eval_id", ["evaluation_id", "id"], unique=False)

    op.create_table(
        "evaluation_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_phases_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_evaluation_phases_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_phases")),
    )
    with op.batch_alter_table("evaluation_phases", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_phases_eval_pos", ["evaluation_id", "position"], unique=False)

    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_deals_sales_process_stage_id_sales_process_stages"),
            "sales_process_stages",
            ["sales_process_stage_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_deals_evaluation_id_evaluations"),
            "evaluations",
            ["evaluation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_deals_sales_process_id_sales_processes"),
            "sales_processes",
            ["sales_process_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "deal_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_deal_notes_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_deal_notes_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_deal_notes_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_notes")),
    )
    with op.batch_alter_table("deal_notes", schema=None) as batch_op:
        batch_op.create_index("ix_deal_notes_deal_created", ["deal_id", "created_at"], unique=False)

    op.create_table(
        "evaluation_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("starts_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "attendee_emails",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_meetings_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_evaluation_meetings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"],
            ["evaluation_phases.id"],
            name=op.f("fk_evaluation_meetings_phase_id_evaluation_phases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_meetings")),
    )
    with op.batch_alter_table("evaluation_meetings", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_meetings_eval_pos", ["evaluation_id", "position"], unique=False)

    op.create_table(
        "evaluation_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("assignee_user_id", sa.Integer(), nullable=True),
        sa.Column("due_date", dealbench.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("completed_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"],
            ["users.id"],
            name=op.f("fk_evaluation_tasks_assignee_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_tasks_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_evaluation_tasks_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"],
            ["evaluation_phases.id"],
            name=op.f("fk_evaluation_tasks_phase_id_evaluation_phases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_tasks")),
    )
    with op.batch_alter_table("evaluation_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_tasks_eval_pos", ["evaluation_id", "position"], unique=False)

    op.create_table(
        "success_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=True),
        sa.Column("library_criterion_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("outcome_set_by_user_id", sa.Integer(), nullable=True),
        sa.Column("outcome_set_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_success_criteria_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["library_criterion_id"],
            ["library_criteria.id"],
            name=op.f("fk_success_criteria_library_criterion_id_library_criteria"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_success_criteria_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outcome_set_by_user_id"],
            ["users.id"],
            name=op.f("fk_success_criteria_outcome_set_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"],
            ["evaluation_phases.id"],
            name=op.f("fk_success_criteria_phase_id_evaluation_phases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_success_criteria")),
    )
    with op.batch_alter_table("success_criteria", schema=None) as batch_op:
        batch_op.create_index("ix_success_criteria_eval_pos", ["evaluation_id", "position"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_success_criteria_library_criterion_id"), ["library_criterion_id"], unique=False
        )

    op.create_table(
        "ticket_deals",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("shared_with_buyer", sa.Boolean(), nullable=False),
        sa.Column("created_at", dealbench.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_ticket_deals_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_deals_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", "deal_id", name=op.f("pk_ticket_deals")),
    )
    with op.batch_alter_table("ticket_deals", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_deals_deal_id", ["deal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_deals_sales_process_id_sales_processes"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_deals_evaluation_id_evaluations"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_deals_sales_process_stage_id_sales_process_stages"), type_="foreignkey"
        )

    with op.batch_alter_table("ticket_deals", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_deals_deal_id")

    op.drop_table("ticket_deals")
    with op.batch_alter_table("success_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_success_criteria_library_criterion_id"))
        batch_op.drop_index("ix_success_criteria_eval_pos")

    op.drop_table("success_criteria")
    with op.batch_alter_table("evaluation_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_tasks_eval_pos")

    op.drop_table("evaluation_tasks")
    with op.batch_alter_table("evaluation_meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_meetings_eval_pos")

    op.drop_table("evaluation_meetings")
    with op.batch_alter_table("deal_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_notes_deal_created")

    op.drop_table("deal_notes")
    with op.batch_alter_table("evaluation_phases", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_phases_eval_pos")

    op.drop_table("evaluation_phases")
    with op.batch_alter_table("evaluation_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_activity_eval_id")
        batch_op.drop_index("ix_evaluation_activity_created_at")

    op.drop_table("evaluation_activity")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluations_org_id")

    op.drop_table("evaluations")
    with op.batch_alter_table("ticket_labels", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_labels_label_id")

    op.drop_table("ticket_labels")
    with op.batch_alter_table("sales_process_stages", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_process_stages_process_pos")

    op.drop_table("sales_process_stages")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_org_id")

    op.drop_table("tickets")
    with op.batch_alter_table("sales_processes", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_processes_org_id")

    op.drop_table("sales_processes")
    with op.batch_alter_table("plan_templates", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_templates_org_id")

    op.drop_table("plan_templates")
    with op.batch_alter_table("library_criteria", schema=None) as batch_op:
        batch_op.drop_index("ix_library_criteria_org_id")

    op.drop_table("library_criteria")
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_index("uq_labels_org_name")

    op.drop_table("labels")
