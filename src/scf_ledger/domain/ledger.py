"""The ledger's rules on stored state, as ReceivableLedger.sol applies them: when an installment is repaid,
its status at a time, what is still owed, and what a holder can claim. Pure: works on any object with the
named attributes (the read model's rows, or plain records in tests)."""

from __future__ import annotations

from typing import Protocol

from scf_ledger.domain.enums import Status
from scf_ledger.domain.money import share_of


class InstallmentState(Protocol):
    face: int  # principal, = the token supply
    fee: int
    paid: int  # fee + principal paid
    distributed: int  # penalty + principal paid to holders
    defaulted: bool
    due_date: int


class HolderCheckpoint(Protocol):
    units: int
    snapshot: int  # `distributed` when last settled
    residue: int  # numerator carried below one unit, < face
    accrued_units: int  # settled and not yet claimed


def is_repaid(r: InstallmentState) -> bool:
    """Fee and principal paid in full: terminal."""
    return r.paid == r.face + r.fee


def owed(r: InstallmentState) -> int:
    """Fee and principal still unpaid (penalty apart)."""
    return r.face + r.fee - r.paid


def status_at(r: InstallmentState, timestamp: int) -> Status:
    """The ledger's `statusOf` at `timestamp`: repaid wins over defaulted; overdue once past the due date."""
    if is_repaid(r):
        return Status.REPAID
    if r.defaulted:
        return Status.DEFAULTED
    return Status.OVERDUE if timestamp > r.due_date else Status.ACTIVE


def claimable(h: HolderCheckpoint, r: InstallmentState) -> int:
    """What the holder can claim now: settled units plus its share of what was distributed since."""
    units, _ = share_of(h.units, r.distributed - h.snapshot, h.residue, r.face)
    return h.accrued_units + units
