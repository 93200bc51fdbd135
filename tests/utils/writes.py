"""Every write route of the API that sends a transaction, as the exactly-once tests drive it: who sends it, how
its input is made (before any fault), and the event that counts it on-chain. Each input is fresh, so cases share
one deployment; the last ones move the chain's clock (a sweep needs penalty, a default its installment long past
due), so nothing before them sees the later time. (`POST /v1/orders/{id}/void` sends nothing: no case.)"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import time_travel
from scf_ledger.domain.constants import UNIT
from tests.utils.api import THIN_FILE, Api, order_body

# method, path, body
Request = tuple[str, str, Any]


@dataclass(frozen=True)
class Write:
    who: str
    prepare: Callable[[Api, ScfChain], Request]
    counted: tuple[str, str]  # contract, event: one more of it when the write is done
    sends: int = 1  # how many transactions it sends


def count(chain: ScfChain, contract: str, event: str, since: int = 0) -> int:
    """How many `event`s `contract` emitted from block `since` on."""
    return len(getattr(chain, contract).events[event]().get_logs(from_block=since))


def _name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


def _obligor(api: Api) -> str:
    name = _name("buyer")
    api.register(name, "obligor")
    return name


def receivable(api: Api, holder: str = "tier1") -> str:
    """A fresh receivable of tier1's (its own obligor, so no limit binds), `holder` given 10 units of it."""
    body = order_body(api, _obligor(api), 300 * UNIT, fee_bps=0)
    placed = api.ok("POST", "/v1/orders", "gate", body)
    token_id = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"][0]
    if holder != "tier1":
        api.ok("POST", f"/v1/receivables/{token_id}/transfers", "tier1", {"to": api.addresses[holder], "units": "10"})
    return token_id


def _offer(api: Api, chain: ScfChain, token_id: str) -> str:
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": str(100 * UNIT)})
    expiry = str(chain.now() + 86_400)
    body = {"receivable_id": token_id, "rate_bps": 500, "max_units": str(10 * UNIT), "expiry": expiry}
    return api.ok("POST", "/v1/offers", "bank", body)["id"]


def _order(api: Api, _: ScfChain) -> Request:
    return "POST", "/v1/orders", order_body(api, _obligor(api), 300 * UNIT)  # a new obligor: its line is set


def _confirm(api: Api, _: ScfChain) -> Request:
    placed = api.ok("POST", "/v1/orders", "gate", order_body(api, _obligor(api), 300 * UNIT))
    return "POST", f"/v1/orders/{placed['id']}/confirm", None


def _claims(api: Api, _: ScfChain) -> Request:
    holder = _name("claimer")
    api.register(holder, "supplier")
    token_id = receivable(api, holder)
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": token_id, "amount": str(30 * UNIT)})
    api.keys["claimer"] = api.keys[holder]  # the write's sender, for this case
    return "POST", "/v1/claims", None


def _review(api: Api, _: ScfChain) -> Request:
    """An order the scorecard sends to review, of a new obligor (so its approval raises the line on-chain)."""
    placed = api.ok("POST", "/v1/orders", "gate", order_body(api, _obligor(api), 300 * UNIT, profile=THIN_FILE))
    return "POST", f"/v1/orders/{placed['id']}/review", {"decision": "approve", "reason": "checked"}


def _fees(api: Api, _: ScfChain) -> Request:
    """Fees to withdraw: a fee-bearing installment, 10 sUSD of it repaid (fee first)."""
    placed = api.ok("POST", "/v1/orders", "gate", order_body(api, _obligor(api), 300 * UNIT))
    token_id = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"][0]
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": token_id, "amount": str(10 * UNIT)})
    return "POST", "/v1/fees/withdrawals", None


def _travel(api: Api, chain: ScfChain, seconds: int) -> None:
    """Moves the chain's clock on (the node's next block is `seconds` later) and the service's with it."""
    chain.sender.run(lambda: time_travel(chain.w3, chain.now() + seconds))
    if api.service is not None:  # in process; a served one reads the clock again after its next indexed block
        api.service.clock.forget()


def _credit_note(api: Api, _: ScfChain) -> Request:
    """A credit of 1 sUSD on a fresh receivable of tier1's, who has the cash to pay it in."""
    token_id = receivable(api)
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["tier1"], "amount": str(UNIT)})
    return "POST", f"/v1/receivables/{token_id}/credit-notes", {"credit": str(UNIT), "reason": "one box returned"}


def _refund(api: Api, _: ScfChain) -> Request:
    placed = api.ok("POST", "/v1/orders", "gate", order_body(api, _obligor(api), 300 * UNIT))
    api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["tier1"], "amount": str(50 * UNIT)})
    return "POST", f"/v1/orders/{placed['id']}/refunds", {"amount": str(50 * UNIT), "reason": "half returned"}


DISPUTE = {"reason_code": "GOODS_NOT_RECEIVED", "notice_from": "obligor"}


def _resolution(api: Api, _: ScfChain) -> Request:
    opened = api.ok("POST", f"/v1/receivables/{receivable(api)}/disputes", "platform", DISPUTE)
    return "POST", f"/v1/disputes/{opened['id']}/resolution", {"outcome": "rejected", "reason": "delivered"}


