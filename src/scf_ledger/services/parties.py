"""Parties: registration by the platform (on-chain and in the database), the caller's own view, and the local
settlement-money on-ramp."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from sqlalchemy import select

from scf_ledger.chain.sender import Call
from scf_ledger.domain import money
from scf_ledger.domain.constants import MAX_UINT256
from scf_ledger.domain.enums import Role
from scf_ledger.services.errors import Conflict, Forbidden, Invalid
from scf_ledger.services.journal import step
from scf_ledger.services.models import (
    CashCreate,
    CashOut,
    MeOut,
    ParticipantCreate,
    ParticipantCreated,
    ParticipantOut,
    ParticipantsOut,
)
from scf_ledger.services.runtime import Party, Runtime, new_api_key, store_key
from scf_ledger.store.models import HoldingRow, PartyRow, ReceivableRow

GAS_ALLOWANCE = 10**18  # wei given to each custodial account for its transactions


def register(rt: Runtime, body: ParticipantCreate) -> ParticipantCreated:
    """Registers a party on-chain and in the database; returns it with a one-time API key. Without an address
    the service makes and keeps the party's signing key (custodial)."""
    role = Role(body.kind)
    _check_gateway(rt, role, body.gateway)
    # Made once: an operation run again keeps the key it made (and the API key it issued) the first time.
    address, encrypted = step("account", lambda: _new_address(rt, body.address))
    api_key = step("api_key", new_api_key)
    account = rt.keystore.account(address, encrypted) if encrypted else None
    rt.gw.registry.register(rt.platform, address, role.kind)
    if account is not None:
        _equip(rt, account, role)
    with rt.sessions.begin() as session:
        row = session.get(PartyRow, address) or PartyRow(
            address=address,
            name=body.name,
            role=role,
            custodial=account is not None,
            encrypted_key=encrypted,
            gateway=body.gateway,
        )
        session.add(row)
        store_key(session, api_key, address, role)
    rt.read_your_writes()
    return ParticipantCreated(**participant_out(row).model_dump(), api_key=api_key)


def _new_address(rt: Runtime, own: str | None) -> tuple[str, str | None]:
    """The party's address and, for a custodial one, its new signing key encrypted; refuses a known party."""
    if own is not None and rt.party(own) is not None:
        raise Conflict("Already registered", f"{own} is already a party")
    if own is not None:
        return own, None
    account, encrypted = rt.keystore.new_account()
    return account.address, encrypted


def _check_gateway(rt: Runtime, role: Role, gateway: str | None) -> None:
    """An obligor is served by one registered gateway, named at registration; no other party has one."""
    if role != Role.OBLIGOR:
        if gateway is not None:
            raise Invalid("Invalid participant", f"only an obligor is served by a gateway, not a {role}")
        return
    if gateway is None:
        raise Invalid("Invalid participant", "name the gateway that serves this obligor (`gateway`)")
    row = rt.party(gateway)
    if row is None or row.role != Role.GATEWAY:
        raise Invalid("Unknown gateway", f"{gateway} is not a registered gateway")


def participant_out(row: PartyRow) -> ParticipantOut:
    return ParticipantOut(
        address=row.address, name=row.name, kind=row.role, custodial=row.custodial, gateway=row.gateway
    )


def _equip(rt: Runtime, account: LocalAccount, role: Role) -> None:
    """Gas for a custodial account, and the approvals its role's transactions need."""
    rt.chain.sender.send(rt.platform, Call(account.address, "0x", "gas", value=GAS_ALLOWANCE), gas=21_000)
    if role in (Role.GATEWAY, Role.FINANCIER, Role.OBLIGOR):
        rt.gw.token.approve(account, rt.gw.ledger.address, MAX_UINT256)
        rt.gw.token.approve(account, rt.gw.market.address, MAX_UINT256)
    if role in (Role.SUPPLIER, Role.FINANCIER):
        rt.gw.ledger.set_operator(account, rt.gw.market.address, True)
    if role == Role.SUPPLIER:  # an originator pays its credit notes into the ledger
        rt.gw.token.approve(account, rt.gw.ledger.address, MAX_UINT256)


def list_parties(rt: Runtime) -> ParticipantsOut:
    with rt.sessions() as session:
        rows = session.scalars(select(PartyRow).order_by(PartyRow.created_at)).all()
    return ParticipantsOut(items=[participant_out(r) for r in rows])


def names(rt: Runtime) -> dict[str, str]:
    """Party names by address, for people to read instead of addresses."""
    with rt.sessions() as session:
        return dict(session.execute(select(PartyRow.address, PartyRow.name)).tuples().all())


def me(rt: Runtime, party: Party) -> MeOut:
    """The caller: role, address, cash, and the outstanding principal of what it holds."""
    with rt.sessions() as session:
        rows = session.execute(
            select(HoldingRow, ReceivableRow)
            .join(ReceivableRow, ReceivableRow.token_id == HoldingRow.token_id)
            .where(HoldingRow.holder == party.address, HoldingRow.units > 0)
        ).all()
    value = sum(money.value_of_units(h.units, money.paid_per_unit_scaled(r.distributed, r.face)) for h, r in rows)
    return MeOut(
        address=party.address,
        name=party.name,
        role=party.role,
        custodial=party.custodial,
        cash=rt.gw.token.balance_of(party.address),
        holdings=len(rows),
        holdings_value=value,
    )


def add_cash(rt: Runtime, body: CashCreate) -> CashOut:
    """Local settlement token only: mints money to a party, as the issuer would against fiat received."""
    if not rt.local_money:
        raise Forbidden("Forbidden", "minting is for the local settlement token in local mode")
    tx = rt.gw.token.mint(rt.platform, body.to, body.amount)
    return CashOut(to=body.to, amount=body.amount, tx_hash=tx.tx_hash, balance=rt.gw.token.balance_of(body.to))
