"""Dependencies: the service, the calling party (from its API key), and role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from scf_ledger.api.problems import Problem
from scf_ledger.api.service import Party, Service


def get_service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]


def current_party(service: ServiceDep, authorization: Annotated[str | None, Header()] = None) -> Party:
    if not authorization or not authorization.startswith("Bearer "):
        raise Problem(401, "Unauthorized", "send your API key as `Authorization: Bearer <key>`")
    party = service.party_for_key(authorization.removeprefix("Bearer ").strip())
    if party is None:
        raise Problem(401, "Unauthorized", "this API key is unknown or revoked")
    return party


PartyDep = Annotated[Party, Depends(current_party)]


def role(*allowed: str) -> Callable[[Party], Party]:
    def check(party: PartyDep) -> Party:
        if party.role not in allowed:
            raise Problem(403, "Forbidden", f"only a {' or '.join(allowed)} may do this; you are a {party.role}")
        return party

    return check
