from __future__ import annotations

from tests.utils.world import World


def test_deploy_wires_roles_and_registers_platform(world: World) -> None:
    chain = world.chain
    registry = chain.registry
    risk_role = world.gw.registry.call("RISK_ROLE")
    assert world.gw.registry.call("hasRole", risk_role, chain.ledger.address)
    assert world.gw.registry.call("participant", world.platform.address)[0] == 1
    assert world.gw.ledger.call("settlementToken") == chain.token.address
    assert world.gw.ledger.call("registry") == registry.address
    assert world.gw.market.call("ledger") == chain.ledger.address
    assert world.gw.token.call("decimals") == 6
    assert chain.deployment.chain_id == world.w3.eth.chain_id
    assert chain.deployment.deployment_block >= 1
