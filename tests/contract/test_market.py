"""FinancingMarket: signed offers, atomic units-for-money, partial fills, cancel, every error, replay."""

from __future__ import annotations

from dataclasses import replace

from scf_ledger.chain.client import Offer, ScfChain
from scf_ledger.chain.deploy import deploy_data
from scf_ledger.domain.constants import MAX_UINT256, ZERO_ADDRESS
from scf_ledger.domain.enums import Status
from tests.utils.world import World, reverts, utc


def _offer(world: World, receivable: int = 0, obligor: str = ZERO_ADDRESS, **kw: int) -> Offer:
    base = Offer(world.financier.address, receivable, obligor, 1_200, 1, 1_000, utc(2027, 2, 27), nonce=7)
    return replace(base, **kw)


def _accept(world: World, offer: Offer, token_id: int, units: int, signature: bytes | None = None) -> dict:
    signature = signature or world.chain.sign_offer(world.financier, offer)
    receipt = world.gw.market.transact(world.suppliers[0], "acceptOffer", offer.as_tuple(), signature, token_id, units)
    (event,) = world.gw.market.events(receipt, "OfferAccepted")
    return dict(event)


def test_accept_swaps_units_for_the_discount_price(world: World) -> None:
    (token_id, *_) = world.buy(3_000, 3, fee_bps=0)  # face 1_000, due 28 Feb
    offer = _offer(world, receivable=token_id, rate_bps=3_600)
    world.at(utc(2027, 2, 18))  # 10 days early at 36 %/yr: 1 % discount
    # A call runs on the latest block, mined before the 18th: a little more than 10 days early, and the discount
    # rounds up (DESIGN §14), so 11 off; the sale below is mined on the 18th, exactly 10 days early.
    assert world.gw.market.call("quote", token_id, 1_000, 3_600) == 989
    digest = world.gw.market.call("offerDigest", offer.as_tuple())
    assert len(digest) == 32
    before = world.cash(world.suppliers[0])
    event = _accept(world, offer, token_id, 600)
    assert (event["units"], event["value"], event["price"]) == (600, 600, 594)
    assert world.cash(world.suppliers[0]) - before == 594
    assert world.units(world.financier, token_id) == 600
    # A second fill up to the offer's max, and then it is filled.
    _accept(world, offer, token_id, 400)
    assert world.gw.market.call("filledUnits", world.financier.address, 7) == 1_000
    with reverts("OfferFilled", financier=world.financier.address, nonce=7):
        _accept(world, offer, token_id, 1)


def test_seller_keeps_what_was_paid_before_the_sale(world: World) -> None:
    (token_id, *_) = world.buy(3_000, 3, fee_bps=0)
    world.at(utc(2027, 2, 10))
    world.repay(token_id, 100)  # 10 % of the face paid: index 0.1e27
    world.at(utc(2027, 2, 28))  # at maturity: no discount
    event = _accept(world, _offer(world, receivable=token_id, expiry=utc(2027, 3, 1)), token_id, 500)
    assert (event["value"], event["price"]) == (450, 450)
    assert world.gw.ledger.call("claimable", token_id, world.financier.address) == 0
    assert world.gw.ledger.call("claimable", token_id, world.suppliers[0].address) == 100


def test_obligor_level_offer(world: World) -> None:
    ids = world.buy(3_000, 3, fee_bps=0)
    other = world.buy(3_000, 3, fee_bps=0, obligor=world.obligor2)
    offer = _offer(world, obligor=world.obligor.address)
    world.at(utc(2027, 2, 20))
    _accept(world, offer, ids[2], 100)
    with reverts("OfferNotForReceivable", id=other[0]):
        _accept(world, offer, other[0], 100)
    with reverts("OfferNotForReceivable", id=ids[1]):
        _accept(world, _offer(world, receivable=ids[0], nonce=8), ids[1], 100)


