"""Who sees what in the read model: one SQL condition per resource, used by every read (lists, details,
reports, the dashboard). SECURITY.md's visibility table states the same rule; a test checks it cell by cell.

- the platform sees everything;
- a gateway sees what concerns the obligors it serves (`parties.gateway`);
- an obligor sees what it owes;
- a holder (supplier, financier) sees a receivable while it holds units of it or has money to claim on it,
  and the offers that buy what it holds; a financier also sees its own offers.
"""

from __future__ import annotations

from sqlalchemy import BindParameter, ColumnElement, Select, false, or_, select, true

from scf_ledger.domain.enums import Role
from scf_ledger.store.models import HoldingRow, OfferRow, PartyRow, ReceivableRow

Address = str | BindParameter[str]  # an address, or a bound parameter that will be one


def obligors_served_by(gateway: Address) -> Select[tuple[str]]:
    return select(PartyRow.address).where(PartyRow.gateway == gateway, PartyRow.role == Role.OBLIGOR)


def held_by(holder: Address) -> Select[tuple[int]]:
    """Ids of which `holder` has units now."""
    return select(HoldingRow.token_id).where(HoldingRow.holder == holder, HoldingRow.units > 0)


def _in_sight_of_holder(holder: Address) -> Select[tuple[int]]:
    """Ids of which `holder` has units, or money accrued at a checkpoint that it has not claimed."""
    return select(HoldingRow.token_id).where(
        HoldingRow.holder == holder, or_(HoldingRow.units > 0, HoldingRow.accrued_units > 0)
    )


def receivables_seen_by(address: Address, role: Role) -> ColumnElement[bool]:
    """The receivables (rows of ReceivableRow) that the party may see."""
    if role == Role.PLATFORM:
        return true()
    if role == Role.GATEWAY:
        return ReceivableRow.obligor.in_(obligors_served_by(address))
    if role == Role.OBLIGOR:
        return ReceivableRow.obligor == address
    return ReceivableRow.token_id.in_(_in_sight_of_holder(address))


def offers_seen_by(address: Address, role: Role) -> ColumnElement[bool]:
    """The offers (rows of OfferRow) that the party may see: its own, or those that buy what it holds."""
    if role == Role.PLATFORM:
        return true()
    if role not in (Role.SUPPLIER, Role.FINANCIER):
        return false()
    obligors_held = select(ReceivableRow.obligor).where(ReceivableRow.token_id.in_(held_by(address)))
    return or_(
        OfferRow.financier == address,
        OfferRow.receivable_id.in_(held_by(address)),
        OfferRow.obligor.in_(obligors_held),
    )


def serves(gateway: str, obligor_row: PartyRow | None) -> bool:
    """Whether `gateway` is the gateway of that obligor."""
    return obligor_row is not None and obligor_row.role == Role.OBLIGOR and obligor_row.gateway == gateway
