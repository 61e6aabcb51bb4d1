"""The pipeline's routers (SalesDirector.ai's JSend under ``/api/v1``, and the ``/v1`` imports), joined to the app by ``dealbench.routers``."""

from __future__ import annotations

from fastapi import APIRouter

from dealbench.contacts.router import router as contacts
from dealbench.imports.router import router as imports
from dealbench.pipeline.router import router as pipeline
from dealbench.sales_targets.router import router as sales_targets

ROUTERS: list[APIRouter] = [pipeline, imports, contacts, sales_targets]
