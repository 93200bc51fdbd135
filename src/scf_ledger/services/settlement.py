"""Repayments (gateway) and claims (holders)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scf_ledger.domain import ledger
from scf_ledger.domain.ids import purchase_token_ids
from scf_ledger.services import receivables
from scf_ledger.services.errors import Invalid, NotFound
from scf_ledger.services.journal import step
from scf_ledger.services.models import AllocationOut, ClaimOut, ClaimsOut, RepaymentCreate, RepaymentOut
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.store.models import CreditOrderRow, HoldingRow, ReceivableRow


def _installments(rt: Runtime, gateway: Party, body: RepaymentCreate) -> list[int]:
    """The token ids a repayment is for: one receivable, or every installment of a confirmed order in due order."""
    if (body.receivable_id is None) == (body.order_id is None):
        raise Invalid("Invalid repayment", "name exactly one of receivable_id and order_id")
    if body.receivable_id is not None:
        return [receivables.visible(rt, gateway, body.receivable_id).token_id]  # its own obligors' only
    with rt.sessions() as session:
        order = session.get(CreditOrderRow, body.order_id)
    if order is None or order.gateway != gateway.address or order.purchase_id is None:
        raise NotFound("confirmed order", body.order_id)
    return purchase_token_ids(order.purchase_id, order.installments)


def _amount(body: RepaymentCreate, total_due: int) -> int:
    """What to take: everything due with `full`, else the amount asked, never above what is due now."""
    if body.full == (body.amount is not None):
        raise Invalid("Invalid repayment", "give either an amount or full=true, not both")
    amount = total_due if body.full else body.amount or 0
    if amount == 0 or amount > total_due:
        raise Invalid("Overpayment" if amount else "Nothing to pay", f"{amount} base units against {total_due} due now")
    return amount


def _plan(rt: Runtime, gateway: Party, body: RepaymentCreate) -> dict[str, Any]:
    """The installments in due order with what each owes now, and the amount to take."""
    dues = [(token_id, rt.gw.ledger.amount_due(token_id)) for token_id in _installments(rt, gateway, body)]
    return {"amount": _amount(body, sum(due for _, due in dues)), "dues": dues}


def repay(rt: Runtime, gateway: Party, body: RepaymentCreate) -> RepaymentOut:
    """Forwards a buyer's payment: penalty, then fee, then principal, installment by installment in due order.
    An amount above what is due now is refused unless `full` asks for exactly what is due."""
    # Read and decided once: run again, what is due has changed by this very repayment.
    plan = step("plan", lambda: _plan(rt, gateway, body))
    amount, dues = plan["amount"], {int(i): due for i, due in plan["dues"]}
    payer = rt.signer(gateway.address)
    if rt.local_money:  # the local settlement token is minted against the fiat the gateway collected
        rt.gw.token.mint(rt.platform, gateway.address, amount)
    allocations, left = [], amount
    for token_id in dues:
        if left == 0 or dues[token_id] == 0:
            continue
        paid = rt.gw.ledger.repay(payer, token_id, min(left, dues[token_id]))
        left -= paid.taken
        allocations.append(
            AllocationOut(
                receivable_id=token_id,
                amount=paid.taken,
                to_penalty=paid.to_penalty,
                to_fee=paid.to_fee,
                to_principal=paid.to_principal,
                fee_waived=paid.fee_waived,
                tx_hash=paid.tx.tx_hash,
                status=rt.gw.ledger.status(token_id).label,
            )
        )
    rt.read_your_writes()
    return RepaymentOut(amount=amount, allocations=allocations)


def _claimable(rt: Runtime, party: Party) -> list[tuple[int, int]]:
    """(token id, amount) of everything the caller can claim now."""
    with rt.sessions() as session:
        rows = session.execute(
            select(HoldingRow, ReceivableRow)
            .join(ReceivableRow, ReceivableRow.token_id == HoldingRow.token_id)
            .where(HoldingRow.holder == party.address)
        ).all()
    return sorted((h.token_id, amount) for h, r in rows if (amount := ledger.claimable(h, r)) > 0)


def claim_all(rt: Runtime, party: Party) -> ClaimsOut:
    """Claims everything the caller can claim, per receivable, in one transaction."""
    owed = dict(step("claimable", lambda: _claimable(rt, party)))  # run again, it was claimed already
    if not owed:
        return ClaimsOut(total=0, claims=[])
    total = rt.gw.ledger.claim_many(rt.signer(party.address), sorted(owed))
    rt.read_your_writes()
    return ClaimsOut(total=total, claims=[ClaimOut(receivable_id=i, amount=a) for i, a in sorted(owed.items())])
