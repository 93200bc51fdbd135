"""Portfolio reports from the read model: positions, aging, projected cash flows, lineage, credit lines and
risk decisions. What a party sees: a holder its units, an obligor its debts, the platform and gateway the book."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scf_ledger.domain.constants import ZERO_ADDRESS
from scf_ledger.domain.ledger import status_at as expected_status
from scf_ledger.domain.money import paid_per_unit_scaled, price_for_units, value_of_units
from scf_ledger.store.models import (
    ChainEvent,
    ClaimRow,
    CreditOrderRow,
    FinancingRow,
    HoldingRow,
    ParticipantRow,
    PurchaseRow,
    ReceivableRow,
    RepaymentRow,
    RiskDecisionRow,
    TransferRow,
)

DAY = 86_400
SEES_BOOK = ("platform", "gateway")  # they see every receivable
AGING_BUCKETS = (("current", 0), ("1-30", 30), ("31-60", 60), ("61-90", 90), ("over 90", None))


@dataclass(frozen=True)
class Position:
    """One receivable as the caller sees it; amounts in settlement base units."""

    token_id: int
    purchase_id: int
    installment: int
    obligor: str
    due_date: int
    status: str
    units: int  # held by the caller (the face for an obligor or the book)
    outstanding: int  # principal still to come to the caller (a holder), or still owed (obligor, book)
    value_today: int  # the outstanding discounted to now at the report's rate
    days_past_due: int

    def as_dict(self) -> dict[str, Any]:
        return {
            k: str(v) if isinstance(v, int) and k not in ("installment", "due_date", "days_past_due") else v
            for k, v in asdict(self).items()
        }


def positions(session: Session, address: str, role: str, now: int, rate_bps: int) -> list[Position]:
    if role in SEES_BOOK or role == "obligor":
        query = select(ReceivableRow).order_by(ReceivableRow.token_id)
        if role == "obligor":
            query = query.where(ReceivableRow.obligor == address)
        return [_owed(r, now) for r in session.scalars(query)]
    query = (
        select(ReceivableRow, HoldingRow)
        .join(HoldingRow, HoldingRow.token_id == ReceivableRow.token_id)
        .where(HoldingRow.holder == address, HoldingRow.units > 0)
        .order_by(ReceivableRow.token_id)
    )
    return [_held(r, h.units, now, rate_bps) for r, h in session.execute(query).tuples()]


def _days_past_due(due: int, now: int) -> int:
    return max((now - due) // DAY, 0)


def _owed(r: ReceivableRow, now: int) -> Position:
    owed = r.face + r.fee - r.paid
    return _position(r, now, r.face, owed, owed)


def _held(r: ReceivableRow, units: int, now: int, rate_bps: int) -> Position:
    per_unit = paid_per_unit_scaled(r.distributed, r.face)
    value = price_for_units(units, per_unit, rate_bps, r.due_date, now)
    return _position(r, now, units, value_of_units(units, per_unit), value)


def _position(r: ReceivableRow, now: int, units: int, outstanding: int, value_today: int) -> Position:
    status = expected_status(r, now).name.lower()
    days = _days_past_due(r.due_date, now)
    return Position(
        r.token_id, r.purchase_id, r.installment, r.obligor, r.due_date, status, units, outstanding, value_today, days
    )


def aging(items: list[Position]) -> list[dict[str, Any]]:
    """Outstanding amounts by days past due; repaid positions are left out."""
    rows = {name: [0, 0] for name, _ in AGING_BUCKETS}
    for p in items:
        if p.outstanding == 0 or p.status == "repaid":
            continue
        name = next(n for n, upto in AGING_BUCKETS if upto is None or p.days_past_due <= upto)
        rows[name][0] += 1
        rows[name][1] += p.outstanding
    return [{"bucket": name, "receivables": n, "outstanding": str(amount)} for name, (n, amount) in rows.items()]


def cashflow(items: list[Position], now: int) -> list[dict[str, Any]]:
    """Expected inflows (a holder) or outflows (an obligor) by month of the due date; what is already overdue
    and what has defaulted are listed apart rather than projected into a month."""
    months: dict[str, int] = {}
    overdue = defaulted = 0
    for p in items:
        if p.outstanding == 0:
            continue
        if p.status == "defaulted":
            defaulted += p.outstanding
        elif p.due_date < now:
            overdue += p.outstanding
        else:
            month = datetime.fromtimestamp(p.due_date, UTC).strftime("%Y-%m")
            months[month] = months.get(month, 0) + p.outstanding
    rows = [{"month": m, "amount": str(a)} for m, a in sorted(months.items())]
    return [{"month": "overdue", "amount": str(overdue)}, *rows, {"month": "defaulted", "amount": str(defaulted)}]


def lineage(session: Session, token_id: int) -> list[dict[str, Any]]:
    """Every event of one receivable in chain order: origination, transfers and splits, financing,
    repayments, default and claims, each with its transaction hash and block."""
    steps: list[tuple[int, int, int, dict[str, Any]]] = []

    def add(row: Any, position: int, kind: str, **details: Any) -> None:
        fields = {k: str(v) if isinstance(v, int) else v for k, v in details.items()}
        steps.append(
            (
                row.block_number,
                row.log_index,
                position,
                {"kind": kind, "tx_hash": row.tx_hash, "block": row.block_number, **fields},
            )
        )

    receivable = session.get(ReceivableRow, token_id)
    if receivable is None:
        return []
    purchase = session.get(PurchaseRow, receivable.purchase_id)
    if purchase is not None:
        steps.append(
            (
                purchase.block_number,
                -1,
                0,
                {
                    "kind": "origination",
                    "tx_hash": purchase.tx_hash,
                    "block": purchase.block_number,
                    "obligor": purchase.obligor,
                    "originator": purchase.originator,
                    "face": str(receivable.face),
                    "fee": str(receivable.fee),
                    "due_date": receivable.due_date,
                },
            )
        )
    for t in session.scalars(select(TransferRow).where(TransferRow.token_id == token_id)):
        kind = "mint" if t.sender == ZERO_ADDRESS else "transfer"
        add(t, t.position, kind, sender=t.sender, receiver=t.receiver, units=t.units)
    for f in session.scalars(select(FinancingRow).where(FinancingRow.token_id == token_id)):
        add(f, 0, "financing", financier=f.financier, seller=f.seller, units=f.units, price=f.price, value=f.value)
    for r in session.scalars(select(RepaymentRow).where(RepaymentRow.token_id == token_id)):
        add(
            r,
            0,
            "repayment",
            payer=r.payer,
            amount=r.amount,
            to_penalty=r.to_penalty,
            to_fee=r.to_fee,
            to_principal=r.to_principal,
        )
    for c in session.scalars(select(ClaimRow).where(ClaimRow.token_id == token_id)):
        add(c, 0, "claim", holder=c.holder, receiver=c.receiver, amount=c.amount)
    defaults = select(ChainEvent).where(ChainEvent.name == "ReceivableDefaulted")
    for e in session.scalars(defaults):
        if int(e.args.get("id", -1)) == token_id:
            add(e, 0, "default")
    return [step for *_, step in sorted(steps, key=lambda s: s[:3])]


def credit_lines(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ParticipantRow)
        .where(or_(ParticipantRow.credit_limit > 0, ParticipantRow.exposure > 0))
        .order_by(ParticipantRow.address)
    )
    return [
        {
            "obligor": p.address,
            "limit": str(p.credit_limit),
            "exposure": str(p.exposure),
            "utilisation_bps": p.exposure * 10_000 // p.credit_limit if p.credit_limit else None,
            "frozen": p.frozen,
        }
        for p in rows
    ]


def risk_decisions(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    query = (
        select(RiskDecisionRow, CreditOrderRow)
        .join(CreditOrderRow, CreditOrderRow.id == RiskDecisionRow.order_id)
        .order_by(RiskDecisionRow.id.desc())
        .limit(limit)
    )
    return [
        {
            "order_id": d.order_id,
            "buyer": o.buyer,
            "principal": str(o.principal),
            "outcome": d.outcome,
            "score": d.score,
            "band": d.band,
            "reason_codes": list(d.reason_codes),
            "config_version": d.config_version,
        }
        for d, o in session.execute(query).tuples()
    ]
