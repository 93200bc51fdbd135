"""Store tests: every engine a test opens is disposed after it (no connection left open)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.utils.indexing import ENGINES


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    yield
    while ENGINES:
        ENGINES.pop().dispose()
