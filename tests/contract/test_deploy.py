from __future__ import annotations

from tests.utils.world import World


def test_deploy_wires_roles_and_registers_platform(world: World) -> None:
    chain = world.chain
    registry = chain.registry
    risk_role = world.view("registry", "RISK_ROLE")
    assert world.view("registry", "hasRole", risk_role, chain.ledger.address)
    assert world.view("registry", "participant", world.platform.address)[0] == 1
    assert world.view("ledger", "settlementToken") == chain.token.address
    assert world.view("ledger", "registry") == registry.address
    assert world.view("market", "ledger") == chain.ledger.address
    assert world.view("token", "decimals") == 6
    assert chain.deployment.chain_id == world.w3.eth.chain_id
    assert chain.deployment.deployment_block >= 1
