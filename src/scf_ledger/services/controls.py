"""The platform's lists and switches: blacklist entries, a line's freeze, the pause, fees, dust and terms. Each
is an operation (the route is durable) and an audit record."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from eth_utils import to_checksum_address
from sqlalchemy import select

from scf_ledger.chain.deploy import Terms
from scf_ledger.domain.enums import Role
from scf_ledger.domain.risk.config import Blacklist
from scf_ledger.services import audit
from scf_ledger.services.errors import Invalid, NotFound
from scf_ledger.services.journal import step
from scf_ledger.services.models import (
    BlacklistCreate,
    BlacklistEntryOut,
    BlacklistOut,
    FlagOut,
    FreezeUpdate,
    PauseUpdate,
    PayoutCreate,
    PayoutOut,
    TermsIn,
    TermsOut,
)
from scf_ledger.services.types import ADDRESS_PATTERN
from scf_ledger.store.models import BlacklistEntryRow

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Party, Runtime


# BLACKLIST

REASON_CODE = "PLATFORM"  # the on-chain reason code (32 bytes); the reason itself is in the audit log


HASH_32 = re.compile(r"^0x[0-9a-fA-F]{64}$")


def _entry_value(rt: Runtime, kind: str, value: str) -> str:
    """The entry's value as stored: a registered party's address or a 32-byte hash, lowercase; a device id."""
    if kind == "device":
        return value
    if kind == "document":
        if not HASH_32.match(value):
            raise Invalid("Invalid document hash", "a document hash is 0x and 64 hex digits")
        return value.lower()
    if not re.match(ADDRESS_PATTERN, value) or rt.party(to_checksum_address(value)) is None:
        raise Invalid("Unknown party", f"{value} is not a registered party: only a party's address is blacklisted")
    return value.lower()


def entries(rt: Runtime) -> BlacklistOut:
    with rt.sessions() as session:
        rows = session.scalars(select(BlacklistEntryRow).order_by(BlacklistEntryRow.at, BlacklistEntryRow.value))
        return BlacklistOut(items=[BlacklistEntryOut.model_validate(r, from_attributes=True) for r in rows])


def risk_blacklist(rt: Runtime) -> Blacklist:
    """The platform's entries, which the risk engine refuses beside those of its configuration."""
    with rt.sessions() as session:
        rows = session.execute(select(BlacklistEntryRow.kind, BlacklistEntryRow.value)).all()
    of = {kind: frozenset(v for k, v in rows if k == kind) for kind in ("address", "device", "document")}
    return Blacklist(addresses=of["address"], device_ids=of["device"], document_hashes=of["document"])


def add_to_blacklist(rt: Runtime, platform: Party, body: BlacklistCreate) -> BlacklistEntryOut:
    value = step("entry", lambda: _entry_value(rt, body.kind, body.value))
    tx_hash = None
    if body.kind == "address":
        address = to_checksum_address(value)
        tx_hash = rt.gw.registry.set_blacklisted(rt.platform, address, True, REASON_CODE).tx_hash
    row = BlacklistEntryRow(
        kind=body.kind, value=value, reason=body.reason, actor=platform.address, at=rt.clock.now(), tx_hash=tx_hash
    )
    with rt.sessions.begin() as session:
        session.merge(row)
    audit.record(rt, platform.address, "blacklist.add", f"{body.kind}:{value}", reason=body.reason, tx_hash=tx_hash)
    rt.read_your_writes()
    return BlacklistEntryOut.model_validate(row, from_attributes=True)


def remove_from_blacklist(rt: Runtime, platform: Party, kind: str, raw_value: str, reason: str) -> BlacklistEntryOut:
    value = step("entry", lambda: _listed(rt, kind, raw_value))
    tx_hash = None
    if kind == "address":
        tx_hash = rt.gw.registry.set_blacklisted(rt.platform, to_checksum_address(value), False, REASON_CODE).tx_hash
    with rt.sessions.begin() as session:
        row = session.get(BlacklistEntryRow, (kind, value))
        if row is not None:
            session.delete(row)
    audit.record(rt, platform.address, "blacklist.remove", f"{kind}:{value}", reason=reason, tx_hash=tx_hash)
    rt.read_your_writes()
    return BlacklistEntryOut(
        kind=kind, value=value, reason=reason, actor=platform.address, at=rt.clock.now(), tx_hash=tx_hash
    )


