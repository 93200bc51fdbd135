"""`scf reconcile`: the read model against the contracts' own views, at the last indexed block."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from scf_ledger.chain.errors import ContractRevert
from scf_ledger.chain.gateways import Gateways
from scf_ledger.domain import ledger, money
from scf_ledger.store.models import ChainMeta, HoldingRow, IndexedBlock, ParticipantRow, PurchaseRow, ReceivableRow


@dataclass(frozen=True)
class Difference:
    what: str
    key: str
    database: Any
    chain: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "key": self.key,
            "database": _text(self.database),
            "chain": _text(self.chain),
        }


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


@dataclass
class _Comparison:
    """The differences found so far, comparing at one block."""

    gw: Gateways
    block: int
    diffs: list[Difference] = field(default_factory=list)

    def check(self, what: str, key: str, database: Any, on_chain: Any) -> None:
        if database != on_chain:
            self.diffs.append(Difference(what, key, database, on_chain))


def reconcile(gw: Gateways, sessions: sessionmaker[Session]) -> list[Difference]:
    """Every difference between the database and the chain at the database's last indexed block."""
    with sessions() as session:
        meta = session.get(ChainMeta, 1)
        if meta is None:
            return [Difference("database", "chain_meta", "empty", "run `scf index` first")]
        block = meta.last_block
        stamp = session.get(IndexedBlock, block)
        purchases = session.scalar(select(func.count()).select_from(PurchaseRow)) or 0
        receivables = {r.token_id: r for r in session.scalars(select(ReceivableRow))}
        holdings = list(session.scalars(select(HoldingRow)))
        participants = list(session.scalars(select(ParticipantRow)))
    timestamp = stamp.timestamp if stamp and stamp.timestamp is not None else gw.ledger.chain.block_time(block)
    run = _Comparison(gw, block)
    # Completeness first: a read model that missed an origination would otherwise compare nothing.
    run.check("purchases", "count", purchases, gw.ledger.purchases(block=block))
    _receivables(run, receivables, timestamp)
    _holdings(run, holdings, receivables)
    _participants(run, participants)
    return run.diffs


def _receivables(run: _Comparison, receivables: dict[int, ReceivableRow], timestamp: int) -> None:
    for token_id, r in receivables.items():
        try:
            v = run.gw.ledger.receivable(token_id, block=run.block)
        except ContractRevert as exc:  # the chain does not know a receivable the database has
            run.diffs.append(Difference("receivable", str(token_id), "present", f"unknown ({exc.error})"))
            continue
        run.check("status", str(token_id), ledger.status_at(r, timestamp).name, v.status.name)
        run.check("paid", str(token_id), r.paid, v.principal_paid + v.fee_paid)
        run.check("fee_paid", str(token_id), r.fee_paid, v.fee_paid)
        run.check("credited", str(token_id), r.credited, v.principal_credited)
        run.check("fee_waived", str(token_id), r.fee_waived, v.fee_waived)
        run.check("dispute_days", str(token_id), r.dispute_days, v.dispute_days)
        run.check(
            "paid_per_unit", str(token_id), money.paid_per_unit_scaled(r.distributed, r.face), v.paid_per_unit_scaled
        )


def _holdings(run: _Comparison, holdings: list[HoldingRow], receivables: dict[int, ReceivableRow]) -> None:
    units_by_id: dict[int, int] = {}
    for h in holdings:
        key = f"{h.token_id}/{h.holder}"
        run.check("units", key, h.units, run.gw.ledger.balance(h.holder, h.token_id, block=run.block))
        on_chain = run.gw.ledger.claimable(h.token_id, h.holder, block=run.block)
        run.check("claimable", key, ledger.claimable(h, receivables[h.token_id]), on_chain)
        units_by_id[h.token_id] = units_by_id.get(h.token_id, 0) + h.units
    for token_id, r in receivables.items():
        run.check("supply", str(token_id), units_by_id.get(token_id, 0), r.face)


def _participants(run: _Comparison, participants: list[ParticipantRow]) -> None:
    for p in participants:
        on_chain = run.gw.registry.participant(p.address, block=run.block)
        run.check(
            "participant",
            p.address,
            (p.kind, p.frozen, p.blacklisted, p.credit_limit),
            (int(on_chain.kind), on_chain.frozen, on_chain.blacklisted, on_chain.credit_limit),
        )
        run.check("exposure", p.address, p.exposure, run.gw.ledger.exposure(p.address, block=run.block))
