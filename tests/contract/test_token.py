"""SettlementToken: 6 decimals, minter role, EIP-2612 permit."""

from __future__ import annotations

from eth_account.messages import encode_typed_data

from tests.utils.world import World, reverts


def test_mint_needs_minter_role(world: World) -> None:
    role = world.gw.token.call("MINTER_ROLE")
    with reverts("AccessControlUnauthorizedAccount", account=world.outsider.address, neededRole=role):
        world.gw.token.transact(world.outsider, "mint", world.outsider.address, 1)
    world.gw.token.transact(world.platform, "mint", world.outsider.address, 123)
    assert world.cash(world.outsider) == 123


def test_permit_sets_allowance_from_a_signature(world: World) -> None:
    owner, spender = world.outsider, world.suppliers[0]
    deadline = world.chain.now() + 3600
    nonce = world.gw.token.call("nonces", owner.address)
    typed = {
        "types": {
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ]
        },
        "primaryType": "Permit",
        "domain": {
            "name": "Settlement USD",
            "version": "1",
            "chainId": world.chain.sender.chain_id,
            "verifyingContract": world.chain.token.address,
        },
        "message": {
            "owner": owner.address,
            "spender": spender.address,
            "value": 777,
            "nonce": nonce,
            "deadline": deadline,
        },
    }
    signed = owner.sign_message(encode_typed_data(full_message=typed))
    permit = (
        owner.address,
        spender.address,
        777,
        deadline,
        signed.v,
        signed.r.to_bytes(32, "big"),
        signed.s.to_bytes(32, "big"),
    )
    world.gw.token.transact(spender, "permit", *permit)
    assert world.gw.token.call("allowance", owner.address, spender.address) == 777
    with reverts("ERC2612InvalidSigner"):  # the nonce moved on: the same signature is void
        world.gw.token.transact(spender, "permit", *permit)
