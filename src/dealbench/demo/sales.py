"""Demo content of the sales domain: a sales process, deals, plans (from a template), tickets."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.db import utcnow
from dealbench.kit.repository import TenantOf
from dealbench.models import (
    Deal,
    DealNote,
    Evaluation,
    EvaluationActivity,
    EvaluationPhase,
    EvaluationTask,
    LibraryCriterion,
    Organization,
    PlanTemplate,
    SalesProcess,
    SalesProcessStage,
    SuccessCriterion,
    Ticket,
    TicketDealLink,
    TicketLabel,
    User,
)
from dealbench.tickets.service import ensure_labels

DEALS = [
    (
        "006DEMO0001",
        "Acme Corp — Platform rollout",
        "Acme Corp",
        "acme.example",
        120_000.0,
        "POC",
        False,
        False,
    ),
    (
        "006DEMO0002",
        "Globex — Analytics expansion",
        "Globex",
        "globex.example",
        85_000.0,
        "Negotiation",
        False,
        False,
    ),
    (
        "006DEMO0003",
        "Initech — Security suite",
        "Initech",
        "initech.example",
        42_500.0,
        "Closed Won",
        True,
        True,
    ),
    (
        "006DEMO0004",
        "Umbrella — Data migration",
        "Umbrella",
        "umbrella.example",
        60_000.0,
        "Closed Lost",
        True,
        False,
    ),
]


async def seed_sales(session: AsyncSession, org: Organization, users: list[User]) -> None:
    admin, seller = users[0], users[1] if len(users) > 1 else users[0]
    now = utcnow()
    process = SalesProcess(
        organization_id=org.id, name="Enterprise", is_default=True, created_by_user_id=admin.id
    )
    session.add(process)
    await session.flush()
    stages = [
        SalesProcessStage(
            organization_id=org.id, sales_process_id=process.id, title=t, category=c, position=i
        )
        for i, (t, c) in enumerate(
            [("Discovery", "DISCOVERY"), ("Technical validation", "EVALUATION"), ("Decision", "DECISION")]
        )
    ]
    session.add_all(stages)
    library = [
        LibraryCriterion(organization_id=org.id, title=t, category=c, created_by_user_id=admin.id)
        for t, c in [("SSO with the customer's IdP", "Security"), ("p95 latency under 200 ms", "Performance")]
    ]
    session.add_all(library)
    await session.flush()
    template = PlanTemplate(
        organization_id=org.id,
        title="Standard 30-day POC",
        created_by_user_id=admin.id,
        content={
            "phases": [
                {
                    "title": "Setup",
                    "criteria": [{"title": library[0].title, "libraryCriterionId": library[0].id}],
                    "tasks": [{"title": "Provision the trial tenant"}],
                },
                {
                    "title": "Validation",
                    "criteria": [{"title": library[1].title, "libraryCriterionId": library[1].id}],
                    "tasks": [{"title": "Load test with production-like data"}],
                },
            ],
            "criteria": [],
            "tasks": [{"title": "Readout with the buying committee"}],
        },
    )
    session.add(template)
    deals = []
    for eid, name, account, domain, amount, stage, closed, won in DEALS:
        deal = Deal(
            organization_id=org.id,
            vendor_entity_id=eid,
            name=name,
            account_name=account,
            company_domain=domain,
            account_website=f"https://{domain}",
            amount=amount,
            stage=stage,
            closed=closed,
            won=won,
            probability=100.0 if won else (0.0 if closed else 40.0),
            close_date=now + timedelta(days=30),
            owner_user_id=seller.id,
            created_by_user_id=admin.id,
            sales_process_id=process.id,
            sales_process_stage_id=stages[1].id,
        )
        session.add(deal)
        deals.append(deal)
    await session.flush()
    for deal in deals[:2]:
        plan = Evaluation(
            organization_id=org.id,
            title=f"{deal.account_name} POC",
            mode="PLAN",
            access_code=secrets.token_urlsafe(24),
            created_by_user_id=admin.id,
            derived_from_template_id=template.id,
            sales_process_id=process.id,
            current_stage_id=stages[1].id,
            current_process_position_rank=2,
            start_date=now,
            target_end_date=now + timedelta(days=30),
        )
        session.add(plan)
        await session.flush()
        deal.evaluation_id = plan.id
        for pos, phase_data in enumerate(template.content["phases"]):
            phase = EvaluationPhase(
                organization_id=org.id, evaluation_id=plan.id, title=phase_data["title"], position=pos
            )
            session.add(phase)
            await session.flush()
            for c in phase_data["criteria"]:
                session.add(
                    SuccessCriterion(
                        organization_id=org.id,
                        evaluation_id=plan.id,
                        phase_id=phase.id,
                        library_criterion_id=c["libraryCriterionId"],
                        title=c["title"],
                        position=pos,
                        outcome="MEETS" if pos == 0 else None,
                    )
                )
            for t in phase_data["tasks"]:
                session.add(
                    EvaluationTask(
                        organization_id=org.id,
                        evaluation_id=plan.id,
                        phase_id=phase.id,
                        title=t["title"],
                        position=pos,
                        completed=pos == 0,
                        completed_at=now if pos == 0 else None,
                    )
                )
        session.add(
            EvaluationActivity(
                organization_id=org.id,
                evaluation_id=plan.id,
                user_id=admin.id,
                action="evaluation.created",
                changes={"title": plan.title, "templateId": template.id},
            )
        )
        session.add(
            DealNote(
                organization_id=org.id,
                deal_id=deal.id,
                title="Kickoff call",
                body="Agreed on the **success criteria** and a 30-day timeline.",
                created_by_user_id=seller.id,
            )
        )
    tickets = [
        (
            "SAML login fails with Okta",
            "BUG",
            "IN_PROGRESS",
            ["sso", "security"],
            [(0, "BLOCKER"), (1, "IMPORTANT")],
        ),
        (
            "Export dashboards to PDF",
            "FEATURE",
            "ROADMAP",
            ["reporting"],
            [(1, "NICE_TO_HAVE"), (2, "IMPORTANT")],
        ),
        (
            "Audit log retention of 2 years",
            "FEATURE",
            "OPEN",
            ["security"],
            [(0, "IMPORTANT"), (3, "BLOCKER")],
        ),
    ]
    for title, kind, state, labels, links in tickets:
        ticket = Ticket(
            organization_id=org.id,
            created_by_user_id=seller.id,
            title=title,
            type=kind,
            state=state,
            description=f"Requested during the POC: {title.lower()}.",
        )
        session.add(ticket)
        await session.flush()
        for index, priority in links:
            session.add(TicketDealLink(ticket_id=ticket.id, deal_id=deals[index].id, priority=priority))
        for label_id in (await ensure_labels(session, TenantOf(org.id), labels)).values():
            session.add(TicketLabel(ticket_id=ticket.id, label_id=label_id))
    await session.flush()
