"""`scf demo`: the whole story on a fresh embedded chain, narrated step by step, with a summary table."""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from web3.types import TxReceipt

from scf_ledger.chain.client import Offer
from scf_ledger.chain.connection import connect
from scf_ledger.config import Settings
from scf_ledger.domain.constants import MAX_UINT256, UNIT, ZERO_ADDRESS
from scf_ledger.domain.enums import EventType
from scf_ledger.domain.ids import purchase_token_ids
from scf_ledger.domain.money import format_units
from scf_ledger.domain.risk import (
    ApplicantProfile,
    BuyerHistory,
    GeoPoint,
    OrderRequest,
    PastOrder,
    RepaymentRecord,
    RiskEngine,
)
from scf_ledger.sandbox import World, create_world, utc
from scf_ledger.services import audit, controls, defaults, dilution, webhooks
from scf_ledger.services.models import (
    AuditFilters,
    CreditNoteCreate,
    DefaultCreate,
    DisputeCreate,
    PayoutCreate,
    ResolutionCreate,
)
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.services.webhooks import WebhookCreate
from scf_ledger.webhook_receiver import WebhookReceiver

START = utc(2027, 1, 31, 12)


money = format_units


@dataclass
class Story:
    world: World
    console: Console = field(default_factory=lambda: Console(quiet=True))
    gas: dict[str, int] = field(default_factory=dict)
    step_no: int = 0

    def step(self, text: str, gas_key: str | None = None, gas: int | None = None) -> None:
        self.step_no += 1
        suffix = f"  [dim]({gas:,} gas)[/dim]" if gas is not None else ""
        if gas_key and gas is not None:
            self.gas[gas_key] = gas
        self.console.print(f"[green]✓[/green] {self.step_no:>2}. {text}{suffix}")


def risk_steps(story: Story) -> None:
    """The risk engine on three orders: an approval, a decline with its reasons, a velocity freeze."""
    w = story.world
    engine = RiskEngine()
    now = START
    good = engine.decide(
        OrderRequest(w.obligor.address, 7_000 * UNIT, 12, now, "phone-1", GeoPoint(48.85, 2.35), login_hour=14),
        ApplicantProfile(
            age=41,
            monthly_income=8_000 * UNIT,
            employment_months=72,
            credit_history="paid_duly",
            savings="500_1000",
            housing="own",
            checking_account="ge_200",
        ),
        BuyerHistory(repayments=RepaymentRecord(on_time=10), limit=100_000 * UNIT),
    )
    story.step(
        f"Risk engine: a 7,000 sUSD order {good.outcome.value}d, score {good.score}, band {good.band}, "
        f"line {money(good.recommended_limit)} sUSD"
    )
    bad = engine.decide(
        OrderRequest(w.obligor2.address, 40_000 * UNIT, 3, now, "phone-9", login_hour=3),
        ApplicantProfile(age=19, monthly_income=300 * UNIT),
        BuyerHistory(repayments=RepaymentRecord(late=3, defaulted=1)),
    )
    story.step(
        f"Risk engine: 40,000 sUSD order {bad.outcome.value}d, score {bad.score}: {', '.join(bad.reason_codes[:4])}"
    )
    exposure = w.gw.ledger.exposure(w.obligor2.address)
    burst = BuyerHistory(
        orders=(PastOrder(60_000 * UNIT, now - 7_200), PastOrder(55_000 * UNIT, now - 3_600)),
        exposure=exposure,
        limit=100_000 * UNIT,
    )
    fast = engine.decide(OrderRequest(w.obligor2.address, 52_000 * UNIT, 3, now), ApplicantProfile(age=35), burst)
    assert fast.limit_action is not None
    w.gw.registry.set_credit_limit(w.platform, w.obligor2.address, fast.limit_action.limit, "VELOCITY")
    story.step(
        f"Risk engine: a 3rd large order within 24 h → {', '.join(fast.reason_codes[:1])}: line frozen at "
        f"{money(fast.limit_action.limit)} sUSD until +24 h"
    )


