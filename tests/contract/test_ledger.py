"""ReceivableLedger: every external function, every custom error by name and arguments, and the known
traps of the design (checkpoint before balance change, index rounding carry)."""

from __future__ import annotations

from dataclasses import replace

from eth_utils import keccak

from scf_ledger.domain.constants import MAX_UINT256, UNIT, ZERO_ADDRESS
from scf_ledger.domain.enums import Kind, Status
from tests.utils.world import World, reverts, utc

TERMS = (3, 5, 90, 30, 1_000)


# ORIGINATION


def test_originate_mints_one_id_per_installment_and_records_terms(world: World) -> None:
    request = world.request(1_200 * UNIT, 12, fee_bps=150)
    purchase_id, _ = world.originate(request)
    assert world.gw.ledger.call("nextPurchaseId") == purchase_id + 1
    assert world.gw.ledger.call("purchaseOfDocument", request.document_hash) == purchase_id
    stored = world.gw.ledger.call("purchase", purchase_id)
    assert stored[0] == world.obligor.address and stored[2] == 12
    assert stored[6] is False  # no credit, waiver or early payment yet
    assert stored[7] == world.suppliers[0].address and stored[8] == 0  # no installment in arrears
    assert stored[9] == 1_200 * UNIT and stored[10] == 18 * UNIT  # fee: 1_200 sUSD * 1.5 %
    balances = world.gw.ledger.call(
        "balanceOfBatch", [world.suppliers[0].address] * 12, [(purchase_id << 8) | i for i in range(12)]
    )
    assert balances == [100 * UNIT] * 12
    view = world.gw.ledger.call("receivable", purchase_id << 8)
    assert view[0:2] == (purchase_id, 0)
    assert view[4] == world.chain.token.address
    assert view[8] == request.document_hash
    assert world.gw.ledger.call("acknowledgementDigest", request.as_tuple()) != b"\x00" * 32


def test_originate_batch_is_all_or_nothing(world: World) -> None:
    requests = [world.request(300, 3), world.request(600, 6, obligor=world.obligor2)]
    signatures = [
        world.chain.sign_acknowledgement(world.obligor, requests[0]),
        world.chain.sign_acknowledgement(world.obligor2, requests[1]),
    ]
    tuples = [r.as_tuple() for r in requests]
    with reverts("LengthMismatch", left=2, right=1):
        world.gw.ledger.transact(world.platform, "originateBatch", tuples, signatures[:1])
    first = world.gw.ledger.call("nextPurchaseId")
    world.gw.ledger.transact(world.platform, "originateBatch", tuples, signatures)
    assert world.gw.ledger.call("nextPurchaseId") == first + 2
    assert world.units(world.suppliers[0], ((first + 1) << 8) | 5) == 100
    # One bad request (a reused document) rolls back the whole batch.
    again = [world.request(300, 3), replace(world.request(300, 3), document_hash=requests[0].document_hash)]
    sigs = [world.chain.sign_acknowledgement(world.obligor, r) for r in again]
    with reverts("DocumentAlreadyUsed", documentHash=requests[0].document_hash, purchaseId=first):
        world.gw.ledger.transact(world.platform, "originateBatch", [r.as_tuple() for r in again], sigs)
    assert world.gw.ledger.call("nextPurchaseId") == first + 2


def test_originate_refuses_bad_plans(world: World) -> None:
    with reverts("InvalidInstallmentCount", installments=2):
        world.originate(world.request(1_000, 2))
    with reverts("InvalidPrincipal", principal=2, installments=3):
        world.originate(world.request(2, 3))
    with reverts("InvalidPrincipal", principal=2**128, installments=1):
        world.originate(world.request(2**128, 1))
    with reverts("FeeTooHigh", feeBps=1_001, maxFeeBps=1_000):
        world.originate(world.request(1_000, 3, fee_bps=1_001))
    with reverts("ZeroDocumentHash"):
        world.originate(world.request(1_000, 3, document=b"\x00" * 32))


