"""Blocks and chain time: when a block was mined, and the last block mined by a time (by bisection over the
blocks since the deployment's: the read model keeps timestamps only where an event needs one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scf_ledger.services.errors import Invalid

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Runtime


def mined_at(rt: Runtime, block: int) -> int:
    """When `block` was mined (chain time)."""
    return int(rt.chain.sender.run(lambda: rt.chain.w3.eth.get_block(block)["timestamp"]))


def deployed_at(rt: Runtime) -> int:
    return mined_at(rt, rt.chain.deployment.deployment_block)


def last_block_at(rt: Runtime, at: int, what: str = "as_of") -> int:
    """The last block mined at or before `at`; `at` before the deployment is refused, naming `what`."""
    low, high = rt.chain.deployment.deployment_block, rt.chain.w3.eth.block_number
    deployed = deployed_at(rt)
    if at < deployed:
        raise Invalid(f"{what} before the deployment", f"{what} {at} is before the deployment, at {deployed}")
    while low < high:
        middle = (low + high + 1) // 2
        if mined_at(rt, middle) <= at:
            low = middle
        else:
            high = middle - 1
    return low