def tell_story(story: Story) -> dict[str, int]:
    """The lifecycle of one 12-installment purchase, from origination to recovery (used by tests too)."""
    w = story.world
    s1, s2, s3 = w.suppliers
    f = w.financier

    w.at(START)
    request = w.request(12_000 * UNIT, 12, fee_bps=100)
    purchase_id, receipt = w.originate(request)
    ids = purchase_token_ids(purchase_id, 12)
    story.step(
        f"Obligor's 12,000 sUSD purchase confirmed 31 Jan 2027: 12 installment tokens minted to tier-1 supplier "
        f"(fee {money(w.gw.ledger.receivable(ids[0]).fee)} per installment)",
        "originate_12",
        receipt["gasUsed"],
    )
    story.gas["originate_per_installment"] = receipt["gasUsed"] // 12

    w.at(utc(2027, 2, 1))
    r = w.transfer(s1, s2, ids[0], 400 * UNIT)
    story.step("Tier 1 splits 400 sUSD of installment 1 to its tier-2 supplier", "transfer", r["gasUsed"])
    w.transfer(s2, s3, ids[0], 150 * UNIT)
    story.step("Tier 2 passes 150 sUSD of it on to tier 3")

    offer = Offer(f.address, ids[0], ZERO_ADDRESS, 1_200, 1, 500 * UNIT, utc(2027, 2, 15), nonce=1)
    signature = w.chain.sign_offer(f, offer)
    w.at(utc(2027, 2, 10))
    sale = w.gw.market.accept_offer(s1, offer, signature, ids[0], 500 * UNIT)
    story.step(
        f"Financier buys 500 units of installment 1 at 12 %/yr, 18 days early: pays {money(sale.price)}",
        "accept_offer",
        sale.tx.gas_used,
    )

    w.at(utc(2027, 2, 20))
    r = w.repay(ids[0], 300 * UNIT)
    story.step(
        "Obligor repays 300 sUSD of installment 1 on time (fee first, then principal)", "repay_first", r["gasUsed"]
    )
    w.at(utc(2027, 2, 25))
    r = w.repay(ids[0], 100 * UNIT)
    story.step("...and another 100 sUSD", "repay", r["gasUsed"])
    with operator_desk(w) as (rt, desk):  # the platform's actions go through the service, as in production
        _the_rest_of_the_story(story, rt, desk, ids)
    return {"purchase_id": purchase_id}