def _unpause(api: Api, _: ScfChain) -> Request:
    """Ledger and market paused (two transactions) so that the write unpauses them (two more)."""
    api.ok("POST", "/v1/system/pause", "platform", {"paused": True, "reason": "incident"})
    return "POST", "/v1/system/pause", {"paused": False, "reason": "resolved"}


def _delisting(api: Api, _: ScfChain) -> Request:
    address = api.addresses[_obligor(api)]
    api.ok("POST", "/v1/blacklist", "platform", {"kind": "address", "value": address, "reason": "fraud reported"})
    return "DELETE", f"/v1/blacklist/address/{address}?reason=cleared", None


def _terms(api: Api, _: ScfChain) -> Request:
    terms = {k: v for k, v in api.ok("GET", "/v1/terms", "platform").items() if k != "tx_hash"}
    return "POST", "/v1/terms", terms  # the same terms again: a transaction all the same


def _sweep(api: Api, chain: ScfChain) -> Request:
    """Dust to sweep: a receivable held 10 units by another supplier, repaid with penalty (whose share of 10 units
    is not whole) and claimed by both holders; one base unit is left."""
    holder = _name("holder")
    api.register(holder, "supplier")
    token_id = receivable(api, holder)
    _travel(api, chain, 40 * 86_400)  # past due and grace: a penalty accrues
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": token_id, "full": True})
    for who in ("tier1", holder):
        api.ok("POST", "/v1/claims", who)
    return "POST", f"/v1/receivables/{token_id}/sweep", None


def _default(api: Api, chain: ScfChain) -> Request:
    token_id = receivable(api)
    _travel(api, chain, 200 * 86_400)  # past due, grace and default days
    return "POST", f"/v1/receivables/{token_id}/default", {"reason": "no payment"}


WRITES: dict[str, Write] = {
    "registration": Write(  # registration, gas, two approvals
        "platform",
        lambda api, _: ("POST", "/v1/participants", {"kind": "financier", "name": _name("late")}),
        ("registry", "ParticipantRegistered"),
        sends=4,
    ),
    "order": Write("gate", _order, ("registry", "CreditLimitSet")),
    "confirm": Write("gate", _confirm, ("ledger", "PurchaseOriginated")),
    "cash": Write(
        "platform",
        lambda api, _: ("POST", "/v1/cash", {"to": api.addresses["tier1"], "amount": "7"}),
        ("token", "Transfer"),
    ),
    "transfer": Write(
        "tier1",
        lambda api, _: (
            "POST",
            f"/v1/receivables/{receivable(api)}/transfers",
            {"to": api.addresses["tier2"], "units": str(UNIT)},
        ),
        ("ledger", "TransferSingle"),
    ),
    "financing": Write(
        "tier1",
        lambda api, chain: (
            "POST",
            "/v1/financing-requests",
            {"offer_id": _offer(api, chain, receivable(api)), "units": str(UNIT)},
        ),
        ("market", "OfferAccepted"),
    ),
    "offer cancel": Write(
        "bank",
        lambda api, chain: ("DELETE", f"/v1/offers/{_offer(api, chain, receivable(api))}", None),
        ("market", "OfferCancelled"),
    ),
    "repayment": Write(  # in local mode the collected cash minted, then the repayment
        "gate",
        lambda api, _: ("POST", "/v1/repayments", {"receivable_id": receivable(api), "amount": str(10 * UNIT)}),
        ("ledger", "Repayment"),
        sends=2,
    ),
    "claims": Write("claimer", _claims, ("ledger", "Claimed")),
    "limit": Write(
        "platform",
        lambda api, _: (
            "POST",
            f"/v1/obligors/{api.addresses[_obligor(api)]}/limit",
            {"limit": str(5_000 * UNIT), "reason": "MANUAL"},
        ),
        ("registry", "CreditLimitSet"),
    ),
    "review": Write("platform", _review, ("registry", "CreditLimitSet")),
    "blacklist": Write(
        "platform",
        lambda api, _: (
            "POST",
            "/v1/blacklist",
            {"kind": "address", "value": api.addresses[_obligor(api)], "reason": "fraud reported"},
        ),
        ("registry", "BlacklistedSet"),
    ),
    "freeze": Write(
        "platform",
        lambda api, _: (
            "POST",
            f"/v1/obligors/{api.addresses[_obligor(api)]}/freeze",
            {"frozen": True, "reason": "documents missing"},
        ),
        ("registry", "FrozenSet"),
    ),
    "fees": Write("platform", _fees, ("ledger", "FeesWithdrawn")),
    "unpause": Write("platform", _unpause, ("ledger", "Unpaused"), sends=2),
    "delisting": Write("platform", _delisting, ("registry", "BlacklistedSet")),
    "terms": Write("platform", _terms, ("ledger", "TermsSet")),
    "credit note": Write("platform", _credit_note, ("ledger", "CreditNote")),
    "refund": Write("gate", _refund, ("ledger", "PurchaseRefunded")),
    "dispute": Write(
        "platform",
        lambda api, _: ("POST", f"/v1/receivables/{receivable(api)}/disputes", DISPUTE),
        ("ledger", "DisputeOpened"),
    ),
    "resolution": Write("platform", _resolution, ("ledger", "DisputeClosed")),
    # These move the clock on: last.
    "sweep": Write("platform", _sweep, ("ledger", "DustSwept")),
    "default": Write("platform", _default, ("ledger", "ReceivableDefaulted")),
}
