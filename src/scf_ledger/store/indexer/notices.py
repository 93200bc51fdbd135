"""What the parties' webhooks are told of each indexed chain event, written into the outbox in the batch's own
transaction right after the event's projection, so the holders and claimables it names are those of that
moment. Only events some endpoint subscribed to are worked out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from scf_ledger.domain import ledger
from scf_ledger.domain.constants import ZERO_ADDRESS
from scf_ledger.domain.enums import EventType
from scf_ledger.domain.ids import receivable_id
from scf_ledger.domain.money import share_of
from scf_ledger.store import outbox
from scf_ledger.store.indexer.projection import DecodedEvent, holdings_of, receivable_of
from scf_ledger.store.models import HoldingRow, PartyRow, ReceivableRow
from scf_ledger.store.outbox import Notice

Notices = Callable[[Session, DecodedEvent], Iterator[Notice]]


def gateway_of(session: Session, obligor: str) -> str | None:
    """The gateway serving `obligor` (it sees what concerns its obligors), cached for the transaction."""
    gateways: dict[str, str | None] = session.info.setdefault("webhook_gateways", {})
    if obligor not in gateways:
        gateways[obligor] = session.scalar(select(PartyRow.gateway).where(PartyRow.address == obligor))
    return gateways[obligor]


def concerned(session: Session, r: ReceivableRow, holdings: Iterable[HoldingRow] | None = None) -> set[str]:
    """Who sees a receivable (store/access.py): its obligor, the obligor's gateway, and whoever holds units of
    it or has money to claim on it (of `holdings`: by default, as the batch has left them)."""
    holdings = holdings_of(session, r.token_id) if holdings is None else holdings
    parties = {r.obligor, *(h.holder for h in holdings if h.units or h.accrued_units)}
    gateway = gateway_of(session, r.obligor)
    return parties | {gateway} if gateway else parties


def _ids(ev: DecodedEvent) -> list[tuple[int, int]]:
    """(token id, units) of a TransferSingle or TransferBatch."""
    if "ids" in ev.args:
        return [(int(i), int(v)) for i, v in zip(ev.args["ids"], ev.args["values"], strict=True)]
    return [(int(ev.args["id"]), int(ev.args["value"]))]


def _originated(session: Session, ev: DecodedEvent) -> Iterator[Notice]:
    a = ev.args
    purchase_id, n = int(a["purchaseId"]), int(a["installments"])
    gateway = gateway_of(session, a["obligor"])
    data = {
        "purchase_id": str(purchase_id),
        "receivable_ids": [str(receivable_id(purchase_id, i)) for i in range(n)],
        "obligor": a["obligor"],
        "supplier": a["originator"],
        "principal": str(a["principal"]),
        "installments": n,
        "fee_per_installment": str(a["feePerInstallment"]),
        "first_due_date": int(a["firstDueDate"]),
    }
    yield Notice(EventType.RECEIVABLE_ORIGINATED, str(purchase_id), {a["obligor"], a["originator"], gateway}, data)


def _transferred(session: Session, ev: DecodedEvent) -> Iterator[Notice]:
    sender, receiver = ev.args["from"], ev.args["to"]
    if ZERO_ADDRESS in (sender, receiver) or sender == receiver:  # a mint is told as the origination
        return
    for token_id, units in _ids(ev):
        if units == 0:
            continue
        data = {"receivable_id": str(token_id), "from": sender, "to": receiver, "units": str(units)}
        yield Notice(EventType.RECEIVABLE_TRANSFERRED, str(token_id), {sender, receiver}, data)


def _financed(session: Session, ev: DecodedEvent) -> Iterator[Notice]:
    a = ev.args
    data = {
        "receivable_id": str(a["id"]),
        "seller": a["seller"],
        "financier": a["financier"],
        "offer_nonce": str(a["nonce"]),
        "units": str(a["units"]),
        "value": str(a["value"]),
        "price": str(a["price"]),
    }
    yield Notice(EventType.FINANCING_COMPLETED, f"{a['financier']}:{a['nonce']}", {a["seller"], a["financier"]}, data)


def _claims(session: Session, r: ReceivableRow, raised_by: int) -> Iterator[Notice]:
    """`claim.available` to each holder whose claimable money rose when `raised_by` more was distributed."""
    for h in holdings_of(session, r.token_id):
        share, _ = share_of(h.units, r.distributed - h.snapshot, h.residue, r.face)
        before, _ = share_of(h.units, r.distributed - raised_by - h.snapshot, h.residue, r.face)
        if share > before:
            data = {
                "receivable_id": str(r.token_id),
                "holder": h.holder,
                "claimable": str(ledger.claimable(h, r)),
                "raised_by": str(share - before),
            }
            yield Notice(EventType.CLAIM_AVAILABLE, f"{r.token_id}:{h.holder}", {h.holder}, data)


def _repaid(session: Session, ev: DecodedEvent) -> Iterator[Notice]:
    a = ev.args
    r = receivable_of(session, int(a["id"]))
    data = {
        "receivable_id": str(r.token_id),
        "obligor": r.obligor,
        "payer": a["payer"],
        "amount": str(a["amount"]),
        "to_penalty": str(a["toPenalty"]),
        "to_fee": str(a["toFee"]),
        "to_principal": str(a["toPrincipal"]),
        "repaid": ledger.is_repaid(r),
    }
    yield Notice(EventType.REPAYMENT_RECEIVED, str(r.token_id), concerned(session, r) | {a["payer"]}, data)
    yield from _claims(session, r, int(a["toPenalty"]) + int(a["toPrincipal"]))


def _credited(session: Session, ev: DecodedEvent) -> Iterator[Notice]:
    yield from _claims(session, receivable_of(session, int(ev.args["id"])), int(ev.args["credit"]))


def _about_receivable(type_: EventType, *fields: str) -> Notices:
    """A notice of `type_` about the event's receivable to all who see it, with the event's named fields."""

    def notices(session: Session, ev: DecodedEvent) -> Iterator[Notice]:
        r = receivable_of(session, int(ev.args["id"]))
        data: dict[str, object] = {"receivable_id": str(r.token_id), "obligor": r.obligor}
        for name in fields:
            value = ev.args[name]
            data[name.rstrip("_")] = value if isinstance(value, bool) else str(value)
        yield Notice(type_, str(r.token_id), concerned(session, r), data)

    return notices


# (contract, event) -> the types of webhook event it may tell, and how
_NOTICES: dict[tuple[str, str], tuple[tuple[EventType, ...], Notices]] = {
    ("ReceivableLedger", "PurchaseOriginated"): ((EventType.RECEIVABLE_ORIGINATED,), _originated),
    ("ReceivableLedger", "TransferSingle"): ((EventType.RECEIVABLE_TRANSFERRED,), _transferred),
    ("ReceivableLedger", "TransferBatch"): ((EventType.RECEIVABLE_TRANSFERRED,), _transferred),
    ("FinancingMarket", "OfferAccepted"): ((EventType.FINANCING_COMPLETED,), _financed),
    ("ReceivableLedger", "Repayment"): ((EventType.REPAYMENT_RECEIVED, EventType.CLAIM_AVAILABLE), _repaid),
    ("ReceivableLedger", "CreditNote"): ((EventType.CLAIM_AVAILABLE,), _credited),
    ("ReceivableLedger", "ReceivableDefaulted"): (
        (EventType.RECEIVABLE_DEFAULTED,),
        _about_receivable(EventType.RECEIVABLE_DEFAULTED, "outstanding"),
    ),
    ("ReceivableLedger", "DisputeOpened"): (
        (EventType.DISPUTE_OPENED,),
        _about_receivable(EventType.DISPUTE_OPENED, "reason"),
    ),
    ("ReceivableLedger", "DisputeClosed"): (
        (EventType.DISPUTE_CLOSED,),
        _about_receivable(EventType.DISPUTE_CLOSED, "upheld", "days_"),
    ),
}


def notify(session: Session, ev: DecodedEvent) -> None:
    """Writes what `ev` tells the endpoints that want it (after its projection was applied)."""
    found = _NOTICES.get((ev.contract, ev.name))
    if found is None or not any(outbox.wanted(session, t) for t in found[0]):
        return
    where = f"{ev.block_hash}/{ev.log_index}"
    chain = {"block_number": ev.block_number, "tx_hash": ev.tx_hash}  # where to find it on-chain
    for notice in found[1](session, ev):
        outbox.emit(session, replace(notice, data={**notice.data, **chain}), ev.chain_id, where, ev.block_number)
