"""Health and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select

from scf_ledger.api.deps import ServiceDep
from scf_ledger.store.models import ChainEvent, ChainMeta

router = APIRouter(prefix="/v1", tags=["system"])


@router.get("/health")
def health(service: ServiceDep) -> dict[str, object]:
    head = int(service.chain.sender.run(lambda: service.chain.w3.eth.block_number))
    with service.sessions() as session:
        meta = session.get(ChainMeta, 1)
    indexed = meta.last_block if meta else -1
    return {
        "status": "ok",
        "chain_id": service.chain.deployment.chain_id,
        "head": head,
        "indexed": indexed,
        "lag": head - indexed,
    }


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(service: ServiceDep) -> str:
    with service.sessions() as session:
        meta = session.get(ChainMeta, 1)
        events = session.scalar(select(func.count()).select_from(ChainEvent)) or 0
    counts = service.metrics.snapshot()
    lines = [
        "# HELP scf_indexed_block Last block indexed into the read model.",
        "# TYPE scf_indexed_block gauge",
        f"scf_indexed_block {meta.last_block if meta else -1}",
        "# HELP scf_events_indexed_total Chain events stored.",
        "# TYPE scf_events_indexed_total counter",
        f"scf_events_indexed_total {events}",
        "# HELP scf_http_requests_total HTTP requests by route and status.",
        "# TYPE scf_http_requests_total counter",
    ]
    lines += [f'scf_http_requests_total{{route="{r}",status="{s}"}} {n}' for (r, s), n in sorted(counts.items())]
    return "\n".join(lines) + "\n"
