"""ParticipantRegistry: every function and every error, by name and arguments."""

from __future__ import annotations

from eth_utils import keccak

from scf_ledger.chain.client import Kind
from tests.utils.world import World, reverts

ZERO = "0x" + "00" * 20
REASON = keccak(text="VELOCITY")


def test_register_records_kind_and_emits(world: World) -> None:
    receipt = world.send(world.platform, "registry", "register", world.outsider.address, int(Kind.SUPPLIER))
    (event,) = world.chain.events(receipt, world.chain.registry, "ParticipantRegistered")
    assert event["account"] == world.outsider.address and event["kind"] == Kind.SUPPLIER
    assert world.view("registry", "participant", world.outsider.address) == (Kind.SUPPLIER, False, False, 0)
    assert world.view("registry", "isEligibleHolder", world.outsider.address)


def test_register_refuses_zero_none_and_duplicates(world: World) -> None:
    with reverts("ZeroAddress"):
        world.send(world.platform, "registry", "register", ZERO, int(Kind.SUPPLIER))
    with reverts("InvalidKind", kind=0):
        world.send(world.platform, "registry", "register", world.outsider.address, int(Kind.NONE))
    with reverts("AlreadyRegistered", account=world.obligor.address, kind=int(Kind.OBLIGOR)):
        world.send(world.platform, "registry", "register", world.obligor.address, int(Kind.SUPPLIER))


def test_only_roles_may_write(world: World) -> None:
    role = world.view("registry", "REGISTRAR_ROLE")
    with reverts("AccessControlUnauthorizedAccount", account=world.outsider.address, neededRole=role):
        world.send(world.outsider, "registry", "register", world.outsider.address, int(Kind.SUPPLIER))
    risk = world.view("registry", "RISK_ROLE")
    with reverts("AccessControlUnauthorizedAccount", account=world.outsider.address, neededRole=risk):
        world.send(world.outsider, "registry", "setCreditLimit", world.obligor.address, 1, REASON)


def test_credit_limit_only_for_obligors(world: World) -> None:
    receipt = world.send(world.platform, "registry", "setCreditLimit", world.obligor.address, 5_000, REASON)
    (event,) = world.chain.events(receipt, world.chain.registry, "CreditLimitSet")
    assert (event["newLimit"], event["reason"]) == (5_000, REASON)
    assert world.view("registry", "participant", world.obligor.address)[3] == 5_000
    with reverts("NotAnObligor", account=world.suppliers[0].address):
        world.send(world.platform, "registry", "setCreditLimit", world.suppliers[0].address, 1, REASON)


def test_freeze_and_blacklist(world: World) -> None:
    receipt = world.send(world.platform, "registry", "setFrozen", world.obligor.address, True, REASON)
    (event,) = world.chain.events(receipt, world.chain.registry, "FrozenSet")
    assert event["frozen"] is True
    with reverts("NotRegistered", account=world.outsider.address):
        world.send(world.platform, "registry", "setFrozen", world.outsider.address, True, REASON)
    # Blacklisting works before registration too, and makes a participant ineligible to hold units.
    world.send(world.platform, "registry", "setBlacklisted", world.outsider.address, True, REASON)
    assert world.view("registry", "participant", world.outsider.address)[2] is True
    world.send(world.platform, "registry", "setBlacklisted", world.suppliers[1].address, True, REASON)
    assert not world.view("registry", "isEligibleHolder", world.suppliers[1].address)
    with reverts("ZeroAddress"):
        world.send(world.platform, "registry", "setBlacklisted", ZERO, True, REASON)
