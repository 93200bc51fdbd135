"""Test helpers on top of the sandbox: revert assertions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from scf_ledger.chain.errors import ContractRevert
from scf_ledger.domain.constants import UNIT
from scf_ledger.sandbox import World, build_world, utc

__all__ = ["UNIT", "World", "build_world", "reverts", "utc"]


@contextlib.contextmanager
def reverts(error: str, **expected: Any) -> Iterator[pytest.ExceptionInfo[ContractRevert]]:
    """Asserts the block raises ContractRevert named `error` whose arguments include `expected`."""
    with pytest.raises(ContractRevert) as info:
        yield info
    assert info.value.error == error, f"expected {error}, got {info.value}"
    for key, value in expected.items():
        got = info.value.arguments[key]
        if isinstance(got, str) and isinstance(value, str):
            assert got.lower() == value.lower(), f"{key}: {got} != {value}"
        else:
            assert got == value, f"{key}: {got!r} != {value!r}"