def _the_rest_of_the_story(story: Story, rt: Runtime, desk: Party, ids: list[int]) -> None:
    """From the first credit note on: the platform's corrections and actions through the services."""
    w = story.world
    s1, s2, s3 = w.suppliers
    f = w.financier
    heard: list[dict[str, object]] = []
    receiver = _platform_webhook(rt, desk, heard.append)

    def at(timestamp: int) -> None:
        w.at(timestamp)
        rt.clock.forget()  # the story moved the chain's clock

    before = {name: w.gw.ledger.claimable(ids[0], a.address) for name, a in (("tier 2", s2), ("financier", f))}
    note = dilution.credit_note(rt, desk, ids[0], CreditNoteCreate(credit=str(50 * UNIT), reason="two boxes returned"))
    gained = {
        name: w.gw.ledger.claimable(ids[0], a.address) - before[name] for name, a in (("tier 2", s2), ("financier", f))
    }
    story.step(
        f"Two boxes returned: a 50 sUSD credit note on installment 1, paid in by tier 1 (the originator); "
        f"tier 2 gets {money(gained['tier 2'])}, the financier {money(gained['financier'])}; "
        f"the obligor owes {money(note.amount_due)}"
    )

    at(utc(2027, 3, 13, 12))
    paid = taken(w, w.repay(ids[0], MAX_UINT256))
    story.step(f"13 Mar, 10 days past grace: pays the rest with penalty, {money(paid)}; installment 1 Repaid")
    for holder in (s1, s2, s3, f):
        r = w.gw.ledger.transact(holder, "claim", ids[0], holder.address)
    story.step("Every holder of installment 1 claims its pro-rata share", "claim", r["gasUsed"])

    at(utc(2027, 4, 8))
    opened = dilution.open_dispute(
        rt, desk, ids[1], DisputeCreate(reason_code="DAMAGED_GOODS", notice_from="obligor", detail="one box broken")
    )
    at(utc(2027, 4, 18))
    closed = dilution.resolve(
        rt, desk, opened.id, ResolutionCreate(outcome="rejected", reason="the carrier's photos show it intact")
    )
    at(utc(2027, 4, 20))
    paid = taken(w, w.repay(ids[1], MAX_UINT256))
    story.step(
        f"Installment 2 disputed 8-18 Apr and the dispute rejected: its penalty skips the {closed.days} disputed "
        f"days; repaid in full on 20 Apr, {money(paid)}"
    )
    principal = w.gw.ledger.amount_due(ids[3])  # before its period: the principal only
    early = w.repay(ids[3], MAX_UINT256)
    story.step(
        f"Installment 4 repaid in full on 20 Apr, before its period starts: {money(principal)} of principal, "
        f"its fee of {money(w.gw.ledger.receivable(ids[3]).fee)} not owed",
        "repay_early",
        early["gasUsed"],
    )

    at(utc(2027, 7, 29))
    default = defaults.mark_default(rt, desk, ids[2], DefaultCreate(reason="90 days overdue"))
    story.step(
        f"Installment 3 is 90 days overdue: the platform marks it Defaulted ({money(default.outstanding)} "
        "outstanding), the obligor's line frozen"
    )
    at(utc(2027, 8, 10))
    w.repay(ids[2], 200 * UNIT)
    w.gw.ledger.claim(s1, ids[2])
    story.step("A 200 sUSD recovery reaches the holder pro rata")
    payout = controls.withdraw_fees(rt, desk, PayoutCreate())
    actions = sorted({r.action for r in audit.page(rt, AuditFilters()).items})
    story.step(f"Platform withdraws its fees, {money(payout.amount)} sUSD; the audit log has {', '.join(actions)}")
    _deliver_all(rt)
    receiver.close()
    told = Counter(str(e["type"]) for e in heard)
    story.step(
        f"The platform's webhook endpoint, a receiver on loopback, was told {len(heard)} events since the credit "
        f"note, each signature verified ({receiver.refused} refused): "
        + ", ".join(f"{n} {kind}" for kind, n in sorted(told.items()))
    )


def _platform_webhook(rt: Runtime, desk: Party, on_event: Callable[[dict[str, Any]], None]) -> WebhookReceiver:
    """A receiver on loopback for a platform endpoint subscribed to every event type."""
    receiver = WebhookReceiver("whsec_" + "A" * 44, on_event)  # the secret is set below, once it is known
    created = webhooks.register(rt, desk, WebhookCreate(url=receiver.url, event_types=list(EventType)))
    receiver.secret = created.secret
    return receiver


def _deliver_all(rt: Runtime, timeout: float = 30) -> None:
    """Indexes to the head (the story wrote to the chain directly too) and sends every delivery."""
    rt.sync()
    dispatcher = webhooks.Dispatcher(rt)
    try:
        deadline = time.monotonic() + timeout
        while webhooks.pending_deliveries(rt) and time.monotonic() < deadline:
            dispatcher.tick()
            time.sleep(0.05)
    finally:
        dispatcher.stop()


def taken(w: World, receipt: TxReceipt) -> int:
    """What a repayment took, from its Repayment event."""
    return int(w.gw.ledger.event(receipt, "Repayment")["amount"])


