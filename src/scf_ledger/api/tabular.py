"""Reports and lists as JSON, or as CSV when asked (`?format=csv` or `Accept: text/csv`)."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

from fastapi import Header, Query
from fastapi.responses import Response
from pydantic import BaseModel

Format = Annotated[str | None, Query(pattern="^(json|csv)$", alias="format")]
Accept = Annotated[str | None, Header()]
AS_CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV when asked"}}


def tabular(report: BaseModel, fmt: str | None, accept: str | None, name: str) -> Response | BaseModel:
    """The report's model (JSON) by default; CSV of its `items` when asked with ?format=csv or Accept: text/csv
    (a value that is itself a list or an object is written as its JSON)."""
    if not (fmt == "csv" or (fmt is None and accept and "text/csv" in accept)):
        return report
    rows = [
        {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in item.items()}
        for item in report.model_dump(mode="json")["items"]
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    disposition = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
    return Response(out.getvalue(), media_type="text/csv", headers=disposition)
