"""Health and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from scf_ledger.api.deps import RuntimeDep
from scf_ledger.services import system
from scf_ledger.services.models import HealthOut

router = APIRouter(tags=["system"])


@router.get("/health", response_model=HealthOut)
def health(rt: RuntimeDep) -> HealthOut:
    return system.health(rt)


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text"}},
)
def metrics(rt: RuntimeDep, request: Request) -> str:
    return system.metrics_text(rt, request.app.state.metrics.snapshot())
