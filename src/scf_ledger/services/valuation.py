"""What the book is worth and what it may lose, as of any chain time since the deployment (DESIGN §12, §14):
each holding's NAV, each installment's stage, PD, LGD, EAD, ECL and mark, ECL by stage, the roll-forward of
ECL and the roll rates between two dates, and vintage curves. The chain's side comes from the read model
(replayed to the date when it is past, store/history.py); bands from the risk decisions and limit reviews made
by then; the rules from domain/valuation.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from scf_ledger.domain import ledger, money
from scf_ledger.domain import valuation as rules
from scf_ledger.domain.constants import SECONDS_PER_DAY
from scf_ledger.domain.enums import Role
from scf_ledger.domain.ids import split_receivable_id
from scf_ledger.domain.risk.config import Band
from scf_ledger.services import blocks
from scf_ledger.services.errors import Conflict, Forbidden, Invalid
from scf_ledger.services.types import Amount
from scf_ledger.store.history import state_at
from scf_ledger.store.models import (
    ChainEvent,
    CreditOrderRow,
    DefaultRow,
    FinancingRow,
    HoldingRow,
    LimitReviewRow,
    OfferRow,
    PurchaseRow,
    ReceivableRow,
    RiskDecisionRow,
)
from scf_ledger.store.reports import AGING_BUCKETS

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Party, Runtime

HOLDERS = (Role.SUPPLIER, Role.FINANCIER)


class HoldingValue(BaseModel):
    receivable_id: Amount
    holder: str
    units: Amount
    stage: int
    mark_bps: int
    rate_bps: int  # the rate it bought at, else the configured one
    nav: Amount


class NavReport(BaseModel):
    as_of: int
    nav: Amount  # Σ of the items: the caller's holdings, or the book's for the platform
    by_holder: dict[str, Amount]
    items: list[HoldingValue]


class InstallmentRisk(BaseModel):
    receivable_id: Amount
    obligor: str
    band: str
    stage: int
    days_past_due: int
    pd_ppm: int
    lgd_bps: int
    ead: Amount
    ecl: Amount
    mark_bps: int


class StageTotal(BaseModel):
    stage: int
    installments: int
    ead: Amount
    ecl: Amount


class EclReport(BaseModel):
    """The allowance: installments the write-off ladder has fully written off (its mark at 0) are out of it,
    their exposure given apart."""

    as_of: int
    ecl: Amount
    stages: list[StageTotal]
    written_off_ead: Amount
    items: list[InstallmentRisk]


class RollForwardRow(BaseModel):
    """One stage's ECL over the period: opening + new + transfers_in - transfers_out + remeasurement - repaid -
    written_off = closing."""

    stage: int
    opening: Amount
    new: Amount
    transfers_in: Amount
    transfers_out: Amount
    remeasurement: int  # may be negative
    repaid: Amount
    written_off: Amount
    closing: Amount


class RollForward(BaseModel):
    start: int
    end: int
    items: list[RollForwardRow]


@dataclass(frozen=True)
class Assessed:
    row: ReceivableRow
    band: str
    installment: rules.Installment
    risk: rules.Risk


@dataclass(frozen=True)
class Book:
    """The book as of one time: every installment not repaid, assessed, and the holdings of them."""

    as_of: int
    installments: dict[int, Assessed]
    holdings: list[HoldingRow]
    rates: dict[tuple[int, str], int]  # (id, holder) -> the rate its latest purchase of the id was at


def nav_report(rt: Runtime, party: Party, as_of: int | None) -> NavReport:
    """Each holding's NAV as of `as_of` (now by default): the platform sees the book, a holder its own."""
    if party.role != Role.PLATFORM and party.role not in HOLDERS:
        raise Forbidden("Forbidden", f"NAV is the platform's and the holders'; you are a {party.role}")
    book = _book(rt, as_of)
    policy_rate = rt.risk.config.valuation.rate_bps
    items = []
    for h in book.holdings:
        if party.role != Role.PLATFORM and h.holder != party.address:
            continue
        a = book.installments[h.token_id]
        rate = book.rates.get((h.token_id, h.holder), policy_rate)
        nav = rules.holding_nav(h.units, a.installment, a.risk, rate, book.as_of)
        items.append(
            HoldingValue(
                receivable_id=h.token_id,
                holder=h.holder,
                units=h.units,
                stage=a.risk.stage,
                mark_bps=a.risk.mark_bps,
                rate_bps=rate,
                nav=nav,
            )
        )
    by_holder: dict[str, int] = {}
    for item in items:
        by_holder[item.holder] = by_holder.get(item.holder, 0) + item.nav
    return NavReport(as_of=book.as_of, nav=sum(i.nav for i in items), by_holder=by_holder, items=items)


