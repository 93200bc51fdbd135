"""ParticipantRegistry: every function and every error, by name and arguments."""

from __future__ import annotations

from eth_utils import keccak

from scf_ledger.domain.constants import ZERO_ADDRESS
from scf_ledger.domain.enums import Kind
from tests.utils.world import World, reverts

REASON = keccak(text="VELOCITY")


def test_register_records_kind_and_emits(world: World) -> None:
    receipt = world.gw.registry.transact(world.platform, "register", world.outsider.address, int(Kind.SUPPLIER))
    (event,) = world.gw.registry.events(receipt, "ParticipantRegistered")
    assert event["account"] == world.outsider.address and event["kind"] == Kind.SUPPLIER
    assert world.gw.registry.call("participant", world.outsider.address) == (Kind.SUPPLIER, False, False, 0)
    assert world.gw.registry.call("isEligibleHolder", world.outsider.address)


def test_register_refuses_zero_none_and_duplicates(world: World) -> None:
    with reverts("ZeroAddress"):
        world.gw.registry.transact(world.platform, "register", ZERO_ADDRESS, int(Kind.SUPPLIER))
    with reverts("InvalidKind", kind=0):
        world.gw.registry.transact(world.platform, "register", world.outsider.address, int(Kind.NONE))
    with reverts("AlreadyRegistered", account=world.obligor.address, kind=int(Kind.OBLIGOR)):
        world.gw.registry.transact(world.platform, "register", world.obligor.address, int(Kind.SUPPLIER))


def test_only_roles_may_write(world: World) -> None:
    role = world.gw.registry.call("REGISTRAR_ROLE")
    with reverts("AccessControlUnauthorizedAccount", account=world.outsider.address, neededRole=role):
        world.gw.registry.transact(world.outsider, "register", world.outsider.address, int(Kind.SUPPLIER))
    risk = world.gw.registry.call("RISK_ROLE")
    with reverts("AccessControlUnauthorizedAccount", account=world.outsider.address, neededRole=risk):
        world.gw.registry.transact(world.outsider, "setCreditLimit", world.obligor.address, 1, REASON)


def test_credit_limit_only_for_obligors(world: World) -> None:
    receipt = world.gw.registry.transact(world.platform, "setCreditLimit", world.obligor.address, 5_000, REASON)
    (event,) = world.gw.registry.events(receipt, "CreditLimitSet")
    assert (event["newLimit"], event["reason"]) == (5_000, REASON)
    assert world.gw.registry.call("participant", world.obligor.address)[3] == 5_000
    with reverts("NotAnObligor", account=world.suppliers[0].address):
        world.gw.registry.transact(world.platform, "setCreditLimit", world.suppliers[0].address, 1, REASON)


def test_freeze_and_blacklist(world: World) -> None:
    receipt = world.gw.registry.transact(world.platform, "setFrozen", world.obligor.address, True, REASON)
    (event,) = world.gw.registry.events(receipt, "FrozenSet")
    assert event["frozen"] is True
    with reverts("NotRegistered", account=world.outsider.address):
        world.gw.registry.transact(world.platform, "setFrozen", world.outsider.address, True, REASON)
    # Blacklisting works before registration too, and makes a participant ineligible to hold units.
    world.gw.registry.transact(world.platform, "setBlacklisted", world.outsider.address, True, REASON)
    assert world.gw.registry.call("participant", world.outsider.address)[2] is True
    world.gw.registry.transact(world.platform, "setBlacklisted", world.suppliers[1].address, True, REASON)
    assert not world.gw.registry.call("isEligibleHolder", world.suppliers[1].address)
    with reverts("ZeroAddress"):
        world.gw.registry.transact(world.platform, "setBlacklisted", ZERO_ADDRESS, True, REASON)
