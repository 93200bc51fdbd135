"""Health and metrics of the service: the node's head against the read model's last indexed block."""

from __future__ import annotations

from sqlalchemy import func, select

from scf_ledger.services.models import HealthOut
from scf_ledger.services.runtime import Runtime
from scf_ledger.store.models import ChainEvent


def health(rt: Runtime) -> HealthOut:
    head = rt.indexer.source.head()
    indexed = rt.indexed_block()
    return HealthOut(status="ok", chain_id=rt.chain.deployment.chain_id, head=head, indexed=indexed, lag=head - indexed)


def metrics_text(rt: Runtime, requests: dict[tuple[str, int], int]) -> str:
    """Prometheus text: indexed block, events stored, and HTTP requests by route and status."""
    with rt.sessions() as session:
        events = session.scalar(select(func.count()).select_from(ChainEvent)) or 0
    lines = [
        "# HELP scf_indexed_block Last block indexed into the read model.",
        "# TYPE scf_indexed_block gauge",
        f"scf_indexed_block {rt.indexed_block()}",
        "# HELP scf_events_indexed_total Chain events stored.",
        "# TYPE scf_events_indexed_total counter",
        f"scf_events_indexed_total {events}",
        "# HELP scf_http_requests_total HTTP requests by route and status.",
        "# TYPE scf_http_requests_total counter",
    ]
    lines += [f'scf_http_requests_total{{route="{r}",status="{s}"}} {n}' for (r, s), n in sorted(requests.items())]
    return "\n".join(lines) + "\n"
