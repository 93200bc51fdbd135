"""Repayments (gateway), claims (holders), and obligors' credit lines (platform)."""

from __future__ import annotations

from typing import Annotated, Any

from eth_utils import is_address, to_checksum_address
from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from sqlalchemy import select

from scf_ledger.api.deps import PartyDep, ServiceDep, role
from scf_ledger.api.idempotency import idempotent
from scf_ledger.api.problems import Problem, not_found
from scf_ledger.api.routes.receivables import _parse_id
from scf_ledger.api.schemas import LimitUpdate, RepaymentCreate
from scf_ledger.api.service import Party, Service
from scf_ledger.domain.ids import receivable_id
from scf_ledger.domain.ledger import claimable as claimable_of
from scf_ledger.store.models import CreditOrderRow, HoldingRow, ReceivableRow

router = APIRouter(prefix="/v1", tags=["settlement"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def _installments(service: Service, body: RepaymentCreate, gateway: Party) -> list[int]:
    if (body.receivable_id is None) == (body.order_id is None):
        raise Problem(422, "Invalid repayment", "name exactly one of receivable_id and order_id")
    if body.receivable_id is not None:
        token_id = _parse_id(body.receivable_id)
        with service.sessions() as session:
            if session.get(ReceivableRow, token_id) is None:
                raise not_found("receivable", token_id)
        return [token_id]
    with service.sessions() as session:
        order = session.get(CreditOrderRow, body.order_id)
    if order is None or order.gateway != gateway.address or order.purchase_id is None:
        raise not_found("confirmed order", body.order_id)
    return [receivable_id(order.purchase_id, i) for i in range(order.installments)]


@router.post("/repayments", status_code=201)
def repay(
    body: RepaymentCreate,
    service: ServiceDep,
    gateway: Annotated[Party, Depends(role("gateway"))],
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Forwards a buyer's payment: penalty, then fee, then principal, installment by installment in due order.
    An amount above what is due now is refused unless `full` asks for exactly what is due."""

    def run() -> tuple[int, dict[str, Any]]:
        ids = _installments(service, body, gateway)
        dues = {i: service.gw.ledger.amount_due(i) for i in ids}
        total_due = sum(dues.values())
        if body.full:
            amount = total_due
        elif body.amount is None:
            raise Problem(422, "Invalid repayment", "give an amount, or full=true")
        else:
            amount = int(body.amount)
        if amount == 0 or amount > total_due:
            raise Problem(
                422, "Overpayment" if amount else "Nothing to pay", f"{amount} base units against {total_due} due now"
            )
        payer = service.signer(gateway.address)
        if service.embedded or service.settings.mode == "local":
            # The local settlement token is minted against the fiat the gateway collected from the buyer.
            service.gw.token.mint(service.platform, gateway.address, amount)
        allocations, left = [], amount
        for token_id in ids:
            if left == 0 or dues[token_id] == 0:
                continue
            paid = service.gw.ledger.repay(payer, token_id, min(left, dues[token_id]))
            left -= paid.taken
            allocations.append(
                {
                    "receivable_id": str(token_id),
                    "amount": str(paid.taken),
                    "to_penalty": str(paid.to_penalty),
                    "to_fee": str(paid.to_fee),
                    "to_principal": str(paid.to_principal),
                    "tx_hash": paid.tx.tx_hash,
                    "status": service.gw.ledger.status(token_id).name.lower(),
                }
            )
        service.catch_up()
        return 201, {"amount": str(amount), "allocations": allocations}

    return idempotent(service, gateway, idempotency_key, "POST /v1/repayments", body.model_dump(), run)


@router.post("/claims", status_code=201)
def claim_all(service: ServiceDep, party: PartyDep, idempotency_key: IdemKey = None) -> JSONResponse:
    """Claims everything the caller can claim, per receivable."""

    def run() -> tuple[int, dict[str, Any]]:
        with service.sessions() as session:
            rows = session.execute(
                select(HoldingRow, ReceivableRow)
                .join(ReceivableRow, ReceivableRow.token_id == HoldingRow.token_id)
                .where(HoldingRow.holder == party.address)
            ).all()
        owed = {h.token_id: claimable_of(h, r) for h, r in rows if claimable_of(h, r) > 0}
        if not owed:
            return 201, {"total": "0", "claims": []}
        total = service.gw.ledger.claim_many(service.signer(party.address), sorted(owed))
        service.catch_up()
        return 201, {
            "total": str(total),
            "claims": [{"receivable_id": str(i), "amount": str(a)} for i, a in sorted(owed.items())],
        }

    return idempotent(service, party, idempotency_key, "POST /v1/claims", {}, run)


def _obligor(service: Service, party: Party, address: str) -> str:
    if not is_address(address):
        raise not_found("obligor", address)
    row = service.party(to_checksum_address(address))
    if row is None or row.role != "obligor" or (party.role != "platform" and party.address != address):
        raise not_found("obligor", address)
    return row.address


@router.get("/obligors/{address}/credit")
def credit(address: str, service: ServiceDep, party: PartyDep) -> dict[str, Any]:
    obligor = _obligor(service, party, address)
    p = service.gw.registry.participant(obligor)
    exposure = service.gw.ledger.exposure(obligor)
    return {
        "obligor": obligor,
        "limit": str(p.credit_limit),
        "exposure": str(exposure),
        "available": str(max(p.credit_limit - exposure, 0)),
        "frozen": p.frozen,
        "blacklisted": p.blacklisted,
    }


@router.post("/obligors/{address}/limit", status_code=201)
def set_limit(
    address: str,
    body: LimitUpdate,
    service: ServiceDep,
    platform: Annotated[Party, Depends(role("platform"))],
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    def run() -> tuple[int, dict[str, Any]]:
        obligor = _obligor(service, platform, address)
        tx = service.gw.registry.set_credit_limit(service.platform, obligor, int(body.limit), body.reason)
        service.catch_up()
        return 201, {"obligor": obligor, "limit": body.limit, "tx_hash": tx.tx_hash}

    return idempotent(service, platform, idempotency_key, f"POST /v1/obligors/{address}/limit", body.model_dump(), run)