def ecl_report(rt: Runtime, as_of: int | None) -> EclReport:
    """Each installment's stage, PD, LGD, EAD and ECL as of `as_of`, and the totals by stage."""
    book = _book(rt, as_of)
    items = [_risk_row(a) for a in book.installments.values() if not _written_off(a)]
    written_off = sum(a.risk.ead for a in book.installments.values() if _written_off(a))
    stages = [
        StageTotal(
            stage=s,
            installments=sum(1 for i in items if i.stage == s),
            ead=sum(i.ead for i in items if i.stage == s),
            ecl=sum(i.ecl for i in items if i.stage == s),
        )
        for s in rules.Stage
    ]
    ecl = sum(s.ecl for s in stages)
    return EclReport(as_of=book.as_of, ecl=ecl, stages=stages, written_off_ead=written_off, items=items)


def _written_off(a: Assessed | None) -> bool:
    return a is not None and a.risk.mark_bps == 0


def roll_forward(rt: Runtime, start: int, end: int) -> RollForward:
    """ECL by stage from `start` to `end`: new installments, transfers between stages (at the opening amount),
    remeasurement, repaid and written off (the ladder's mark at 0)."""
    if end <= start:
        raise Invalid("Invalid period", f"to ({end}) must come after from ({start})")
    opening, closing = _book(rt, start), _book(rt, end)
    rows = {s: dict.fromkeys(RollForwardRow.model_fields, 0) | {"stage": int(s)} for s in rules.Stage}
    for token_id in opening.installments.keys() | closing.installments.keys():
        before, after = opening.installments.get(token_id), closing.installments.get(token_id)
        if _written_off(before) or (before is None and _written_off(after)):
            continue  # out of the allowance before the period, or in and out within it
        if before is not None:
            rows[before.risk.stage]["opening"] += before.risk.ecl
        if after is None:  # repaid since (terminal): derecognised
            assert before is not None
            rows[before.risk.stage]["repaid"] += before.risk.ecl
            continue
        if _written_off(after):  # out of the allowance at its opening amount
            assert before is not None
            rows[before.risk.stage]["written_off"] += before.risk.ecl
            continue
        stage = after.risk.stage
        rows[stage]["closing"] += after.risk.ecl
        if before is None:
            rows[stage]["new"] += after.risk.ecl
            continue
        if before.risk.stage != stage:
            rows[before.risk.stage]["transfers_out"] += before.risk.ecl
            rows[stage]["transfers_in"] += before.risk.ecl
        rows[stage]["remeasurement"] += after.risk.ecl - before.risk.ecl
    return RollForward(start=start, end=end, items=[RollForwardRow(**r) for r in rows.values()])


class RollRate(BaseModel):
    """Installments in `start` bucket at the period's start that were in `end` bucket at its end, and their
    unpaid principal at the start."""

    start: str
    end: str
    installments: int
    principal: Amount


class RollRates(BaseModel):
    start: int
    end: int
    buckets: list[str]
    items: list[RollRate]


class VintagePoint(BaseModel):
    vintage: str  # the month the purchases were originated, YYYY-MM
    months_on_book: int
    originated: Amount  # principal originated in the vintage
    defaulted: Amount  # principal defaulted by the end of that month on book (unpaid principal when marked)
    default_rate_ppm: int  # cumulative


class Vintages(BaseModel):
    as_of: int
    items: list[VintagePoint]


BUCKETS = (*(name for name, _ in AGING_BUCKETS), "defaulted", "repaid")


def _bucket(a: Assessed | None) -> str:
    if a is None:
        return "repaid"
    if a.installment.defaulted:
        return "defaulted"
    days = a.installment.days_past_due
    return next(name for name, upto in AGING_BUCKETS if upto is None or days <= upto)


