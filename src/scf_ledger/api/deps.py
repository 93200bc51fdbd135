"""Dependencies, declared once: the runtime, the calling party (from its API key), and the roles.

They are `async def` so that FastAPI runs them on the event loop instead of handing each to a worker thread:
the key lookup is one indexed query of the local database, cheaper than the hop (and 16 threads contending
for the interpreter on every request is what made reads slow)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from scf_ledger.domain.enums import Role
from scf_ledger.services.errors import Forbidden, Unauthorized
from scf_ledger.services.runtime import Party, Runtime


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def bearer_key(authorization: str | None) -> str | None:
    """The API key of an `Authorization: Bearer <key>` header."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    return authorization.removeprefix("Bearer ").strip()


# Declares the scheme in the OpenAPI document and reads the header; a missing key is ours to answer (401).
bearer = HTTPBearer(scheme_name="bearer", description="the party's API key", auto_error=False)


async def current_party(
    rt: RuntimeDep, request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Party:
    known: Party | None = getattr(request.state, "party", None)  # looked up already by DurableRoute
    if known is not None:
        return known
    key = credentials.credentials if credentials is not None else None
    if key is None:
        raise Unauthorized("Unauthorized", "send your API key as `Authorization: Bearer <key>`")
    party = rt.party_for_key(key)
    if party is None:
        raise Unauthorized("Unauthorized", "this API key is unknown or revoked")
    return party


PartyDep = Annotated[Party, Depends(current_party)]


def _only(*allowed: Role) -> Callable[[Party], Coroutine[Any, Any, Party]]:
    async def check(party: PartyDep) -> Party:
        if party.role not in allowed:
            raise Forbidden("Forbidden", f"only a {' or '.join(allowed)} may do this; you are a {party.role}")
        return party

    return check


PlatformDep = Annotated[Party, Depends(_only(Role.PLATFORM))]
GatewayDep = Annotated[Party, Depends(_only(Role.GATEWAY))]
FinancierDep = Annotated[Party, Depends(_only(Role.FINANCIER))]


MAX_IDEMPOTENCY_KEY = 200  # characters


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Replays the stored response of an earlier request with it",
            min_length=1,
            max_length=MAX_IDEMPOTENCY_KEY,
        ),
    ] = None,
) -> str | None:
    """Documents the header on every write (POST, DELETE); `DurableRoute` reads and enforces it."""
    return key
