"""The read benchmark's baseline: a bare ASGI handler (no framework, no authentication) that reads the same rows
as `GET /v1/receivables?limit=50` for one holder, with the same driver (sqlite3), and answers them as JSON.
Run as `python -m scf_ledger.bench.bare DB_PATH HOLDER PORT`, served by uvicorn as `scf serve` is."""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from typing import Any

import uvicorn

from scf_ledger.store.types import WIDTH

ZERO = "0" * WIDTH  # zero as the SQLite read model stores wide integers
QUERY = (
    "SELECT token_id, purchase_id, installment, obligor, face, fee, due_date, paid, defaulted FROM receivables"
    " WHERE token_id IN (SELECT token_id FROM holdings WHERE holder = ? AND (units > ? OR accrued_units > ?))"
    " ORDER BY token_id LIMIT 51"
)
FIELDS = ("id", "purchase_id", "installment", "obligor", "face", "fee", "due_date", "paid", "defaulted")


def make_app(db_path: str, holder: str) -> Any:
    local = threading.local()

    def rows() -> list[dict[str, object]]:
        if not hasattr(local, "db"):
            local.db = sqlite3.connect(db_path, check_same_thread=False)
        found = local.db.execute(QUERY, (holder, ZERO, ZERO)).fetchall()
        return [
            {
                k: (str(int(v)) if k in ("id", "purchase_id", "face", "fee", "paid") else v)
                for k, v in zip(FIELDS, r, strict=True)
            }
            for r in found[:50]
        ]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = json.dumps({"items": rows(), "next_cursor": None}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


if __name__ == "__main__":
    db, who, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    uvicorn.run(make_app(db, who), host="127.0.0.1", port=port, log_level="warning")