def roll_rates(rt: Runtime, start: int, end: int) -> RollRates:
    """Where each installment outstanding at `start` was at `end`, by days-past-due bucket (with defaulted and
    repaid as buckets of their own)."""
    if end <= start:
        raise Invalid("Invalid period", f"to ({end}) must come after from ({start})")
    opening, closing = _book(rt, start), _book(rt, end)
    cells: dict[tuple[str, str], list[int]] = {}
    for token_id, before in opening.installments.items():
        cell = cells.setdefault((_bucket(before), _bucket(closing.installments.get(token_id))), [0, 0])
        cell[0] += 1
        cell[1] += before.installment.unpaid_principal
    items = [
        RollRate(start=a, end=b, installments=cells[(a, b)][0], principal=cells[(a, b)][1])
        for a in BUCKETS
        for b in BUCKETS
        if (a, b) in cells
    ]
    return RollRates(start=start, end=end, buckets=list(BUCKETS), items=items)


def vintages(rt: Runtime, as_of: int | None) -> Vintages:
    """Cumulative default rate by month of origination and months on book, up to `as_of`."""
    at = _book(rt, as_of).as_of  # checks the date
    with rt.sessions() as live:
        purchases = live.execute(select(PurchaseRow.purchase_id, PurchaseRow.principal, PurchaseRow.block_number))
        purchases = list(purchases.tuples())
        defaults = list(live.execute(select(DefaultRow.token_id, DefaultRow.block_number)).tuples())
        unpaid_at_default = _unpaid_at_default(live)
    mined = _block_times(rt, {b for _, _, b in purchases} | {b for _, b in defaults})
    vintage_of = {pid: _month(mined[block]) for pid, _, block in purchases if mined[block] <= at}
    originated: dict[str, int] = {}
    for pid, principal, _ in purchases:
        if pid in vintage_of:
            originated[vintage_of[pid]] = originated.get(vintage_of[pid], 0) + principal
    defaulted_in: dict[tuple[str, int], int] = {}
    for token_id, block in defaults:
        pid, _ = split_receivable_id(token_id)
        if pid not in vintage_of or mined[block] > at:
            continue
        months = _months_between(vintage_of[pid], _month(mined[block]))
        key = (vintage_of[pid], months)
        defaulted_in[key] = defaulted_in.get(key, 0) + unpaid_at_default.get(token_id, 0)
    items = []
    for vintage, total in sorted(originated.items()):
        cumulative = 0
        for months in range(_months_between(vintage, _month(at)) + 1):
            cumulative += defaulted_in.get((vintage, months), 0)
            rate = cumulative * rules.PPM // total if total else 0
            items.append(
                VintagePoint(
                    vintage=vintage,
                    months_on_book=months,
                    originated=total,
                    defaulted=cumulative,
                    default_rate_ppm=rate,
                )
            )
    return Vintages(as_of=at, items=items)


