"""Gas of each lifecycle operation, measured from real receipts (21,000 base gas included), per DESIGN §8."""

from __future__ import annotations

from collections.abc import Callable

from web3 import Web3

from scf_ledger.chain.client import Offer
from scf_ledger.chain.connection import dev_account
from scf_ledger.chain.deploy import deploy_data
from scf_ledger.chain.gateways import Gateway
from scf_ledger.chain.sender import Call
from scf_ledger.domain.constants import MAX_UINT256, UNIT, ZERO_ADDRESS
from scf_ledger.domain.enums import Kind
from scf_ledger.sandbox import World, create_world, utc

START = utc(2027, 1, 31, 12)


def _crowd(world: World, token_id: int, holders: int, progress: Callable[[str], None]) -> None:
    """Spreads one unit-lot of `token_id` to `holders - 1` new registered holders (the seller stays one),
    registrations and transfers each pipelined in one batch."""
    chain, seller = world.chain, world.suppliers[0]
    crowd = [dev_account(f"bench-holder-{i}").address for i in range(holders - 1)]
    registry, ledger = chain.registry, chain.ledger
    register = [
        Call(registry.address, registry.encode_abi("register", [a, int(Kind.SUPPLIER)]), "register") for a in crowd
    ]
    chain.sender.send_batch(world.platform, register)
    progress(f"{len(crowd)} holders registered")
    transfers = [
        Call(ledger.address, ledger.encode_abi("safeTransferFrom", [seller.address, a, token_id, 1, b""]), "transfer")
        for a in crowd
    ]
    chain.sender.send_batch(seller, transfers)
    progress(f"{len(crowd)} holders of id {token_id}")


def _corrections(world: World, ids: list[int]) -> dict[str, float]:
    """The platform's corrections, on a purchase of their own: a credit note, a dispute opened and closed, a
    refund of what is left."""
    platform, ledger = world.platform, world.gw.ledger
    world.gw.token.mint(platform, world.suppliers[0].address, 100_000 * UNIT)  # the originator's money
    return {
        "gas.credit_note": ledger.transact(platform, "creditNote", ids[2], 100 * UNIT, 0)["gasUsed"],
        "gas.dispute_open": ledger.transact(platform, "openDispute", ids[3], b"\x01" * 32)["gasUsed"],
        "gas.dispute_close": ledger.transact(platform, "closeDispute", ids[3], False, 0, 0)["gasUsed"],
        "gas.refund_12": ledger.transact(platform, "refund", ids[0] >> 8, MAX_UINT256)["gasUsed"],
    }


def measure_gas(w3: Web3, holders: int = 1_000, progress: Callable[[str], None] = lambda _: None) -> dict[str, float]:
    """Deploys a fresh system on `w3` and measures every operation of the lifecycle."""
    world = create_world(w3, start=START)
    s1, s2, f = world.suppliers[0], world.suppliers[1], world.financier
    world.at(START)
    earlier = world.buy(12_000 * UNIT, 12)  # the obligor already has exposure before the measured origination
    _, receipt = world.originate(world.request(12_000 * UNIT, 12))
    gas: dict[str, float] = {"gas.originate_per_installment": receipt["gasUsed"] / 12}
    # A face of 1_000_000_001 units does not divide the index scale, so claims leave a scaled residue as
    # they usually do; a face that divides it exactly would earn a storage refund and flatter one side.
    ids = world.buy(12_000 * UNIT + 12, 12)

    world.at(utc(2027, 2, 1))
    gas["gas.transfer"] = world.transfer(s1, s2, ids[0], 100 * UNIT)["gasUsed"]

    offer = Offer(f.address, ids[0], ZERO_ADDRESS, 1_200, 1, 500 * UNIT, utc(2027, 2, 20), nonce=1)
    signature = world.chain.sign_offer(f, offer)
    receipt = world.gw.market.transact(s1, "acceptOffer", offer.as_tuple(), signature, ids[0], 200 * UNIT)
    gas["gas.accept_offer"] = receipt["gasUsed"]

    world.at(utc(2027, 2, 10))
    # An earlier repayment elsewhere (the fee counter is not at zero), within its period like the measured ones.
    world.repay(earlier[0], 500 * UNIT)
    gas["gas.repay_first"] = world.repay(ids[0], 300 * UNIT)["gasUsed"]
    gas["gas.repay"] = world.repay(ids[0], 100 * UNIT)["gasUsed"]
    world.repay(earlier[1], 500 * UNIT)  # before its period: to principal, the purchase now `adjusted`
    gas["gas.repay_early"] = world.repay(earlier[1], 100 * UNIT)["gasUsed"]
    gas |= _corrections(world, earlier)
    world.claim(s1, earlier[0])  # an earlier claim elsewhere
    gas["gas.claim"] = world.gw.ledger.transact(s1, "claim", ids[0], s1.address)["gasUsed"]

    # Claim with 1 holder versus `holders` holders: same storage history, measured alike.
    # First installments of purchases of their own: repaid within their period, as the measured claim's was.
    alone, crowded = world.buy(12_000 * UNIT + 12, 12)[0], world.buy(12_000 * UNIT + 12, 12)[0]
    progress(f"spreading id {crowded} over {holders} holders")
    _crowd(world, crowded, holders, progress)
    for token_id in (alone, crowded):
        world.repay(token_id, 500 * UNIT)
    claim_alone = world.gw.ledger.transact(s1, "claim", alone, s1.address)["gasUsed"]
    claim_crowded = world.gw.ledger.transact(s1, "claim", crowded, s1.address)["gasUsed"]
    gas["gas.claim_1_holder"] = claim_alone
    gas[f"gas.claim_{holders}_holders"] = claim_crowded
    gas[f"gas.claim_ratio_{holders}_vs_1"] = round(claim_crowded / claim_alone, 4)
    gas |= _baseline(world)
    return gas


def _baseline(world: World) -> dict[str, float]:
    """The naive design (contracts/bench/NaiveReceivable721.sol) on the same chain, for comparison."""
    chain, platform = world.chain, world.platform
    artifact = chain.artifacts["NaiveReceivable721"]
    receipt = chain.sender.send(platform, Call("", deploy_data(artifact, [chain.token.address]), "deploy baseline"))
    naive = Gateway(chain, chain.w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi))
    s1, s2, obligor = world.suppliers[0], world.suppliers[1], world.obligor
    world.gw.token.approve(obligor, naive.address, MAX_UINT256)
    args = (obligor.address, s1.address, 12_000 * UNIT + 12, 12, 120 * UNIT)
    naive.transact(platform, "originate", *args, b"\x01" * 32)
    originated = naive.transact(platform, "originate", *args, b"\x02" * 32)
    first = 13
    transfer = naive.transact(s1, "transferFrom", s1.address, s2.address, first)
    naive.transact(obligor, "repay", first + 1, 500 * UNIT)  # an earlier repayment elsewhere
    repay_first = naive.transact(obligor, "repay", first, 300 * UNIT)
    repay = naive.transact(obligor, "repay", first, 100 * UNIT)
    return {
        "baseline721.originate_per_installment": originated["gasUsed"] / 12,
        "baseline721.transfer_whole_token": float(transfer["gasUsed"]),
        "baseline721.repay_first": float(repay_first["gasUsed"]),
        "baseline721.repay": float(repay["gasUsed"]),
    }
