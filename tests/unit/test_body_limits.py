"""The JSON depth guard that runs before any parser: brackets inside strings do not count, escapes are read."""

from __future__ import annotations

import pytest

from scf_ledger.api.middleware import nested_deeper_than


@pytest.mark.parametrize(
    ("body", "deeper"),
    [
        (b'{"a": [1, {"b": 2}]}', False),
        (b"[" * 32 + b"]" * 32, False),
        (b"[" * 33 + b"]" * 33, True),
        (b'["' + b"[" * 100 + b'"]', False),  # inside a string
        (b'["\\"' + b"[" * 40 + b'"]', False),  # an escaped quote does not end the string
        (b'["\\\\"' + b", [" * 40, True),  # an escaped backslash does: the brackets after it count
        (b'"unterminated ' + b"[" * 40, False),
    ],
)
def test_nesting_depth(body: bytes, deeper: bool) -> None:
    assert nested_deeper_than(body, 32) is deeper
