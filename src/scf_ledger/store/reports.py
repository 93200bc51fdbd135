"""Portfolio reports from the read model: positions, aging, projected cash flows, lineage, credit lines and
risk decisions. What a party sees: a holder its units, an obligor its debts, the platform and gateway the book.
Each report row is a pydantic dataclass of ints: the API returns it as it is, amounts written as strings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic.dataclasses import dataclass
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scf_ledger.domain import ledger
from scf_ledger.domain.constants import BPS, ZERO_ADDRESS
from scf_ledger.domain.enums import Role, Status
from scf_ledger.domain.money import paid_per_unit_scaled, price_for_units, value_of_units
from scf_ledger.domain.types import Amount, TokenId, Uint
from scf_ledger.store.access import receivables_seen_by
from scf_ledger.store.models import (
    ChainEvent,
    ClaimRow,
    CreditOrderRow,
    DefaultRow,
    FinancingRow,
    HoldingRow,
    ParticipantRow,
    PurchaseRow,
    ReceivableRow,
    RepaymentRow,
    RiskDecisionRow,
    TransferRow,
)

AGING_BUCKETS = (("current", 0), ("1-30", 30), ("31-60", 60), ("61-90", 90), ("over 90", None))


@dataclass(frozen=True)
class Position:
    """One receivable as the caller sees it; amounts in settlement base units."""

    token_id: TokenId
    purchase_id: Uint
    installment: int
    obligor: str
    due_date: int
    status: str
    units: Amount  # held by the caller (the face for an obligor or the book)
    outstanding: Amount  # principal still to come to the caller (a holder), or still owed (obligor, book)
    value_today: Amount  # the outstanding discounted to now at the report's rate
    days_past_due: int


@dataclass(frozen=True)
class AgingBucket:
    bucket: str
    receivables: int
    outstanding: Amount


@dataclass(frozen=True)
class CashflowMonth:
    month: str  # YYYY-MM, or "overdue" / "defaulted"
    amount: Amount


@dataclass(frozen=True)
class CreditLine:
    obligor: str
    limit: Amount
    exposure: Amount
    utilisation_bps: int | None
    frozen: bool


@dataclass(frozen=True)
class DecisionSummary:
    order_id: str
    buyer: str
    principal: Amount
    outcome: str
    score: int
    band: str
    reason_codes: list[str]
    config_version: str


@dataclass(frozen=True)
class LineageStep:
    """One event of a receivable's life; the fields of its kind are set, the rest are None (and left out)."""

    kind: Literal[
        "origination",
        "mint",
        "transfer",
        "financing",
        "repayment",
        "claim",
        "default",
        "credit_note",
        "fee_waiver",
        "dispute_opened",
        "dispute_closed",
    ]
    tx_hash: str
    block: int
    obligor: str | None = None
    originator: str | None = None
    face: Amount | None = None
    fee: Amount | None = None
    due_date: int | None = None
    financier: str | None = None
    seller: str | None = None
    sender: str | None = None
    holder: str | None = None
    payer: str | None = None
    receiver: str | None = None
    units: Amount | None = None
    price: Amount | None = None
    value: Amount | None = None
    amount: Amount | None = None
    to_penalty: Amount | None = None
    to_fee: Amount | None = None
    to_principal: Amount | None = None
    credit: Amount | None = None  # a credit note's principal, paid in by the originator
    fee_waived: Amount | None = None
    reason: str | None = None  # a dispute's reason code
    upheld: bool | None = None
    days: int | None = None  # whole days a closed dispute moved the clocks by


# The ledger's corrections, read from the events as they came (rare: no table of their own).
CORRECTIONS = ("CreditNote", "FeeWaivedForEarlyRepayment", "DisputeOpened", "DisputeClosed")


