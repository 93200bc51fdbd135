"""Background jobs that can be run again: each of their operations records what it acts on (its subject), so
that one whose worker died, or whose node went silent, after a transaction may have left is finished by the
recovery loop from its journal (the same bytes broadcast again, its audit record written once) instead of
ending failed with its action unrecorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scf_ledger.services import defaults, limits

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Runtime
    from scf_ledger.store.models import OperationRow

RESUMABLE: dict[str, Callable[[Runtime, dict[str, Any]], None]] = {
    defaults.DEFAULT_JOB: defaults.resume_default,
    limits.REVIEW_JOB: limits.resume_review,
}


def name_of(row: OperationRow) -> str | None:
    """The job an operation belongs to, or None for a request's."""
    return row.request["path"] if row.route.startswith("JOB ") else None


def run_again(rt: Runtime, row: OperationRow) -> None:
    """Runs a resumable job's operation again under the caller's active journal."""
    name = name_of(row)
    assert name in RESUMABLE, f"operation {row.id} is not of a resumable job"
    RESUMABLE[name](rt, json.loads(row.request["body"]))
