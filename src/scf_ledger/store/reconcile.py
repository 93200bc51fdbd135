"""`scf reconcile`: the read model against the contracts' own views, at the last indexed block."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from scf_ledger.chain.client import ScfChain, Status
from scf_ledger.domain import money
from scf_ledger.store.models import ChainMeta, HoldingRow, IndexedBlock, ParticipantRow, PurchaseRow, ReceivableRow


@dataclass(frozen=True)
class Difference:
    what: str
    key: str
    database: Any
    chain: Any

    def as_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in asdict(self).items()}


def expected_status(r: ReceivableRow, timestamp: int) -> Status:
    """The ledger's `statusOf`, from the read model."""
    if r.paid == r.face + r.fee:
        return Status.REPAID
    if r.defaulted:
        return Status.DEFAULTED
    return Status.OVERDUE if timestamp > r.due_date else Status.ACTIVE


def claimable_of(h: HoldingRow, r: ReceivableRow) -> int:
    units, _ = money.share_of(h.units, r.distributed - h.snapshot, h.residue, r.face)
    return h.accrued_units + units


def reconcile(chain: ScfChain, sessions: sessionmaker[Session]) -> list[Difference]:
    """Every difference between the database and the chain at the database's last indexed block."""
    diffs: list[Difference] = []
    with sessions() as session:
        meta = session.get(ChainMeta, 1)
        if meta is None:
            return [Difference("database", "chain_meta", "empty", "run `scf index` first")]
        block = meta.last_block
        stamp = session.get(IndexedBlock, block)
        timestamp = stamp.timestamp if stamp else None
        receivables = {r.token_id: r for r in session.scalars(select(ReceivableRow))}
        holdings = list(session.scalars(select(HoldingRow)))
        participants = list(session.scalars(select(ParticipantRow)))

    if timestamp is None:  # a block indexed from a receipt's hash alone: ask the node for its time
        timestamp = int(chain.sender.run(lambda: chain.w3.eth.get_block(block))["timestamp"])

    def view(contract: Any, fn: str, *args: Any) -> Any:
        function = contract.get_function_by_name(fn)(*args)
        return chain.sender.run(lambda: function.call(block_identifier=block))

    def check(what: str, key: str, database: Any, on_chain: Any) -> None:
        if database != on_chain:
            diffs.append(Difference(what, key, database, on_chain))

    # Completeness first: a read model that missed an origination would otherwise compare nothing.
    purchases_on_chain = view(chain.ledger, "nextPurchaseId") - 1
    with sessions() as session:
        purchases_in_db = session.scalar(select(func.count()).select_from(PurchaseRow)) or 0
    check("purchases", "count", purchases_in_db, purchases_on_chain)
    for token_id, r in receivables.items():
        try:
            v = view(chain.ledger, "receivable", token_id)
        except Exception as exc:  # the chain does not know a receivable the database has
            diffs.append(Difference("receivable", str(token_id), "present", f"unknown ({type(exc).__name__})"))
            continue
        check("status", str(token_id), expected_status(r, timestamp).name, Status(v[9]).name)
        check("paid", str(token_id), r.paid, v[10] + v[11])
        check("paid_per_unit", str(token_id), money.paid_per_unit_scaled(r.distributed, r.face), v[14])
    units_by_id: dict[int, int] = {}
    for h in holdings:
        key = f"{h.token_id}/{h.holder}"
        check("units", key, h.units, view(chain.ledger, "balanceOf", h.holder, h.token_id))
        check(
            "claimable",
            key,
            claimable_of(h, receivables[h.token_id]),
            view(chain.ledger, "claimable", h.token_id, h.holder),
        )
        units_by_id[h.token_id] = units_by_id.get(h.token_id, 0) + h.units
    for token_id, r in receivables.items():
        check("supply", str(token_id), units_by_id.get(token_id, 0), r.face)
    for p in participants:
        kind, frozen, blacklisted, limit = view(chain.registry, "participant", p.address)
        check(
            "participant",
            p.address,
            (p.kind, p.frozen, p.blacklisted, p.credit_limit),
            (kind, frozen, blacklisted, limit),
        )
        check("exposure", p.address, p.exposure, view(chain.ledger, "exposureOf", p.address))
    return diffs
