"""Operations: how a write request stands (pending, succeeded, failed), with its transactions and answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from scf_ledger.api.deps import PartyDep, RuntimeDep
from scf_ledger.services import operations
from scf_ledger.services.models import OperationOut

router = APIRouter(prefix="/operations", tags=["operations"])


@router.get("/{operation_id}", response_model=OperationOut)
def get_operation(
    operation_id: Annotated[str, Path(pattern=r"^op_[0-9a-z]{1,36}$")], rt: RuntimeDep, party: PartyDep
) -> OperationOut:
    """One of the caller's operations: a 202 answer's `Location`."""
    return operations.get(rt, party, operation_id)
