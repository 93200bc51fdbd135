"""Webhook endpoints of the caller's: register (the signing secret is shown once), list, delete, rotate the
secret, read the delivery log, replay."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from scf_ledger.api.deps import PartyDep, RuntimeDep
from scf_ledger.services import webhooks
from scf_ledger.services.webhooks import (
    DeliveriesPage,
    ReplayCreate,
    ReplayOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhooksPage,
)

router = APIRouter(tags=["webhooks"])
EndpointId = Annotated[str, Path(pattern=r"^wh_[0-9a-f]{16}$")]
DeliveryStatus = Literal["pending", "delivered", "failed", "cancelled"]


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
def register(body: WebhookCreate, rt: RuntimeDep, party: PartyDep) -> WebhookCreated:
    """Registers an http(s) endpoint for the event types named. The answer holds its `whsec_` secret, once:
    every delivery is signed with it (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
    `webhook-signature`)."""
    return webhooks.register(rt, party, body)


@router.get("/webhooks", response_model=WebhooksPage)
def list_endpoints(rt: RuntimeDep, party: PartyDep) -> WebhooksPage:
    return webhooks.endpoints_of(rt, party)


@router.get("/webhooks/{endpoint_id}", response_model=WebhookOut)
def get_endpoint(endpoint_id: EndpointId, rt: RuntimeDep, party: PartyDep) -> WebhookOut:
    return webhooks.endpoint(rt, party, endpoint_id)


@router.delete("/webhooks/{endpoint_id}", response_model=WebhookOut)
def delete_endpoint(endpoint_id: EndpointId, rt: RuntimeDep, party: PartyDep) -> WebhookOut:
    """Stops the endpoint; its pending deliveries are cancelled."""
    return webhooks.delete(rt, party, endpoint_id)


@router.post("/webhooks/{endpoint_id}/rotate-secret", response_model=WebhookCreated)
def rotate_secret(endpoint_id: EndpointId, rt: RuntimeDep, party: PartyDep) -> WebhookCreated:
    """A new secret, shown once; for 24 hours deliveries carry a signature by the old one too."""
    return webhooks.rotate(rt, party, endpoint_id)


@router.get("/webhooks/{endpoint_id}/deliveries", response_model=DeliveriesPage)
def deliveries(
    endpoint_id: EndpointId,
    rt: RuntimeDep,
    party: PartyDep,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveriesPage:
    """The endpoint's deliveries, newest first, with the body sent and every attempt."""
    return webhooks.deliveries(rt, party, endpoint_id, status, limit)


@router.post("/webhooks/{endpoint_id}/replay", status_code=202, response_model=ReplayOut)
def replay(endpoint_id: EndpointId, rt: RuntimeDep, party: PartyDep, body: ReplayCreate | None = None) -> ReplayOut:
    """Sends one event again (same id, same body), or, without one, every failed delivery, on a fresh retry
    schedule."""
    return webhooks.replay(rt, party, endpoint_id, body or ReplayCreate())
