"""Errors of the domain layer: invalid amounts, dates and plans."""

from __future__ import annotations

from scf_ledger.errors import ScfError


class DomainError(ScfError, ValueError):
    """Raised when a money or risk rule is given input it cannot accept."""


class InvalidAmount(DomainError):
    """Raised when an amount is negative, not an integer, or beyond 2**128 - 1."""

    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name, self.value, self.reason = name, value, reason
        super().__init__(f"{name}={value!r}: {reason}")


class InvalidPlan(DomainError):
    """Raised when an installment plan is not one the product sells (n in 1, 3, 6, 12, 24; P >= n)."""

    def __init__(self, principal: int, installments: int, reason: str) -> None:
        self.principal, self.installments, self.reason = principal, installments, reason
        super().__init__(f"plan of {principal} in {installments} installments: {reason}")


class InvalidDate(DomainError):
    """Raised when a timestamp is negative or before the epoch the ledger supports."""

    def __init__(self, name: str, value: object) -> None:
        self.name, self.value = name, value
        super().__init__(f"{name}={value!r} is not a valid UNIX timestamp (seconds, >= 0)")
