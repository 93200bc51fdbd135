"""RFC 9457 problem details: every error the API returns, with the contract's error where the chain refused."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from scf_ledger.chain.errors import ContractRevert, TransactionRefused, TransactionTimeout
from scf_ledger.domain.errors import DomainError
from scf_ledger.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError, Unauthorized

PROBLEM = "application/problem+json"
BASE = "https://scf-ledger.dev/problems/"

# Refusals about the state of things (409) rather than the request itself (422).
CONFLICTS = {
    "InvalidStatus",
    "OfferFilled",
    "OfferWasCancelled",
    "ReceivableNotActive",
    "DocumentAlreadyUsed",
    "ObligorFrozen",
    "CreditLimitExceeded",
    "DefaultTooEarly",
    "EnforcedPause",
    "NothingToClaim",
    "NothingToSweep",
    "OfferExpired",
    "PurchaseInArrears",
    "ParticipantFrozen",
    "ParticipantBlacklisted",
    "TermsNotCurrent",
    "NoResidue",
    "NotDisputed",
    "OriginatorUnfunded",
}


# The status of each kind of service error.
SERVICE_STATUS: dict[type[ServiceError], int] = {
    Invalid: 422,
    Conflict: 409,
    Forbidden: 403,
    Unauthorized: 401,
    NotFound: 404,
}


class Problem(Exception):
    """Raised by the API layer itself for an error the caller should see (services raise ServiceError)."""

    def __init__(self, status: int, title: str, detail: str, slug: str | None = None, **extra: Any) -> None:
        self.status, self.title, self.detail = status, title, detail
        self.slug = slug or slug_of(title)
        self.extra = extra
        super().__init__(detail)


def slug_of(title: str) -> str:
    return title.lower().replace(" ", "-")


def service_status(exc: ServiceError) -> int:
    return next((status for kind, status in SERVICE_STATUS.items() if isinstance(exc, kind)), 422)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def problem_response(
    status: int, title: str, detail: str, slug: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def contract_problem(exc: ContractRevert) -> Problem:
    status = 409 if exc.error in CONFLICTS else 422
    return Problem(
        status,
        "Refused by the contract",
        f"the chain refused {exc.function or 'the transaction'}: {exc}",
        "contract-error",
        contract_error=exc.error,
        arguments={k: _plain(v) for k, v in exc.arguments.items()},
    )


PathMethods = list[tuple[re.Pattern[str], set[str], bool]]  # the path's pattern, its methods, whether literal


def path_methods(prefix: str, routers: list[APIRouter]) -> PathMethods:
    """Each route's path (as Starlette matches it) with its methods, for the `Allow` header of a 405."""
    return [
        (compile_path(prefix + route.path)[0], set(route.methods), "{" not in route.path)
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema  # a hidden route only refuses a method
    ]


def allowed_methods(request: Request) -> str:
    """Every method of the path over all its routes (Starlette's 405 names only the first route it matched). A
    literal path is its own resource: `/v1/offers/typed-data` is not one of `/v1/offers/{offer_id}`."""
    table: PathMethods = getattr(request.app.state, "path_methods", [])
    path = request.url.path
    matching = [(methods, literal) for pattern, methods, literal in table if pattern.match(path)]
    if any(literal for _, literal in matching):
        matching = [(methods, literal) for methods, literal in matching if literal]
    return ", ".join(sorted({m for methods, _ in matching for m in methods}))


async def _problem(_: Request, exc: Problem) -> JSONResponse:
    return problem_response(exc.status, exc.title, exc.detail, exc.slug, **exc.extra)


async def _service(_: Request, exc: ServiceError) -> JSONResponse:
    return problem_response(service_status(exc), exc.title, exc.detail, slug_of(exc.title))


async def _revert(_: Request, exc: ContractRevert) -> JSONResponse:
    p = contract_problem(exc)
    return problem_response(p.status, p.title, p.detail, p.slug, **p.extra)


async def _domain(_: Request, exc: DomainError) -> JSONResponse:
    return problem_response(422, "Invalid input", str(exc), "invalid-input")


async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"].removeprefix("Value error, ")}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"location": "body", "message": "invalid"}
    detail = f"{first['location']}: {first['message']}"
    return problem_response(422, "Invalid request", detail, "invalid-request", errors=errors)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    title = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}.get(
        exc.status_code, "Error"
    )
    headers = {"Allow": allowed_methods(request)} if exc.status_code == 405 else exc.headers
    return problem_response(exc.status_code, title, str(exc.detail), slug_of(title), headers=headers)


async def _timeout(_: Request, exc: TransactionTimeout) -> JSONResponse:
    return problem_response(504, "Chain timeout", f"{exc}; the transaction may still be mined", "chain-timeout")


async def _refused(_: Request, exc: TransactionRefused) -> JSONResponse:
    return problem_response(502, "Transaction refused by the node", f"{exc}; nothing was done", "transaction-refused")


async def _unavailable(_: Request, exc: OSError) -> JSONResponse:
    # Connection refused or reset by the node before anything was signed (after, the operation answers 202).
    detail = f"the chain node does not answer ({type(exc).__name__}); nothing was done, retry later"
    return problem_response(503, "Chain unavailable", detail, "chain-unavailable", headers={"Retry-After": "5"})


# Refusals: the request was judged and refused, whatever the state of the chain (a 4xx; 502 when the node
# refused the signed bytes themselves).
KNOWN: list[tuple[type[Exception], Callable[[Request, Any], Awaitable[JSONResponse]]]] = [
    (Problem, _problem),
    (ServiceError, _service),
    (ContractRevert, _revert),
    (TransactionRefused, _refused),
    (DomainError, _domain),
    (RequestValidationError, _validation),
    (StarletteHTTPException, _http),
]
# Errors of the chain's reach: what they mean depends on whether anything was sent.
UNREACHED: list[tuple[type[Exception], Callable[[Request, Any], Awaitable[JSONResponse]]]] = [
    (TransactionTimeout, _timeout),
    (OSError, _unavailable),
]


async def handle_known(request: Request, exc: Exception) -> JSONResponse | None:
    """The problem answer for a refusal, or None for any other error."""
    for kind, handler in KNOWN:
        if isinstance(exc, kind):
            return await handler(request, exc)
    return None


def install(app: FastAPI) -> None:
    for kind, handler in [*KNOWN, *UNREACHED]:
        app.add_exception_handler(kind, handler)