@contextmanager
def operator_desk(w: World) -> Iterator[tuple[Runtime, Party]]:
    """The service over the story's chain (its own throwaway database), and the platform as its caller."""
    with tempfile.TemporaryDirectory(prefix="scf-demo-") as tmp:
        rt = Runtime.attach(Settings(), w.chain, w.platform, f"sqlite:///{Path(tmp) / 'scf.sqlite'}")
        try:
            party = rt.party_of_address(w.platform.address)
            assert party is not None
            yield rt, party
        finally:
            rt.close()


def _parties(w: World) -> dict[str, str]:
    return {
        "buyer": w.obligor.address,
        "tier 1": w.suppliers[0].address,
        "tier 2": w.suppliers[1].address,
        "tier 3": w.suppliers[2].address,
        "financier": w.financier.address,
        "platform": w.platform.address,
        "ledger": w.chain.ledger.address,
    }


def _summary(console: Console, w: World, purchase_id: int, cash_before: dict[str, int]) -> dict[str, object]:
    ids = purchase_token_ids(purchase_id, 12)
    table = Table(title="Money in and out (sUSD); platform = fees, ledger = not yet claimed")
    for col in ("party", "before", "after", "in/out", "units held", "claimable"):
        table.add_column(col, justify="left" if col == "party" else "right")
    rows, total = [], 0
    for name, address in _parties(w).items():
        before, after = cash_before[name], w.gw.token.balance_of(address)
        units = sum(w.gw.ledger.balance(address, i) for i in ids)
        claimable = sum(w.gw.ledger.claimable(i, address) for i in ids)
        total += after - before
        table.add_row(name, money(before), money(after), money(after - before), money(units), money(claimable))
        rows.append(
            {
                "party": name,
                "before": str(before),
                "after": str(after),
                "units": str(units),
                "claimable": str(claimable),
            }
        )
    table.add_row("[bold]total[/bold]", "", "", f"[bold]{money(total)}[/bold]", "", "")
    receivables = Table(title=f"Purchase {purchase_id}: installments")
    for col in ("id", "due", "face", "paid", "penalty owed", "status"):
        receivables.add_column(col, justify="right")
    statuses = []
    for i in ids[:4]:
        v = w.gw.ledger.receivable(i)
        due = time.strftime("%Y-%m-%d", time.gmtime(v.due_date))
        receivables.add_row(
            str(i), due, money(v.face), money(v.principal_paid + v.fee_paid), money(v.penalty_owed), v.status.name
        )
        statuses.append({"id": str(i), "due": due, "face": str(v.face), "status": v.status.name})
    receivables.add_row("…", "", "", "", "", f"{len(ids) - 4} more")
    console.print(receivables)
    console.print(table)
    exposure = w.gw.ledger.exposure(w.obligor.address)
    console.print(f"Obligor exposure now {money(exposure)} sUSD; money moved between parties sums to {money(total)}")
    return {"parties": rows, "receivables": statuses, "exposure": str(exposure), "net_change": str(total)}


def run_demo(json_out: bool = False) -> int:
    console = Console(stderr=json_out)
    console.print("[bold]scf-ledger demo[/bold]: deploying on a fresh embedded chain…")
    began = time.perf_counter()
    world = create_world(connect(), start=START)
    story = Story(world, console)
    story.step(f"Contracts deployed on chain {world.chain.deployment.chain_id}; 8 parties registered and funded")
    cash_before = {name: world.gw.token.balance_of(address) for name, address in _parties(world).items()}
    risk_steps(story)
    facts = tell_story(story)
    summary = _summary(console, world, facts["purchase_id"], cash_before)
    table = Table(title="Gas")
    table.add_column("operation")
    table.add_column("gas", justify="right")
    for key, value in story.gas.items():
        table.add_row(key, f"{value:,}")
    console.print(table)
    console.print(f"done in {time.perf_counter() - began:.1f} s")
    if json_out:
        print(json.dumps({"gas": story.gas, **summary}, indent=2))
    return 0