def _correction(ev: ChainEvent) -> LineageStep:
    a = ev.args
    common = {"tx_hash": ev.tx_hash, "block": ev.block_number}
    if ev.name == "CreditNote":
        return LineageStep(
            "credit_note",
            originator=str(a["originator"]),
            credit=int(a["credit"]),
            fee_waived=int(a["feeWaived"]),
            **common,
        )
    if ev.name == "FeeWaivedForEarlyRepayment":
        return LineageStep("fee_waiver", fee_waived=int(a["fee"]), **common)
    if ev.name == "DisputeOpened":
        reason = bytes.fromhex(str(a["reason"])[2:]).rstrip(b"\0").decode("ascii", "replace")
        return LineageStep("dispute_opened", reason=reason, **common)
    return LineageStep("dispute_closed", upheld=bool(a["upheld"]), days=int(a["days_"]), **common)


def _corrections(session: Session, token_id: int) -> list[tuple[tuple[int, int, int], LineageStep]]:
    query = select(ChainEvent).where(ChainEvent.contract == "ReceivableLedger", ChainEvent.name.in_(CORRECTIONS))
    return [
        ((ev.block_number, ev.log_index, 0), _correction(ev))
        for ev in session.scalars(query)
        if int(str(ev.args["id"])) == token_id
    ]


def positions(session: Session, address: str, role: Role, now: int, rate_bps: int) -> list[Position]:
    """What the caller has: a holder its units, an obligor its debts, a gateway its obligors' book, the
    platform the whole book."""
    if role in (Role.PLATFORM, Role.GATEWAY, Role.OBLIGOR):
        query = select(ReceivableRow).where(receivables_seen_by(address, role)).order_by(ReceivableRow.token_id)
        return [_owed(r, now) for r in session.scalars(query)]
    query = (
        select(ReceivableRow, HoldingRow)
        .join(HoldingRow, HoldingRow.token_id == ReceivableRow.token_id)
        .where(HoldingRow.holder == address, HoldingRow.units > 0)
        .order_by(ReceivableRow.token_id)
    )
    return [_held(r, h.units, now, rate_bps) for r, h in session.execute(query).tuples()]


def _owed(r: ReceivableRow, now: int) -> Position:
    owed = ledger.owed(r)
    return _position(r, now, r.face, owed, owed)


def _held(r: ReceivableRow, units: int, now: int, rate_bps: int) -> Position:
    per_unit = paid_per_unit_scaled(r.distributed, r.face)
    value = price_for_units(units, per_unit, rate_bps, r.due_date, now)
    return _position(r, now, units, value_of_units(units, per_unit), value)


def _position(r: ReceivableRow, now: int, units: int, outstanding: int, value_today: int) -> Position:
    status = ledger.status_at(r, now).label
    days = ledger.days_past_due(r, now)
    return Position(
        r.token_id, r.purchase_id, r.installment, r.obligor, r.due_date, status, units, outstanding, value_today, days
    )


def aging(items: list[Position]) -> list[AgingBucket]:
    """Outstanding amounts by days past due; repaid positions are left out."""
    rows = {name: [0, 0] for name, _ in AGING_BUCKETS}
    for p in items:
        if p.outstanding == 0 or p.status == Status.REPAID.label:
            continue
        name = next(n for n, upto in AGING_BUCKETS if upto is None or p.days_past_due <= upto)
        rows[name][0] += 1
        rows[name][1] += p.outstanding
    return [AgingBucket(name, n, amount) for name, (n, amount) in rows.items()]


def cashflow(items: list[Position], now: int) -> list[CashflowMonth]:
    """Expected inflows (a holder) or outflows (an obligor) by month of the due date; what is already overdue
    and what has defaulted are listed apart rather than projected into a month."""
    months: dict[str, int] = {}
    overdue = defaulted = 0
    for p in items:
        if p.outstanding == 0:
            continue
        if p.status == Status.DEFAULTED.label:
            defaulted += p.outstanding
        elif p.due_date < now:
            overdue += p.outstanding
        else:
            month = datetime.fromtimestamp(p.due_date, UTC).strftime("%Y-%m")
            months[month] = months.get(month, 0) + p.outstanding
    rows = [CashflowMonth(m, a) for m, a in sorted(months.items())]
    return [CashflowMonth("overdue", overdue), *rows, CashflowMonth("defaulted", defaulted)]


