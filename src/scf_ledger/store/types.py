"""Column types for integers beyond 64 bits: amounts up to 2**128 and token ids up to 2**256.

PostgreSQL stores them as NUMERIC(78, 0), exact; SQLite has no exact wide integer, so they are kept as
decimal strings there (never REAL, which would round money), zero-padded to 78 digits so that SQL
comparisons and ORDER BY on the strings agree with the numbers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

WIDTH = 78  # digits of 2**256 - 1


class BigInt(TypeDecorator[int]):
    """An exact unsigned integer of up to 78 decimal digits."""

    impl = String(80)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(78, 0))
        return dialect.type_descriptor(String(80))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"BigInt columns take int, not {type(value).__name__}")
        if value < 0:
            raise ValueError(f"BigInt columns take non-negative values, not {value}")
        if value >= 10**WIDTH:
            raise ValueError(f"BigInt columns hold at most {WIDTH} digits, not {value}")
        return Decimal(value) if dialect.name == "postgresql" else str(value).zfill(WIDTH)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], int | None]:
        # The same conversion without TypeDecorator's wrapper around it: one call per value read, not three
        # (pages of receivables read a few hundred of these per request).
        return _to_int


def _to_int(value: Any) -> int | None:
    return None if value is None else int(value)