def _month(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m")


def _months_between(first: str, later: str) -> int:
    (y1, m1), (y2, m2) = (map(int, first.split("-")), map(int, later.split("-")))
    return (y2 - y1) * 12 + m2 - m1


def _unpaid_at_default(live: Session) -> dict[int, int]:
    """Unpaid principal of each defaulted installment (nothing is repaid after a default counts as defaulted)."""
    rows = live.scalars(select(ReceivableRow).where(ReceivableRow.defaulted.is_(True)))
    return {r.token_id: ledger.unpaid_principal(r) for r in rows}


def _block_times(rt: Runtime, numbers: set[int]) -> dict[int, int]:
    return {b: blocks.mined_at(rt, b) for b in numbers}


def _risk_row(a: Assessed) -> InstallmentRisk:
    r = a.risk
    return InstallmentRisk(
        receivable_id=a.row.token_id,
        obligor=a.row.obligor,
        band=a.band,
        stage=r.stage,
        days_past_due=a.installment.days_past_due,
        pd_ppm=r.pd_ppm,
        lgd_bps=r.lgd_bps,
        ead=r.ead,
        ecl=r.ecl,
        mark_bps=r.mark_bps,
    )


def _book(rt: Runtime, as_of: int | None) -> Book:
    now = rt.clock.now()
    at = now if as_of is None else as_of
    if at > now:
        raise Invalid("as_of in the future", f"as_of {at} is after the chain's time {now}")
    with rt.sessions() as live:
        if at >= now:
            return _assess(rt, live, live, at, None)
        block = blocks.last_block_at(rt, at)
        with state_at(live, rt.indexer.replayed, block) as past:
            return _assess(rt, live, past, at, block)


def _assess(rt: Runtime, live: Session, state: Session, at: int, block: int | None) -> Book:
    """The book in `state` (the chain's projections after `block`; None: the latest) assessed at `at`."""
    bands = rt.risk.config.scorecard.bands
    position = {b.name: i for i, b in enumerate(bands)}
    ladder = [rules.WriteOff(r.days, r.bps) for r in rt.risk.config.valuation.write_off]
    terms = terms_by_purchase(live, state)
    accrued_until = _penalty_points(live, block)
    at_origination, now_by_obligor = _bands_at(live, at)
    installments: dict[int, Assessed] = {}
    for r in state.scalars(select(ReceivableRow).order_by(ReceivableRow.token_id)):
        if ledger.is_repaid(r):
            continue
        worst = bands[-1].name  # an installment no decision of ours sized (originated on-chain): the worst band
        origin = at_origination.get(r.purchase_id, worst)
        current = now_by_obligor.get(r.obligor, origin)
        band = _band(bands, current)
        installment = rules.Installment(
            unpaid_principal=ledger.unpaid_principal(r),
            unpaid_fee=ledger.unpaid_fee(r),
            penalty_owed=_penalty_owed(r, terms[r.purchase_id], accrued_until.get(r.token_id), at),
            face=r.face,
            due_date=r.due_date,
            days_past_due=ledger.days_past_due(r, at),
            defaulted=r.defaulted,
            default_days=terms[r.purchase_id].default_days,
            band_now=position[current],
            band_at_origination=position[origin],
            pd_ppm=band.pd_ppm or 0,
            lgd_bps=band.lgd_bps,
        )
        installments[r.token_id] = Assessed(r, current, installment, rules.assess(installment, ladder, at))
    holdings = [
        h
        for h in state.scalars(select(HoldingRow).where(HoldingRow.units > 0).order_by(HoldingRow.token_id))
        if h.token_id in installments
    ]
    return Book(at, installments, holdings, _rates(state, live))


def _band(bands: list[Band], name: str) -> Band:
    band = next(b for b in bands if b.name == name)
    if band.pd_ppm is None:
        raise Conflict("No PD for the band", f"band {name} has no pd_ppm: refit the scorecard (scf risk fit)")
    return band


def _bands_at(live: Session, at: int) -> tuple[dict[int, str], dict[str, str]]:
    """The band of the decision that originated each purchase, and each obligor's latest band by `at` (from
    its orders' decisions and the scheduled reviews of its line)."""
    decided = live.execute(
        select(CreditOrderRow.purchase_id, CreditOrderRow.buyer, CreditOrderRow.at, RiskDecisionRow.band)
        .join(RiskDecisionRow, RiskDecisionRow.order_id == CreditOrderRow.id)
        .where(CreditOrderRow.at <= at)
        .order_by(CreditOrderRow.at, RiskDecisionRow.id)
    ).tuples()
    at_origination: dict[int, str] = {}
    latest: dict[str, tuple[int, str]] = {}
    for purchase_id, buyer, when, band in decided:
        if purchase_id is not None:
            at_origination[purchase_id] = band
        latest[buyer] = (when, band)
    reviews = live.execute(
        select(LimitReviewRow.obligor, LimitReviewRow.at, LimitReviewRow.band)
        .where(LimitReviewRow.at <= at)
        .order_by(LimitReviewRow.at, LimitReviewRow.id)
    ).tuples()
    for obligor, when, band in reviews:
        if obligor not in latest or latest[obligor][0] <= when:
            latest[obligor] = (when, band)
    return at_origination, {obligor: band for obligor, (_, band) in latest.items()}


@dataclass(frozen=True)
class PurchaseTerms:
    grace_days: int
    penalty_bps_per_day: int
    default_days: int


def terms_by_purchase(live: Session, state: Session) -> dict[int, PurchaseTerms]:
    """The terms of each purchase: those set last before it was originated (the ledger's constructor sets the
    first)."""
    terms = live.execute(
        select(ChainEvent.block_number, ChainEvent.args)
        .where(ChainEvent.name == "TermsSet")
        .order_by(ChainEvent.block_number, ChainEvent.log_index)
    ).all()
    out: dict[int, PurchaseTerms] = {}
    for purchase_id, block in state.execute(select(PurchaseRow.purchase_id, PurchaseRow.block_number)).tuples():
        (*_, args) = [args for number, args in terms if number <= block]
        t = args["terms"]
        fields = [t[k] for k in ("graceDays", "penaltyBpsPerDay", "defaultDays")] if isinstance(t, dict) else t[:3]
        out[purchase_id] = PurchaseTerms(*(int(v) for v in fields))
    return out


def _penalty_points(live: Session, block: int | None) -> dict[int, int]:
    """Where each installment's penalty was last accrued to on-chain (by `block`)."""
    query = select(ChainEvent.args).where(ChainEvent.name == "PenaltyAccrued")
    if block is not None:
        query = query.where(ChainEvent.block_number <= block)
    points: dict[int, int] = {}
    for (args,) in live.execute(query.order_by(ChainEvent.block_number, ChainEvent.log_index)):
        points[int(args["id"])] = int(args["accruedUntil"])
    return points


def _penalty_owed(r: ReceivableRow, terms: PurchaseTerms, accrued_until: int | None, at: int) -> int:
    """Penalty owed at `at`: what the ledger accrued, and the whole days since at the purchase's rate on what
    is outstanding (none while defaulted or disputed; the sub-unit remainder the ledger carries is left out,
    so this never counts more than the ledger will)."""
    owed = r.penalty_accrued - r.penalty_paid
    outstanding = ledger.owed(r)
    if r.defaulted or r.disputed_since is not None or outstanding == 0:
        return owed
    due = r.due_date + r.dispute_days * SECONDS_PER_DAY  # the clock the disputes moved
    pending = money.accrue_penalty(outstanding, terms.penalty_bps_per_day, due, terms.grace_days, accrued_until, at)
    return owed + pending.added


def _rates(state: Session, live: Session) -> dict[tuple[int, str], int]:
    """The rate each financier's latest purchase of an id was at (its offer's)."""
    offers = dict(
        ((f, n), r)
        for f, n, r in live.execute(select(OfferRow.financier, OfferRow.nonce, OfferRow.rate_bps)).tuples()
        if r is not None
    )
    rates: dict[tuple[int, str], int] = {}
    query = select(FinancingRow.token_id, FinancingRow.financier, FinancingRow.nonce).order_by(
        FinancingRow.block_number, FinancingRow.log_index
    )
    for token_id, financier, nonce in state.execute(query).tuples():
        if (financier, nonce) in offers:
            rates[(token_id, financier)] = offers[(financier, nonce)]
    return rates


class ValuationSummary(BaseModel):
    """What the dashboard shows of valuation: NAV to the platform and holders; ECL by stage, the last 30 days'
    roll rates and the vintages to the platform."""

    nav: NavReport | None = None
    ecl: EclReport | None = None
    roll_rates: RollRates | None = None
    vintages: Vintages | None = None


ROLL_RATE_DAYS = 30  # the dashboard's roll-rate period, ending now


def summary(rt: Runtime, party: Party) -> ValuationSummary:
    if party.role != Role.PLATFORM:
        return ValuationSummary(nav=nav_report(rt, party, None)) if party.role in HOLDERS else ValuationSummary()
    now = rt.clock.now()
    start = max(now - ROLL_RATE_DAYS * SECONDS_PER_DAY, blocks.deployed_at(rt))
    return ValuationSummary(
        nav=nav_report(rt, party, None),
        ecl=ecl_report(rt, None),
        roll_rates=roll_rates(rt, start, now) if start < now else None,
        vintages=vintages(rt, None),
    )


def installment_risk(rt: Runtime, token_id: int) -> InstallmentRisk | None:
    """The stage, PD, LGD, EAD, ECL and mark of one installment now; None once it is repaid."""
    assessed = _book(rt, None).installments.get(token_id)
    return None if assessed is None else _risk_row(assessed)
