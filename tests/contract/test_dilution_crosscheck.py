"""The Python rules of dilution, disputes and early repayment (domain/money.py) equal the contracts' on random
inputs (DESIGN §11, §14): a refund's credit notes latest first, the days a dispute moves the clocks by, and
what is owed before and within an installment's period."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scf_ledger.domain import money
from scf_ledger.domain.constants import MAX_UINT256, SECONDS_PER_DAY, UNIT
from scf_ledger.domain.ids import purchase_token_ids
from scf_ledger.sandbox import World

CHECK = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DAY = SECONDS_PER_DAY


def _purchase(world: World, principal: int, n: int, fee_bps: int) -> tuple[list[int], int]:
    """A purchase originated now (the obligor's line raised for it), its originator funded for any refund; its
    ids and confirmation time."""
    line = world.gw.ledger.exposure(world.obligor.address) + principal
    world.gw.registry.set_credit_limit(world.platform, world.obligor.address, line, "TEST")
    purchase_id, receipt = world.originate(world.request(principal, n, fee_bps))
    world.gw.token.mint(world.platform, world.suppliers[0].address, principal)
    return purchase_token_ids(purchase_id, n), world.chain.block_time(receipt["blockNumber"])


def _unpaid(world: World, token_id: int) -> tuple[int, int]:
    v = world.gw.ledger.receivable(token_id)
    return v.face - v.principal_paid - v.principal_credited, v.fee - v.fee_paid - v.fee_waived


@settings(CHECK, max_examples=5)  # a purchase of up to 24 installments each: the slowest of the three
@given(
    n=st.sampled_from(money.INSTALLMENT_COUNTS),
    principal=st.integers(24, 10**12),
    fee_bps=st.integers(0, 1_000),
    first_paid=st.floats(0, 1),
    share=st.floats(0, 1),
)
def test_a_refund_credits_what_the_python_rule_says(
    world: World, n: int, principal: int, fee_bps: int, first_paid: float, share: float
) -> None:
    ids, _ = _purchase(world, principal, n, fee_bps)
    paid = int(world.gw.ledger.amount_due(ids[0]) * first_paid)
    if paid:
        world.repay(ids[0], paid)
    unpaid = [_unpaid(world, i) for i in ids]
    amount = max(int(sum(p for p, _ in unpaid) * share), 1)
    expected = money.refund_credits(unpaid, amount)
    world.gw.ledger.transact(world.platform, "refund", ids[0] >> 8, amount)
    for token_id, (before, (credit, waiver)) in zip(ids, zip(unpaid, expected, strict=True), strict=True):
        v = world.gw.ledger.receivable(token_id)
        assert (v.principal_credited, v.fee_waived) == (credit, waiver)
        assert _unpaid(world, token_id) == (before[0] - credit, before[1] - waiver)


@CHECK
@given(opened=st.integers(-10 * DAY, 20 * DAY), lasted=st.integers(0, 60 * DAY))
def test_a_dispute_moves_the_clocks_by_the_python_days(world: World, opened: int, lasted: int) -> None:
    ids, _ = _purchase(world, 3_000 * UNIT, 3, 100)
    due = world.gw.ledger.receivable(ids[0]).due_date
    late_from = due + world.gw.ledger.terms().grace_days * DAY
    world.at(max(due + opened, world.chain.now() + 1))
    open_receipt = world.gw.ledger.transact(world.platform, "openDispute", ids[0], b"\x01" * 32)
    opened_at = world.chain.block_time(open_receipt["blockNumber"])
    world.at(opened_at + max(lasted, 1))
    close_receipt = world.gw.ledger.transact(world.platform, "closeDispute", ids[0], False, 0, 0)
    closed_at = world.chain.block_time(close_receipt["blockNumber"])
    days = int(world.gw.ledger.event(close_receipt, "DisputeClosed")["days_"])
    assert days == money.dispute_days(opened_at, late_from, closed_at)
    assert world.gw.ledger.receivable(ids[0]).dispute_days == days


@CHECK
@given(index=st.integers(1, 11), offset=st.integers(-3 * DAY, 3 * DAY))
def test_the_fee_is_owed_from_the_python_period_start(world: World, index: int, offset: int) -> None:
    ids, confirmed_at = _purchase(world, 12_000 * UNIT, 12, 100)
    starts = money.period_start(confirmed_at, index)
    world.at(max(starts + offset, world.chain.now() + 1))
    receipt = world.repay(ids[index], MAX_UINT256)
    at = world.chain.block_time(receipt["blockNumber"])
    allocation = world.gw.ledger.event(receipt, "Repayment")
    v = world.gw.ledger.receivable(ids[index])
    if at < starts:  # early: principal only, the fee waived
        assert (int(allocation["toFee"]), v.fee_waived) == (0, v.fee)
    else:
        assert (int(allocation["toFee"]), v.fee_waived) == (v.fee, 0)
    assert int(allocation["toPrincipal"]) == v.face