def _listed(rt: Runtime, kind: str, raw_value: str) -> str:
    value = raw_value if kind == "device" else raw_value.lower()
    with rt.sessions() as session:
        if session.get(BlacklistEntryRow, (kind, value)) is None:
            raise NotFound("blacklist entry", f"{kind}:{raw_value}")
    return value


# SWITCHES


def set_frozen(rt: Runtime, platform: Party, address: str, body: FreezeUpdate) -> FlagOut:
    """Freezes or unfreezes a line by hand (a frozen obligor originates nothing and its installments do not
    sell; repayment stays open)."""
    row = rt.party(to_checksum_address(address)) if re.match(ADDRESS_PATTERN, address) else None
    if row is None or row.role != Role.OBLIGOR:
        raise NotFound("obligor", address)
    obligor = row.address
    tx = rt.gw.registry.set_frozen(rt.platform, obligor, body.frozen, body.reason)
    action = "line.freeze" if body.frozen else "line.unfreeze"
    audit.record(rt, platform.address, action, obligor, reason=body.reason, tx_hash=tx.tx_hash)
    rt.read_your_writes()
    return FlagOut(subject=obligor, on=body.frozen, tx_hashes=[tx.tx_hash])


def set_paused(rt: Runtime, platform: Party, body: PauseUpdate) -> FlagOut:
    """Pauses or unpauses ledger and market together (repayment stays open under pause; SECURITY.md)."""
    sent = [
        gateway.set_paused(rt.platform, body.paused).tx_hash
        for gateway in (rt.gw.ledger, rt.gw.market)
        if step(f"{gateway.contract.address} paused", gateway.paused) != body.paused  # already so: left
    ]
    action = "system.pause" if body.paused else "system.unpause"
    audit.record(rt, platform.address, action, "ledger+market", reason=body.reason, detail={"txs": sent})
    rt.read_your_writes()
    return FlagOut(subject="ledger+market", on=body.paused, tx_hashes=sent)


def withdraw_fees(rt: Runtime, platform: Party, body: PayoutCreate) -> PayoutOut:
    to = body.to or platform.address
    amount, tx = rt.gw.ledger.withdraw_fees(rt.platform, to)
    audit.record(rt, platform.address, "fees.withdraw", to, detail={"amount": str(amount)}, tx_hash=tx.tx_hash)
    rt.read_your_writes()
    return PayoutOut(amount=amount, to=to, tx_hash=tx.tx_hash)


def sweep_dust(rt: Runtime, platform: Party, token_id: int, body: PayoutCreate) -> PayoutOut:
    to = body.to or platform.address
    amount, tx = rt.gw.ledger.sweep_dust(rt.platform, token_id, to)
    detail = {"amount": str(amount), "to": to}
    audit.record(rt, platform.address, "dust.sweep", str(token_id), detail=detail, tx_hash=tx.tx_hash)
    rt.read_your_writes()
    return PayoutOut(amount=amount, to=to, tx_hash=tx.tx_hash)


# TERMS


def _terms_out(terms: Terms, tx_hash: str | None = None) -> TermsOut:
    return TermsOut(
        grace_days=terms.grace_days,
        penalty_bps_per_day=terms.penalty_bps_per_day,
        default_days=terms.default_days,
        interest_free_days=terms.interest_free_days,
        max_fee_bps=terms.max_fee_bps,
        tx_hash=tx_hash,
    )


def terms(rt: Runtime) -> TermsOut:
    return _terms_out(rt.gw.ledger.terms())


def set_terms(rt: Runtime, platform: Party, body: TermsIn) -> TermsOut:
    """The terms new purchases get (a buyer who signed under the old ones signs again: TermsNotCurrent)."""
    new = Terms(body.grace_days, body.penalty_bps_per_day, body.default_days, body.interest_free_days, body.max_fee_bps)
    tx = rt.gw.ledger.set_terms(rt.platform, new)
    detail = body.model_dump(exclude={"reason"})
    audit.record(rt, platform.address, "terms.set", "ledger", reason=body.reason, detail=detail, tx_hash=tx.tx_hash)
    rt.read_your_writes()
    return _terms_out(new, tx.tx_hash)
