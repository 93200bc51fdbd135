"""The ledger's rules on stored state, as ReceivableLedger.sol applies them: when an installment is repaid,
its status at a time, what is still owed, and what a holder can claim. Pure: works on any object with the
named attributes (the read model's rows, or plain records in tests)."""

from __future__ import annotations

from typing import Protocol

from scf_ledger.domain.constants import SECONDS_PER_DAY
from scf_ledger.domain.enums import Status
from scf_ledger.domain.money import share_of


class InstallmentState(Protocol):
    face: int  # principal, = the token supply
    fee: int
    paid: int  # fee + principal repaid by the obligor
    fee_paid: int
    credited: int  # principal settled by credit notes
    fee_waived: int
    distributed: int  # penalty + principal paid or credited to holders
    penalty_accrued: int
    penalty_paid: int
    defaulted: bool
    disputed_since: int | None
    dispute_days: int
    due_date: int


class HolderCheckpoint(Protocol):
    units: int
    snapshot: int  # `distributed` when last settled
    residue: int  # numerator carried below one unit, < face
    accrued_units: int  # settled and not yet claimed


def unpaid_fee(r: InstallmentState) -> int:
    return r.fee - r.fee_waived - r.fee_paid


def unpaid_principal(r: InstallmentState) -> int:
    """Face less what the obligor repaid of it and what credit notes settled: the obligor's exposure on it."""
    return r.face - r.credited - (r.paid - r.fee_paid)


def owed(r: InstallmentState) -> int:
    """Fee and principal still unpaid (penalty apart)."""
    return unpaid_fee(r) + unpaid_principal(r)


def is_repaid(r: InstallmentState) -> bool:
    """Principal, fee and penalty settled (paid, credited or waived): terminal."""
    return owed(r) == 0 and r.penalty_accrued == r.penalty_paid


def status_at(r: InstallmentState, timestamp: int) -> Status:
    """The ledger's `statusOf` at `timestamp`: repaid wins over defaulted, defaulted over disputed; overdue
    once past the due date."""
    if is_repaid(r):
        return Status.REPAID
    if r.defaulted:
        return Status.DEFAULTED
    if r.disputed_since is not None:
        return Status.DISPUTED
    return Status.OVERDUE if timestamp > r.due_date else Status.ACTIVE


def days_past_due(r: InstallmentState, now: int) -> int:
    """Whole days since the due date (0 before it), on the clock disputes moved (DESIGN §14): the days of closed
    disputes, and those of an open one so far, do not count."""
    due = r.due_date + r.dispute_days * SECONDS_PER_DAY
    if r.disputed_since is not None:
        now = min(now, max(r.disputed_since, due))
    return max((now - due) // SECONDS_PER_DAY, 0)


def claimable(h: HolderCheckpoint, r: InstallmentState) -> int:
    """What the holder can claim now: settled units plus its share of what was distributed since."""
    units, _ = share_of(h.units, r.distributed - h.snapshot, h.residue, r.face)
    return h.accrued_units + units
