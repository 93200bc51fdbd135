"""The whole story on the embedded chain, every amount checked to the base unit against numbers worked out
by hand from DESIGN §3 (the working is in the comments)."""

from __future__ import annotations

from scf_ledger.chain.client import Offer
from scf_ledger.domain.constants import MAX_UINT256, ZERO_ADDRESS
from scf_ledger.domain.enums import Status
from tests.utils.world import World, reverts, utc

SCALE = 10**27
P = 1_000_000_001  # 1,000.000001 sUSD in 3 installments: 333_333_333, 333_333_333, 333_333_335
FEE = 10_000_000  # (P * 100 + 5_000) // 10_000 = 10_000_000 (100_000_005_100 // 10_000)


def test_lifecycle_originate_split_finance_repay_late_default_recover_claim(world: World) -> None:
    s1, s2, s3 = world.suppliers
    f, obligor, platform = world.financier, world.obligor, world.platform

    # 1. Confirmed 31 Jan 2027 12:00 UTC: due dates clamp to 28 Feb, 31 Mar, 30 Apr.
    world.at(utc(2027, 1, 31, 12))
    purchase_id, receipt = world.originate(world.request(P, 3, fee_bps=100))
    (event,) = world.gw.ledger.events(receipt, "PurchaseOriginated")
    assert event["feePerInstallment"] == FEE
    assert event["firstDueDate"] == utc(2027, 2, 28)
    id0, id1, id2 = (purchase_id << 8) | 0, (purchase_id << 8) | 1, (purchase_id << 8) | 2
    assert [world.units(s1, i) for i in (id0, id1, id2)] == [333_333_333, 333_333_333, 333_333_335]
    assert [world.gw.ledger.call("receivable", i)[7] for i in (id0, id1, id2)] == [
        utc(2027, 2, 28),
        utc(2027, 3, 31),
        utc(2027, 4, 30),
    ]
    assert world.gw.ledger.call("exposureOf", obligor.address) == P

    # 2. Tier 1 -> tier 2 -> tier 3: split and transfer upstream.
    world.at(utc(2027, 2, 1))
    world.transfer(s1, s2, id0, 133_333_333)
    world.transfer(s2, s3, id0, 33_333_333)

    # 3. 10 Feb 00:00, 18 days before due: 100_000_000 units at 12 %/year ACT/360.
    #    discount = 100_000_000 * 1200 * (18 * 86_400) // (10_000 * 360 * 86_400) = 600_000.
    offer = Offer(f.address, id0, ZERO_ADDRESS, 1_200, 1, 150_000_000, utc(2027, 2, 15), nonce=1)
    signature = world.chain.sign_offer(f, offer)
    cash_before = world.cash(s1)
    world.at(utc(2027, 2, 10))
    receipt = world.gw.market.transact(s1, "acceptOffer", offer.as_tuple(), signature, id0, 100_000_000)
    (accepted,) = world.gw.market.events(receipt, "OfferAccepted")
    assert (accepted["value"], accepted["price"]) == (100_000_000, 99_400_000)
    assert world.cash(s1) - cash_before == 99_400_000
    assert [world.units(h, id0) for h in (s1, s2, s3, f)] == [
        100_000_000,
        100_000_000,
        33_333_333,
        100_000_000,
    ]
    assert world.gw.market.call("filledUnits", f.address, 1) == 100_000_000

    # 4. 20 Feb, on time: 100_000_000 pays the fee 10_000_000 first, then 90_000_000 of principal.
    #    paid per unit = 90_000_000 * 1e27 // 333_333_333 = 270000000270000000270000000 (scaled by 1e27).
    world.at(utc(2027, 2, 20))
    receipt = world.repay(id0, 100_000_000)
    (paid,) = world.gw.ledger.events(receipt, "Repayment")
    assert (paid["amount"], paid["toPenalty"], paid["toFee"], paid["toPrincipal"]) == (
        100_000_000,
        0,
        FEE,
        90_000_000,
    )
    assert world.gw.ledger.call("receivable", id0)[14] == 270000000270000000270000000
    assert world.gw.ledger.call("exposureOf", obligor.address) == P - 90_000_000
    assert [world.gw.ledger.call("claimable", id0, h.address) for h in (s1, s2, s3, f)] == [
        27_000_000,
        27_000_000,
        8_999_999,  # 33_333_333 * 0.27000000027 = 8_999_999.919
        27_000_000,
    ]
    assert world.claim(s3, id0) == 8_999_999

    # 5. 13 Mar 12:00, late: penalty from 3 Mar 00:00 (due + 3 days grace), 10 whole days at 5 bps/day on
    #    243_333_333 outstanding = 1_216_666; due now 1_216_666 + 243_333_333 = 244_549_999.
    world.at(utc(2027, 3, 13, 12))
    assert world.gw.ledger.call("amountDue", id0) == 244_549_999
    receipt = world.repay(id0, MAX_UINT256)
    (paid,) = world.gw.ledger.events(receipt, "Repayment")
    assert (paid["amount"], paid["toPenalty"], paid["toFee"], paid["toPrincipal"]) == (
        244_549_999,
        1_216_666,
        0,
        243_333_333,
    )
    assert world.gw.ledger.call("statusOf", id0) == Status.REPAID
    assert world.gw.ledger.call("exposureOf", obligor.address) == P - 333_333_333
    # Holders got 90_000_000 + 244_549_999 = 334_549_999 pro rata: 100_364_999 per 100M units,
    # 33_454_999 for 33_333_333 units; 3 units of rounding are left for the platform.
    assert world.claim(s1, id0) == 100_364_999
    assert world.claim(s2, id0) == 100_364_999
    assert world.claim(f, id0) == 100_364_999
    assert world.claim(s3, id0) == 33_454_999 - 8_999_999
    swept = world.gw.ledger.transact(platform, "sweepDust", id0, platform.address)
    (dust,) = world.gw.ledger.events(swept, "DustSwept")
    assert dust["amount"] == 3
    with reverts("InvalidStatus", id=id0, status=Status.REPAID):
        world.repay(id0, 1)

    # 6. id1 was due 31 Mar; it may default 90 days later, 29 Jun 00:00, not a second earlier.
    world.at(utc(2027, 6, 28, 23, 59, 59))
    with reverts("DefaultTooEarly", id=id1, defaultableAt=utc(2027, 6, 29)):
        world.gw.ledger.transact(platform, "markDefaulted", id1)
    world.at(utc(2027, 6, 29))
    receipt = world.gw.ledger.transact(platform, "markDefaulted", id1)
    # Penalty from 3 Apr to 29 Jun = 87 days on 343_333_333: 343_333_333 * 5 * 87 // 10_000 = 14_934_999.
    (defaulted,) = world.gw.ledger.events(receipt, "ReceivableDefaulted")
    assert defaulted["outstanding"] == 14_934_999 + 343_333_333
    assert world.gw.ledger.call("statusOf", id1) == Status.DEFAULTED
    assert world.gw.registry.call("participant", obligor.address)[1] is True  # frozen
    with reverts("NothingToClaim", id=id1, holder=s1.address):
        world.claim(s1, id1)

    # 7. Recovery on 15 Jul: no penalty accrued after the default; penalty, fee, then principal.
    world.at(utc(2027, 7, 15))
    receipt = world.repay(id1, 100_000_000)
    (paid,) = world.gw.ledger.events(receipt, "Repayment")
    assert (paid["toPenalty"], paid["toFee"], paid["toPrincipal"]) == (14_934_999, FEE, 75_065_001)
    assert world.claim(s1, id1) == 90_000_000  # the sole holder gets all 14_934_999 + 75_065_001
    assert world.gw.ledger.call("exposureOf", obligor.address) == P - 333_333_333 - 75_065_001
    with reverts("ObligorFrozen", obligor=obligor.address):
        world.originate(world.request(1_000, 1))

    # 8. Fees to the platform, and every base unit accounted for.
    receipt = world.gw.ledger.transact(platform, "withdrawFees", platform.address)
    (fees,) = world.gw.ledger.events(receipt, "FeesWithdrawn")
    assert fees["amount"] == 2 * FEE
    repaid = 100_000_000 + 244_549_999 + 100_000_000
    claimed = 8_999_999 + 3 * 100_364_999 + 24_455_000 + 90_000_000
    assert world.cash(world.chain.ledger.address) == repaid - claimed - 3 - 2 * FEE == 0
