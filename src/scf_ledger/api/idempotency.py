"""`Idempotency-Key` on every POST: the same key and body return the stored response; the same key with
another body is refused (422); a duplicate while the first is still running is refused (409)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from scf_ledger.api.problems import Problem
from scf_ledger.api.service import Party, Service
from scf_ledger.store.models import IdempotencyRow

IN_PROGRESS = 0


def request_digest(route: str, body: Any) -> str:
    return hashlib.sha256(json.dumps([route, body], sort_keys=True, default=str).encode()).hexdigest()


def idempotent(
    service: Service, party: Party, key: str | None, route: str, body: Any, run: Callable[[], tuple[int, Any]]
) -> JSONResponse:
    if key is None:
        status, payload = run()
        return JSONResponse(payload, status_code=status)
    if not 1 <= len(key) <= 200:
        raise Problem(422, "Invalid Idempotency-Key", "an Idempotency-Key has 1 to 200 characters")
    digest = request_digest(route, body)
    try:
        with service.sessions.begin() as session:
            row = session.get(IdempotencyRow, (party.address, key))
            if row is None:
                session.add(
                    IdempotencyRow(
                        party=party.address, key=key, request_digest=digest, status_code=IN_PROGRESS, response={}
                    )
                )
            elif row.request_digest != digest:
                raise Problem(422, "Idempotency-Key reused", f"key {key!r} was used for another request")
            elif row.status_code == IN_PROGRESS:
                raise Problem(409, "Request in progress", f"a request with key {key!r} is still running")
            else:
                return JSONResponse(row.response, status_code=row.status_code, headers={"Idempotent-Replay": "true"})
    except IntegrityError:
        raise Problem(409, "Request in progress", f"a request with key {key!r} is still running") from None
    try:
        status, payload = run()
    except BaseException:
        with service.sessions.begin() as session:  # a failed attempt may be retried with the same key
            row = session.get(IdempotencyRow, (party.address, key))
            if row is not None:
                session.delete(row)
        raise
    with service.sessions.begin() as session:
        row = session.get(IdempotencyRow, (party.address, key))
        if row is not None:
            row.status_code, row.response = status, payload
    return JSONResponse(payload, status_code=status)