def lineage(session: Session, token_id: int) -> list[LineageStep]:
    """Every event of one receivable in chain order: origination, transfers and splits, financing,
    repayments, credit notes, fee waivers, disputes, default and claims, each with its transaction hash and
    block."""
    receivable = session.get(ReceivableRow, token_id)
    if receivable is None:
        return []
    steps: list[tuple[tuple[int, int, int], LineageStep]] = []
    purchase = session.get(PurchaseRow, receivable.purchase_id)
    if purchase is not None:
        origination = LineageStep(
            "origination",
            purchase.tx_hash,
            purchase.block_number,
            obligor=purchase.obligor,
            originator=purchase.originator,
            face=receivable.face,
            fee=receivable.fee,
            due_date=receivable.due_date,
        )
        steps.append(((purchase.block_number, -1, 0), origination))

    def add(row: TransferRow | FinancingRow | RepaymentRow | ClaimRow | DefaultRow, step: LineageStep) -> None:
        steps.append(((row.block_number, row.log_index, getattr(row, "position", 0)), step))

    for t in session.scalars(select(TransferRow).where(TransferRow.token_id == token_id)):
        kind = "mint" if t.sender == ZERO_ADDRESS else "transfer"
        add(t, LineageStep(kind, t.tx_hash, t.block_number, sender=t.sender, receiver=t.receiver, units=t.units))
    for f in session.scalars(select(FinancingRow).where(FinancingRow.token_id == token_id)):
        fields = {"financier": f.financier, "seller": f.seller, "units": f.units, "price": f.price, "value": f.value}
        add(f, LineageStep("financing", f.tx_hash, f.block_number, **fields))
    for r in session.scalars(select(RepaymentRow).where(RepaymentRow.token_id == token_id)):
        split = {"to_penalty": r.to_penalty, "to_fee": r.to_fee, "to_principal": r.to_principal}
        add(r, LineageStep("repayment", r.tx_hash, r.block_number, payer=r.payer, amount=r.amount, **split))
    for c in session.scalars(select(ClaimRow).where(ClaimRow.token_id == token_id)):
        add(c, LineageStep("claim", c.tx_hash, c.block_number, holder=c.holder, receiver=c.receiver, amount=c.amount))
    for d in session.scalars(select(DefaultRow).where(DefaultRow.token_id == token_id)):
        add(d, LineageStep("default", d.tx_hash, d.block_number))
    steps += _corrections(session, token_id)
    return [step for _, step in sorted(steps, key=lambda s: s[0])]


def credit_lines(session: Session) -> list[CreditLine]:
    rows = session.scalars(
        select(ParticipantRow)
        .where(or_(ParticipantRow.credit_limit > 0, ParticipantRow.exposure > 0))
        .order_by(ParticipantRow.address)
    )
    return [
        CreditLine(
            p.address,
            p.credit_limit,
            p.exposure,
            p.exposure * BPS // p.credit_limit if p.credit_limit else None,
            p.frozen,
        )
        for p in rows
    ]


def risk_decisions(session: Session, limit: int = 50) -> list[DecisionSummary]:
    query = (
        select(RiskDecisionRow, CreditOrderRow)
        .join(CreditOrderRow, CreditOrderRow.id == RiskDecisionRow.order_id)
        .order_by(RiskDecisionRow.id.desc())
        .limit(limit)
    )
    return [
        DecisionSummary(
            d.order_id, o.buyer, o.principal, d.outcome, d.score, d.band, list(d.reason_codes), d.config_version
        )
        for d, o in session.execute(query).tuples()
    ]
