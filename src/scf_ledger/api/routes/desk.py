"""The operator's desk: the review queue and the audit log (the platform's alone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from scf_ledger.api.deps import PlatformDep, RuntimeDep
from scf_ledger.api.routes.reports import AS_CSV, Accept, tabular
from scf_ledger.services import audit, orders
from scf_ledger.services.models import AuditFilters, AuditPage, ReviewsPage

router = APIRouter(tags=["operator"])


@router.get("/reviews", response_model=ReviewsPage)
def list_reviews(rt: RuntimeDep, platform: PlatformDep) -> ReviewsPage:
    """Orders the risk engine sent to review, oldest first, waiting for `POST /v1/orders/{id}/review`."""
    return orders.reviews(rt)


@router.get("/audit", response_model=AuditPage, responses=AS_CSV)
def list_audit(
    rt: RuntimeDep,
    platform: PlatformDep,
    query: Annotated[AuditFilters, Query()],
    accept: Accept = None,
) -> Response | BaseModel:
    """Every operator and automatic action, newest first: who or which job, when, why, request, tx; CSV too."""
    return tabular(audit.page(rt, query), query.format, accept, "audit")
