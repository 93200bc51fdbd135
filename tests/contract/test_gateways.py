"""The typed gateways: Python verbs in, dataclasses out."""

from __future__ import annotations

from scf_ledger.chain.client import Offer
from scf_ledger.chain.gateways import Participant, reason_code
from scf_ledger.domain.constants import UNIT, ZERO_ADDRESS
from scf_ledger.domain.enums import Kind, Status
from tests.utils.world import World, reverts, utc


def test_gateways_walk_the_lifecycle(world: World) -> None:
    gw, s1, s2, f = world.gw, *world.suppliers[:2], world.financier
    request = world.request(3_000 * UNIT, 3, fee_bps=100)
    origination = gw.ledger.originate(world.platform, request, world.chain.sign_acknowledgement(world.obligor, request))
    assert origination.fee_per_installment == 30 * UNIT and len(origination.token_ids) == 3
    assert origination.first_due_date == utc(2027, 2, 28) and origination.tx.gas_used > 0
    first = origination.token_ids[0]
    info = gw.ledger.receivable(first)
    assert (info.face, info.fee, info.status, info.obligor) == (
        1_000 * UNIT,
        30 * UNIT,
        Status.ACTIVE,
        world.obligor.address,
    )

    assert gw.ledger.transfer(s1, s2.address, first, 100 * UNIT).block_number > 0
    offer = Offer(f.address, first, ZERO_ADDRESS, 0, 1, 500 * UNIT, utc(2027, 3, 1), nonce=9)
    sale = gw.market.accept_offer(s1, offer, world.chain.sign_offer(f, offer), first, 400 * UNIT)
    assert (sale.units, sale.value, sale.price) == (400 * UNIT, 400 * UNIT, 400 * UNIT)  # 0 % rate
    assert gw.market.filled_units(f.address, 9) == 400 * UNIT
    assert gw.market.quote(first, 10, 0) == 10

    world.at(utc(2027, 2, 20))
    paid = gw.ledger.repay(world.obligor, first, 530 * UNIT)
    assert (paid.taken, paid.to_fee, paid.to_principal, paid.repaid_in_full) == (
        530 * UNIT,
        30 * UNIT,
        500 * UNIT,
        False,
    )
    assert gw.ledger.claimable(first, f.address) == 200 * UNIT
    assert gw.ledger.claim(f, first) == 200 * UNIT
    assert gw.ledger.claim_many(s1, list(origination.token_ids)) == 250 * UNIT
    rest = gw.ledger.repay(world.obligor, first, gw.ledger.amount_due(first))
    assert rest.repaid_in_full and gw.ledger.status(first) is Status.REPAID
    assert gw.ledger.exposure(world.obligor.address) == 2_000 * UNIT
    assert gw.ledger.fees_accrued() == 30 * UNIT
    assert gw.ledger.withdraw_fees(world.platform, world.platform.address)[0] == 30 * UNIT

    world.at(utc(2027, 6, 30))
    assert gw.ledger.mark_defaulted(world.platform, origination.token_ids[1]).outstanding > 1_030 * UNIT
    assert gw.registry.participant(world.obligor.address).frozen


def test_registry_gateway(world: World) -> None:
    gw = world.gw
    gw.registry.register(world.platform, world.outsider.address, Kind.FINANCIER)
    gw.registry.set_blacklisted(world.platform, world.outsider.address, True, "SANCTIONS")
    assert gw.registry.participant(world.outsider.address) == Participant(Kind.FINANCIER, False, True, 0)
    gw.registry.set_credit_limit(world.platform, world.obligor2.address, 7, "VELOCITY")
    assert gw.registry.participant(world.obligor2.address).credit_limit == 7
    assert reason_code("DEFAULT") == b"DEFAULT" + b"\x00" * 25
    with reverts("NotAnObligor", account=world.outsider.address):
        gw.registry.set_credit_limit(world.platform, world.outsider.address, 1)
