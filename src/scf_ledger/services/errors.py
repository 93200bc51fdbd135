"""Errors the services raise for a caller to see. They say nothing of HTTP: the API maps each class to its
status once (api/problems.py), the CLI prints the message. Contract refusals stay ContractRevert."""

from __future__ import annotations

from scf_ledger.errors import ScfError


class ServiceError(ScfError):
    """Raised when a request cannot be done as asked; `title` names the problem, `detail` says why."""

    def __init__(self, title: str, detail: str) -> None:
        self.title, self.detail = title, detail
        super().__init__(f"{title}: {detail}")


class Invalid(ServiceError, ValueError):
    """Raised when the request itself is wrong (an amount above what is due, a missing field)."""


class Conflict(ServiceError):
    """Raised when the state of things refuses the request (an order not approved, a used nonce)."""


class Forbidden(ServiceError):
    """Raised when the caller's role may not do this at all."""


class Unauthorized(ServiceError):
    """Raised when the caller did not prove who it is."""


class NotFound(ServiceError):
    """Raised when the thing does not exist or is not the caller's to see (the two are not told apart)."""

    def __init__(self, what: str, key: object) -> None:
        self.what, self.key = what, key
        super().__init__("Not found", f"no {what} {key} visible to you")