def test_originate_checks_the_acknowledgement(world: World) -> None:
    world.at(utc(2027, 2, 1))
    with reverts("AcknowledgementExpired", deadline=utc(2027, 1, 31), timestamp=utc(2027, 2, 1)):
        world.originate(world.request(1_000, 3, deadline=utc(2027, 1, 31)))
    with reverts("InvalidAcknowledgement", obligor=world.obligor.address):
        world.originate(world.request(1_000, 3), signer=world.obligor2)
    request = world.request(1_000, 3)
    signature = world.chain.sign_acknowledgement(world.obligor, request)
    tampered = replace(request, principal=999)
    with reverts("InvalidAcknowledgement", obligor=world.obligor.address):
        world.gw.ledger.transact(world.platform, "originate", tampered.as_tuple(), signature)


def test_originate_checks_parties_limit_freeze_blacklist(world: World) -> None:
    with reverts("NotAnObligor", account=world.suppliers[1].address):
        world.originate(world.request(1_000, 3, obligor=world.suppliers[1]), signer=world.suppliers[1])
    with reverts("NotASupplier", account=world.financier.address):
        world.originate(world.request(1_000, 3, supplier=world.financier))
    world.buy(60_000 * UNIT, 3)
    with reverts(
        "CreditLimitExceeded",
        obligor=world.obligor.address,
        exposure=60_000 * UNIT,
        principal=40_000 * UNIT + 1,
        limit=100_000 * UNIT,
    ):
        world.originate(world.request(40_000 * UNIT + 1, 1))
    world.originate(world.request(40_000 * UNIT, 1))  # exactly at the limit
    reason = keccak(text="FRAUD")
    world.gw.registry.transact(world.platform, "setBlacklisted", world.obligor2.address, True, reason)
    with reverts("ParticipantBlacklisted", account=world.obligor2.address):
        world.originate(world.request(1_000, 3, obligor=world.obligor2), signer=world.obligor2)
    world.gw.registry.transact(world.platform, "setBlacklisted", world.obligor2.address, False, reason)
    world.gw.registry.transact(world.platform, "setFrozen", world.obligor2.address, True, reason)
    with reverts("ObligorFrozen", obligor=world.obligor2.address):
        world.originate(world.request(1_000, 3, obligor=world.obligor2), signer=world.obligor2)
    originator = world.gw.ledger.call("ORIGINATOR_ROLE")
    with reverts("AccessControlUnauthorizedAccount", account=world.outsider.address, neededRole=originator):
        request = world.request(1_000, 3)
        world.gw.ledger.transact(
            world.outsider,
            "originate",
            request.as_tuple(),
            world.chain.sign_acknowledgement(world.obligor, request),
        )


def test_lowering_a_limit_forces_nothing_on_existing_receivables(world: World) -> None:
    ids = world.buy(3_000, 3)
    world.gw.registry.transact(world.platform, "setCreditLimit", world.obligor.address, 0, b"\x00" * 32)
    world.at(utc(2027, 2, 20))
    assert world.gw.ledger.transact(world.obligor, "repay", ids[0], 1_000)["status"] == 1
    world.transfer(world.suppliers[0], world.suppliers[1], ids[1], 10)


# TRANSFERS


def test_transfers_only_between_eligible_holders(world: World) -> None:
    ids = world.buy(3_000, 3)
    s1 = world.suppliers[0]
    with reverts("NotEligibleHolder", account=world.outsider.address):
        world.transfer(s1, world.outsider, ids[0], 1)
    world.gw.registry.transact(world.platform, "setBlacklisted", world.suppliers[1].address, True, b"\x00" * 32)
    with reverts("NotEligibleHolder", account=world.suppliers[1].address):
        world.transfer(s1, world.suppliers[1], ids[0], 1)
    world.gw.registry.transact(world.platform, "setBlacklisted", s1.address, True, b"\x00" * 32)
    with reverts("NotEligibleHolder", account=s1.address):
        world.transfer(s1, world.suppliers[2], ids[0], 1)
    with reverts("ERC1155InsufficientBalance", sender=world.suppliers[2].address, balance=0, needed=1, tokenId=ids[0]):
        world.transfer(world.suppliers[2], world.financier, ids[0], 1)


def test_batch_transfer_settles_every_id(world: World) -> None:
    ids = world.buy(3_000, 3)
    s1, s2 = world.suppliers[0], world.suppliers[1]
    world.at(utc(2027, 2, 20))
    world.repay(ids[0], 130)  # fee 30, then 100 principal to holders
    world.gw.ledger.transact(s1, "safeBatchTransferFrom", s1.address, s2.address, ids[:2], [500, 500], b"")
    assert world.gw.ledger.call("claimable", ids[0], s1.address) == 100
    assert world.gw.ledger.call("claimable", ids[0], s2.address) == 0