def test_offer_errors(world: World) -> None:
    ids = world.buy(3_000, 3, fee_bps=0)
    world.at(utc(2027, 2, 20))
    with reverts("InvalidOfferTarget"):
        world.gw.market.call("offerDigest", _offer(world).as_tuple())
    with reverts("InvalidOfferTarget"):
        world.gw.market.call("offerDigest", _offer(world, receivable=ids[0], obligor=world.obligor.address).as_tuple())
    with reverts("OfferExpired", expiry=utc(2027, 2, 19), timestamp=utc(2027, 2, 20)):
        _accept(world, _offer(world, receivable=ids[0], expiry=utc(2027, 2, 19)), ids[0], 1)
    with reverts("UnitsOutOfRange", units=5, minUnits=10, available=1_000):
        _accept(world, _offer(world, receivable=ids[0], min_units=10), ids[0], 5)
    with reverts("UnitsOutOfRange", units=0, minUnits=0, available=1_000):
        _accept(world, _offer(world, receivable=ids[0], min_units=0), ids[0], 0)
    with reverts("UnitsOutOfRange", units=1_001, minUnits=1, available=1_000):
        _accept(world, _offer(world, receivable=ids[0]), ids[0], 1_001)
    offer = _offer(world, receivable=ids[0])
    forged = world.chain.sign_offer(world.suppliers[1], offer)
    with reverts("InvalidOfferSignature", financier=world.financier.address):
        _accept(world, offer, ids[0], 1, signature=forged)
    raised = replace(offer, rate_bps=1)  # the financier signed 12 %, not 0.01 %
    with reverts("InvalidOfferSignature", financier=world.financier.address):
        _accept(world, raised, ids[0], 1, signature=world.chain.sign_offer(world.financier, offer))
    supplier_offer = replace(offer, financier=world.suppliers[1].address)
    with reverts("NotAFinancier", account=world.suppliers[1].address):
        _accept(world, supplier_offer, ids[0], 1, signature=world.chain.sign_offer(world.suppliers[1], supplier_offer))


def test_cancel_kills_the_nonce_forever(world: World) -> None:
    ids = world.buy(3_000, 3, fee_bps=0)
    offer = _offer(world, receivable=ids[0])
    receipt = world.gw.market.transact(world.financier, "cancelOffer", 7)
    assert world.gw.market.events(receipt, "OfferCancelled")[0]["nonce"] == 7
    assert world.gw.market.call("filledUnits", world.financier.address, 7) == MAX_UINT256
    with reverts("OfferWasCancelled", financier=world.financier.address, nonce=7):
        _accept(world, offer, ids[0], 1)
    with reverts("OfferWasCancelled", financier=world.financier.address, nonce=7):
        world.gw.market.transact(world.financier, "cancelOffer", 7)


def test_only_active_receivables_are_financed(world: World) -> None:
    ids = world.buy(3_000, 3, fee_bps=0)
    offer = _offer(world, receivable=ids[0], expiry=utc(2028, 1, 1))
    world.at(utc(2027, 3, 1))
    with reverts("ReceivableNotActive", id=ids[0], status=Status.OVERDUE):
        _accept(world, offer, ids[0], 1)
    world.repay(ids[1], MAX_UINT256)
    with reverts("ReceivableNotActive", id=ids[1], status=Status.REPAID):
        _accept(world, replace(offer, receivable_id=ids[1]), ids[1], 1)
    world.at(utc(2027, 6, 1))
    world.gw.ledger.transact(world.platform, "markDefaulted", ids[0])
    with reverts("ReceivableNotActive", id=ids[0], status=Status.DEFAULTED):
        _accept(world, offer, ids[0], 1)


def test_seller_must_approve_and_market_pauses(world: World) -> None:
    ids = world.buy(3_000, 3, fee_bps=0)
    offer = _offer(world, receivable=ids[0])
    s1 = world.suppliers[0]
    world.gw.ledger.transact(s1, "setApprovalForAll", world.chain.market.address, False)
    with reverts("ERC1155MissingApprovalForAll", operator=world.chain.market.address, owner=s1.address):
        _accept(world, offer, ids[0], 1)
    world.gw.ledger.transact(s1, "setApprovalForAll", world.chain.market.address, True)
    world.gw.market.transact(world.platform, "pause")
    with reverts("EnforcedPause"):
        _accept(world, offer, ids[0], 1)
    world.gw.market.transact(world.platform, "unpause")
    _accept(world, offer, ids[0], 1)


def test_signature_for_another_market_is_refused(world: World) -> None:
    """The EIP-712 domain binds the verifying contract: an offer signed for one market is void on another."""
    ids = world.buy(3_000, 3, fee_bps=0)
    chain = world.chain
    args = [chain.token.address, chain.ledger.address, chain.registry.address, world.platform.address]
    from scf_ledger.chain.sender import Call

    receipt = chain.sender.send(world.platform, Call("", deploy_data(chain.artifacts["FinancingMarket"], args)))
    other = ScfChain(
        world.w3,
        replace(
            chain.deployment, addresses={**chain.deployment.addresses, "FinancingMarket": receipt["contractAddress"]}
        ),
        chain.artifacts,
    )
    offer = _offer(world, receivable=ids[0])
    signed_for_other = other.sign_offer(world.financier, offer)
    with reverts("InvalidOfferSignature", financier=world.financier.address):
        _accept(world, offer, ids[0], 1, signature=signed_for_other)
