"""Dealbench's normalized stage and forecast category of a CRM opportunity.

CRMs name their stages freely ("Prospecting", "3 - Technical Validation", "Closed Won"...). The
pipeline dialect answers both the CRM's words (``stage``, ``forecast``) and Dealbench's normalized
ones (``stage_system``, ``forecast_system``), derived here by keywords.
"""

from __future__ import annotations

import re

QUALIFY = "Qualify"
DEVELOP = "Develop"
PROPOSE = "Propose"
NEGOTIATE = "Negotiate"
CLOSED_WON = "Closed Won"
CLOSED_LOST = "Closed Lost"

STAGES = (QUALIFY, DEVELOP, PROPOSE, NEGOTIATE, CLOSED_WON, CLOSED_LOST)
FORECASTS = ("pipeline", "upside", "commit", "closed", "omitted")

_STAGE_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(closed?\W*won|won|booked)\b"), CLOSED_WON),
    (re.compile(r"\b(closed?\W*lost|lost|dead|disqualified|no\W*decision|closed)\b"), CLOSED_LOST),
    (re.compile(r"negotiat|contract|legal|procurement|commit"), NEGOTIATE),
    (re.compile(r"propos|quote|pricing|business\W*case"), PROPOSE),
    (re.compile(r"develop|evaluat|poc|pilot|proof|demo|technical|validat|solution"), DEVELOP),
    (re.compile(r"prospect|qualif|discover|lead|new|initial|research|identif"), QUALIFY),
]

_STAGE_FORECAST = {
    QUALIFY: "pipeline",
    DEVELOP: "pipeline",
    PROPOSE: "upside",
    NEGOTIATE: "commit",
    CLOSED_WON: "closed",
    CLOSED_LOST: "omitted",
}

_FORECAST_ALIASES = {
    "pipeline": "pipeline",
    "upside": "upside",
    "bestcase": "upside",
    "best": "upside",
    "commit": "commit",
    "committed": "commit",
    "closed": "closed",
    "closedwon": "closed",
    "won": "closed",
    "omitted": "omitted",
    "omit": "omitted",
    "lost": "omitted",
}


def stage_system(stage: str | None) -> str:
    """One of :data:`STAGES`, or ``""`` when the stage says nothing Dealbench recognizes."""
    if not stage:
        return ""
    text = stage.strip().lower()
    for pattern, normalized in _STAGE_RULES:
        if pattern.search(text):
            return normalized
    return ""


def closed_won(stage: str | None) -> tuple[bool, bool]:
    """``(closed, won)`` implied by a CRM stage."""
    normalized = stage_system(stage)
    return normalized in (CLOSED_WON, CLOSED_LOST), normalized == CLOSED_WON


def forecast_from_category(category: str | None) -> str | None:
    """The CRM's forecast category in the five words of the pipeline API, or ``None``."""
    if not category:
        return None
    return _FORECAST_ALIASES.get(re.sub(r"[^a-z]", "", category.lower()))


def forecast_system(stage: str | None, closed: bool = False, won: bool = False) -> str:
    """Dealbench's forecast category, from the normalized stage (and the deal's closed/won flags)."""
    if closed:
        return "closed" if won else "omitted"
    return _STAGE_FORECAST.get(stage_system(stage), "pipeline")


def forecast(category: str | None, stage: str | None, closed: bool = False, won: bool = False) -> str:
    """The CRM's forecast category when it names one of the five, else what the stage implies."""
    return forecast_from_category(category) or forecast_system(stage, closed, won)