def test_new_holder_does_not_share_in_earlier_repayments(world: World) -> None:
    ids = world.buy(3_000, 3, fee_bps=0)
    s1, s2 = world.suppliers[0], world.suppliers[1]
    world.at(utc(2027, 2, 20))
    world.repay(ids[0], 400)
    world.transfer(s1, s2, ids[0], 500)  # half the units move after 400 was paid
    assert world.gw.ledger.call("claimable", ids[0], s2.address) == 0
    assert world.gw.ledger.call("claimable", ids[0], s1.address) == 400
    world.repay(ids[0], 200)  # now split 500/500
    assert world.gw.ledger.call("claimable", ids[0], s1.address) == 500
    assert world.gw.ledger.call("claimable", ids[0], s2.address) == 100


# REPAYMENT


def test_repay_takes_at_most_what_is_due_and_refuses_zero(world: World) -> None:
    ids = world.buy(3_000, 3, fee_bps=100)  # fee 30 per installment
    world.at(utc(2027, 2, 20))
    with reverts("ZeroAmount"):
        world.repay(ids[0], 0)
    with reverts("UnknownReceivable", id=ids[0] + 3):
        world.repay(ids[0] + 3, 1)
    with reverts("UnknownReceivable", id=999 << 8):
        world.repay(999 << 8, 1)
    assert world.gw.ledger.call("amountDue", ids[0]) == 1_030
    receipt = world.repay(ids[0], 5_000)
    (event,) = world.gw.ledger.events(receipt, "Repayment")
    assert event["amount"] == 1_030
    assert world.gw.ledger.call("statusOf", ids[0]) == Status.REPAID
    assert world.gw.ledger.call("feesAccrued") == 30


def test_penalty_accrues_lazily_by_whole_days_after_grace(world: World) -> None:
    ids = world.buy(3_000_000, 3, fee_bps=0)  # face 1_000_000, due 28 Feb 2027
    assert world.gw.ledger.call("statusOf", ids[0]) == Status.ACTIVE
    world.at(utc(2027, 3, 3, 23, 59, 59))  # grace ends 3 Mar 00:00; not a whole day yet
    assert world.gw.ledger.call("statusOf", ids[0]) == Status.OVERDUE
    receipt = world.gw.ledger.transact(world.outsider, "accruePenalty", ids[0])
    assert world.gw.ledger.events(receipt, "PenaltyAccrued") == []
    world.at(utc(2027, 3, 5, 6))  # 2 whole days: 1_000_000 * 5 * 2 // 10_000 = 1_000; 6 h carried
    receipt = world.gw.ledger.transact(world.outsider, "accruePenalty", ids[0])
    (event,) = world.gw.ledger.events(receipt, "PenaltyAccrued")
    assert (event["amount"], event["accruedUntil"]) == (1_000, utc(2027, 3, 5))
    world.at(utc(2027, 3, 6, 1))  # the carried 6 h + 19 h = one more whole day on 1_000_000
    assert world.gw.ledger.call("receivable", ids[0])[12] == 1_500
    receipt = world.repay(ids[0], 2_000)
    (paid,) = world.gw.ledger.events(receipt, "Repayment")
    assert (paid["toPenalty"], paid["toFee"], paid["toPrincipal"]) == (1_500, 0, 500)


def test_default_and_recovery_rules(world: World) -> None:
    ids = world.buy(3_000, 3)
    world.at(utc(2027, 5, 29))  # 90 days after 28 Feb
    with reverts("AccessControlUnauthorizedAccount"):
        world.gw.ledger.transact(world.outsider, "markDefaulted", ids[0])
    world.gw.ledger.transact(world.platform, "markDefaulted", ids[0])
    with reverts("InvalidStatus", id=ids[0], status=Status.DEFAULTED):
        world.gw.ledger.transact(world.platform, "markDefaulted", ids[0])
    penalty = world.gw.ledger.call("receivable", ids[0])[12]
    world.at(utc(2027, 9, 1))
    assert world.gw.ledger.call("receivable", ids[0])[12] == penalty  # stopped at default
    world.repay(ids[0], MAX_UINT256)  # full recovery: Defaulted -> Repaid, never Active
    assert world.gw.ledger.call("statusOf", ids[0]) == Status.REPAID


