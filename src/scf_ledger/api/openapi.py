"""The OpenAPI document, completed with what FastAPI does not know: every error is `application/problem+json`
(RFC 9457) and each operation lists the statuses it can answer with."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from scf_ledger.api.problems import PROBLEM

REF = "#/components/schemas/Problem"


class Problem(BaseModel):
    """RFC 9457 problem details; `contract_error` and `arguments` when the chain refused."""

    type: str
    title: str
    status: int
    detail: str
    contract_error: str | None = None
    arguments: dict[str, Any] | None = None
    errors: list[dict[str, str]] | None = None
    request_id: str | None = None


ERRORS = {
    "400": "Malformed body (nested too deeply)",
    "401": "No API key, or an unknown one",
    "403": "The caller's role may not do this",
    "404": "No such resource, or not the caller's",
    "409": "Refused for the state of things (used, frozen, in progress)",
    "413": "Body too large",
    "422": "Invalid request, or refused by the contract",
    "500": "Internal error (with a request id)",
    "502": "The node refused the signed transaction: nothing was done",
    "503": "The chain node does not answer",
    "504": "The chain did not confirm in time",
}


def _statuses(method: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses an operation can answer with."""
    statuses = ["500", "503"]
    if operation.get("security"):
        statuses += ["401", "403", "404"]
    if operation.get("parameters") or operation.get("requestBody") or method in ("post", "delete"):
        statuses.append("422")
    if method in ("post", "put", "patch", "delete"):
        statuses += ["400", "409", "413", "502", "504"]
    return statuses


def complete(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Problem"] = Problem.model_json_schema()
    problem = {PROBLEM: {"schema": {"$ref": REF}}}
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in _statuses(method, operation):
                responses[status] = {"description": ERRORS[status], "content": problem}
    return document


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(title=app.title, version=app.version, routes=app.routes, description=app.description)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
