"""Gas as a design goal: origination per installment within budget, and repay/claim independent of the
number of holders (no loops over holders). Absolute figures are reported by `scf bench`; these tests
assert the budget and the equality."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount

from scf_ledger.chain.connection import dev_account, fund_gas
from scf_ledger.domain.enums import Kind
from tests.utils.world import World, utc

ORIGINATION_BUDGET_PER_INSTALLMENT = 55_000


def test_twelve_installments_within_budget_for_an_obligor_with_exposure(world: World) -> None:
    world.buy(1_200_000, 12)  # the obligor already has exposure before the measured purchase
    _, receipt = world.originate(world.request(1_200_000, 12))
    assert receipt["gasUsed"] / 12 <= ORIGINATION_BUDGET_PER_INSTALLMENT


def _holders(world: World, count: int) -> list[LocalAccount]:
    accounts = [dev_account(f"holder-{i}") for i in range(count)]
    for account in accounts:
        world.chain.sender.run(lambda a=account: fund_gas(world.w3, a.address, 10**18))
        world.gw.registry.transact(world.platform, "register", account.address, int(Kind.SUPPLIER))
    return accounts


def test_repay_and_claim_cost_the_same_with_one_or_many_holders(world: World) -> None:
    s1 = world.suppliers[0]
    # The first installment of three purchases: same due date, so the same date arithmetic.
    warm, alone, crowded = (world.buy(3_000_000, 3, fee_bps=0)[0] for _ in range(3))
    for holder in _holders(world, 30):
        world.transfer(s1, holder, crowded, 1_000)
    world.at(utc(2027, 2, 10))
    # Same storage history for both ids: one earlier repayment, then the measured one.
    for token_id in (warm, alone, crowded):
        world.repay(token_id, 1_000)
    repay_alone = world.repay(alone, 1_000)["gasUsed"]
    repay_crowded = world.repay(crowded, 1_000)["gasUsed"]
    assert repay_alone == repay_crowded

    world.claim(s1, warm)  # s1's cash balance is non-zero before both measured claims
    claim_alone = world.gw.ledger.transact(s1, "claim", alone, s1.address)["gasUsed"]
    claim_crowded = world.gw.ledger.transact(s1, "claim", crowded, s1.address)["gasUsed"]
    assert claim_alone == claim_crowded