# CLAIMS, DUST, FEES


def test_claims_many_and_errors(world: World) -> None:
    ids = world.buy(3_000, 3, fee_bps=0)
    s1 = world.suppliers[0]
    with reverts("NothingToClaim", id=ids[0], holder=s1.address):
        world.claim(s1, ids[0])
    world.at(utc(2027, 2, 20))
    world.repay(ids[0], 100)
    world.repay(ids[1], 200)
    with reverts("ZeroAddress"):
        world.gw.ledger.transact(s1, "claim", ids[0], ZERO_ADDRESS)
    before = world.cash(world.suppliers[2])
    receipt = world.gw.ledger.transact(s1, "claimMany", [ids[0], ids[1], ids[2]], world.suppliers[2].address)
    assert [e["amount"] for e in world.gw.ledger.events(receipt, "Claimed")] == [100, 200]
    assert world.cash(world.suppliers[2]) - before == 300
    with reverts("ZeroAddress"):
        world.gw.ledger.transact(s1, "claimMany", [ids[0]], ZERO_ADDRESS)


def test_rounding_never_loses_a_tiny_repayment(world: World) -> None:
    # Two holders of 2**99 units each: one base unit is half a unit each, claimable by neither yet.
    face = 2**100
    s1, s2 = world.suppliers[0], world.suppliers[1]
    world.gw.registry.transact(world.platform, "setCreditLimit", world.obligor.address, 2**128 - 1, b"\x00" * 32)
    world.gw.token.transact(world.platform, "mint", world.obligor.address, face)
    (token_id,) = world.buy(face, 1, fee_bps=0)
    world.transfer(s1, s2, token_id, face // 2)
    world.at(utc(2027, 2, 10))
    world.repay(token_id, 1)
    assert world.gw.ledger.call("claimable", token_id, s1.address) == 0
    with reverts("NothingToClaim", id=token_id, holder=s2.address):
        world.claim(s2, token_id)
    world.repay(token_id, 1)  # the second unit completes both halves
    assert world.claim(s1, token_id) + world.claim(s2, token_id) == 2
    world.repay(token_id, MAX_UINT256)
    total = world.claim(s1, token_id) + world.claim(s2, token_id)
    swept = 0
    if world.cash(world.chain.ledger.address):
        receipt = world.gw.ledger.transact(world.platform, "sweepDust", token_id, world.platform.address)
        swept = world.gw.ledger.events(receipt, "DustSwept")[0]["amount"]
    assert total + 2 + swept == face  # every unit repaid reached a holder or the platform
    assert world.cash(world.chain.ledger.address) == 0


def test_sweep_and_fees_errors(world: World) -> None:
    ids = world.buy(3_000, 3, fee_bps=0)
    with reverts("InvalidStatus", id=ids[0], status=Status.ACTIVE):
        world.gw.ledger.transact(world.platform, "sweepDust", ids[0], world.platform.address)
    world.at(utc(2027, 2, 20))
    world.repay(ids[0], MAX_UINT256)
    world.claim(world.suppliers[0], ids[0])
    with reverts("NothingToSweep", id=ids[0]):
        world.gw.ledger.transact(world.platform, "sweepDust", ids[0], world.platform.address)
    with reverts("ZeroAddress"):
        world.gw.ledger.transact(world.platform, "sweepDust", ids[0], ZERO_ADDRESS)
    with reverts("ZeroAmount"):
        world.gw.ledger.transact(world.platform, "withdrawFees", world.platform.address)
    with reverts("ZeroAddress"):
        world.gw.ledger.transact(world.platform, "withdrawFees", ZERO_ADDRESS)


# ADMIN


def test_terms_pause_and_views(world: World) -> None:
    assert world.gw.ledger.call("terms") == TERMS
    with reverts("InvalidTerms"):
        world.gw.ledger.transact(world.platform, "setTerms", (90, 5, 90, 30, 1_000))
    with reverts("InvalidTerms"):
        world.gw.ledger.transact(world.platform, "setTerms", (3, 5, 90, 30, 10_001))
    receipt = world.gw.ledger.transact(world.platform, "setTerms", (5, 7, 60, 0, 500))
    assert tuple(world.gw.ledger.events(receipt, "TermsSet")[0]["terms"].values()) == (5, 7, 60, 0, 500)
    ids = world.buy(1_000, 1, fee_bps=100)  # interest-free days now 0: the fee applies
    assert world.gw.ledger.call("receivable", ids[0])[6] == 10
    obligor, status, _due, index, in_arrears = world.gw.ledger.call("financingTerms", ids[0])
    assert (obligor, status, index, in_arrears) == (world.obligor.address, Status.ACTIVE, 0, False)
    assert world.gw.ledger.call("supportsInterface", bytes.fromhex("d9b67a26"))  # ERC-1155
    assert world.gw.ledger.call("uri", ids[0]) == ""
    assert world.gw.ledger.call("isApprovedForAll", world.suppliers[0].address, world.chain.market.address)

    pauser = world.gw.ledger.call("PAUSER_ROLE")
    with reverts("AccessControlUnauthorizedAccount", account=world.outsider.address, neededRole=pauser):
        world.gw.ledger.transact(world.outsider, "pause")
    receipt = world.gw.ledger.transact(world.platform, "pause")
    assert world.gw.ledger.events(receipt, "Paused")[0]["account"] == world.platform.address
    assert world.gw.ledger.call("paused") is True
    with reverts("EnforcedPause"):
        world.gw.ledger.transact(world.platform, "pause")
    world.repay(ids[0], 1)  # repayment stays open: a pause never pushes an obligor into penalty or default
    for action in (
        lambda: world.transfer(world.suppliers[0], world.suppliers[1], ids[0], 1),
        lambda: world.originate(world.request(1_000, 3)),
        lambda: world.gw.ledger.transact(world.suppliers[0], "claim", ids[0], world.suppliers[0].address),
        lambda: world.gw.ledger.transact(world.outsider, "accruePenalty", ids[0]),
    ):
        with reverts("EnforcedPause"):
            action()
    world.gw.ledger.transact(world.platform, "unpause")
    assert world.gw.ledger.call("paused") is False
    with reverts("ExpectedPause"):
        world.gw.ledger.transact(world.platform, "unpause")
    world.repay(ids[0], 1)


def test_single_installment_within_interest_free_period_has_no_fee(world: World) -> None:
    world.at(utc(2027, 2, 1))  # 1 Feb -> 1 Mar is 28 days <= 30: fee-free
    (free,) = world.buy(1_000_000, 1, fee_bps=100)
    assert world.gw.ledger.call("receivable", free)[6] == 0
    world.at(utc(2027, 3, 1))  # 1 Mar -> 1 Apr is 31 days > 30: the fee applies
    (paid,) = world.buy(1_000_000, 1, fee_bps=100)
    assert world.gw.ledger.call("receivable", paid)[6] == 10_000


def test_registry_kind_check_uses_obligor_kind(world: World) -> None:
    world.gw.registry.transact(world.platform, "register", world.outsider.address, int(Kind.OBLIGOR))
    with reverts("CreditLimitExceeded", obligor=world.outsider.address, exposure=0, principal=1_000, limit=0):
        world.originate(world.request(1_000, 3, obligor=world.outsider), signer=world.outsider)


def test_transfers_settle_exact_shares_and_carry_residues(world: World) -> None:
    ids = world.buy(3_000, 3, fee_bps=0)  # face 1_000
    s1, s2, s3 = world.suppliers
    world.transfer(s1, s2, ids[0], 333)
    world.at(utc(2027, 2, 10))
    world.repay(ids[0], 100)  # s1: 667 * 100 / 1_000 = 66.7; s2: 33.3
    world.transfer(s1, s3, ids[0], 1)  # settles s1 at 66 units + 0.7 carried
    world.repay(ids[0], 100)  # s1: 666 * 0.1 + 0.7 = 67.3; s2: 33.3 + 0.3 = 33.6; s3: 0.1
    claimable = [world.gw.ledger.call("claimable", ids[0], h.address) for h in (s1, s2, s3)]
    assert claimable == [66 + 67, 33 + 33, 0]
    assert sum(claimable) == 199  # of 200: the last unit is spread as residues 0.3 + 0.6 + 0.1
