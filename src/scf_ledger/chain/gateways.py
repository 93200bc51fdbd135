"""The one façade over the contracts: a typed gateway per contract, Python verbs in, dataclasses out, contract
errors as ContractRevert. Views take `block=` to read the state at a past block (reconciliation).

`transact`, `call` and `events` are the raw verbs under the typed ones, for the contract tests that exercise
every function and for contracts with no typed gateway (the benchmark's baseline)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_tester.exceptions import TransactionFailed
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from web3.types import BlockIdentifier, TxReceipt

from scf_ledger.chain.client import Offer, OriginationRequest, ScfChain
from scf_ledger.chain.deploy import Terms
from scf_ledger.chain.sender import Call
from scf_ledger.domain.enums import Kind, Status
from scf_ledger.domain.ids import purchase_token_ids


def reason_code(text: str) -> bytes:
    """A short reason ('VELOCITY', 'DEFAULT') as the bytes32 the registry's events carry."""
    raw = text.encode()
    if len(raw) > 32:
        raise ValueError(f"reason {text!r} is longer than 32 bytes")
    return raw.ljust(32, b"\x00")


@dataclass(frozen=True)
class TxResult:
    tx_hash: str
    block_number: int
    gas_used: int

    @classmethod
    def of(cls, receipt: TxReceipt) -> TxResult:
        return cls("0x" + bytes(receipt["transactionHash"]).hex(), int(receipt["blockNumber"]), int(receipt["gasUsed"]))


@dataclass(frozen=True)
class Participant:
    kind: Kind
    frozen: bool
    blacklisted: bool
    credit_limit: int


@dataclass(frozen=True)
class Origination:
    purchase_id: int
    token_ids: tuple[int, ...]
    fee_per_installment: int
    first_due_date: int
    tx: TxResult


@dataclass(frozen=True)
class Default:
    outstanding: int  # penalty, fee and principal owed at the default
    tx: TxResult


@dataclass(frozen=True)
class Repayment:
    taken: int
    to_penalty: int
    to_fee: int
    to_principal: int
    repaid_in_full: bool
    tx: TxResult
    fee_waived: int = 0  # an installment repaid in full before its period started owes no fee


@dataclass(frozen=True)
class Sale:
    units: int
    value: int
    price: int
    tx: TxResult


@dataclass(frozen=True)
class ReceivableInfo:
    """IReceivableLedger.ReceivableView, field by field."""

    id: int
    purchase_id: int
    installment: int
    obligor: str
    originator: str
    currency: str
    face: int
    fee: int
    due_date: int
    document_hash: bytes
    status: Status
    principal_paid: int
    fee_paid: int
    penalty_owed: int
    amount_due: int
    paid_per_unit_scaled: int
    principal_credited: int = 0
    fee_waived: int = 0
    dispute_days: int = 0


class Gateway:
    """One deployed contract: raw calls, transactions and events, with typed verbs in the subclasses."""

    def __init__(self, chain: ScfChain, contract: Contract) -> None:
        self.chain = chain
        self.contract = contract

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def transact(self, account: LocalAccount, fn: str, *args: Any, gas: int | None = None) -> TxReceipt:
        """Sends `fn(*args)` from `account` and waits for the receipt; a revert raises ContractRevert."""
        call = Call(self.contract.address, self.contract.encode_abi(fn, list(args)), fn)
        return self.chain.sender.send(account, call, gas=gas)

    def call(self, fn: str, *args: Any, block: BlockIdentifier | None = None, sender: str | None = None) -> Any:
        """The view `fn(*args)` at `block` (default latest); a revert raises ContractRevert."""
        function = self.contract.get_function_by_name(fn)(*args)
        tx = {"from": sender} if sender else {}
        try:
            return self.chain.sender.run(lambda: function.call(tx, block_identifier=block))  # type: ignore[arg-type]
        except (ContractLogicError, TransactionFailed) as exc:
            raw = {"to": self.contract.address, "data": self.contract.encode_abi(fn, list(args)), **tx}
            raise self.chain.sender.revert_error(exc, raw, fn) from None

    def events(self, receipt: TxReceipt, name: str) -> list[dict[str, Any]]:
        """The arguments of every `name` event this contract emitted in `receipt`."""
        event = self.contract.events[name]()
        found = event.process_receipt(receipt, errors=DISCARD)
        return [dict(e["args"]) for e in found if e["address"] == self.contract.address]

    def event(self, receipt: TxReceipt, name: str) -> dict[str, Any]:
        """The one `name` event of `receipt`."""
        (found,) = self.events(receipt, name)
        return found

    # The pausable contracts' (ledger and market).
    def set_paused(self, pauser: LocalAccount, paused: bool) -> TxResult:
        return TxResult.of(self.transact(pauser, "pause" if paused else "unpause"))

    def paused(self) -> bool:
        return bool(self.call("paused"))

    def named(self, fn: str, value: tuple[Any, ...]) -> dict[str, Any]:
        """A struct returned by `fn`, keyed by its ABI component names instead of positions."""
        (output,) = self.contract.get_function_by_name(fn).abi["outputs"]
        return {c["name"]: v for c, v in zip(output["components"], value, strict=True)}


class TokenGateway(Gateway):
    def balance_of(self, account: str, *, block: BlockIdentifier | None = None) -> int:
        return int(self.call("balanceOf", account, block=block))

    def mint(self, minter: LocalAccount, to: str, amount: int) -> TxResult:
        return TxResult.of(self.transact(minter, "mint", to, amount))

    def approve(self, owner: LocalAccount, spender: str, amount: int) -> TxResult:
        return TxResult.of(self.transact(owner, "approve", spender, amount))


class RegistryGateway(Gateway):
    def register(self, registrar: LocalAccount, account: str, kind: Kind) -> TxResult:
        return TxResult.of(self.transact(registrar, "register", account, int(kind)))

    def set_credit_limit(self, risk: LocalAccount, obligor: str, limit: int, reason: str = "") -> TxResult:
        return TxResult.of(self.transact(risk, "setCreditLimit", obligor, limit, reason_code(reason)))

    def set_blacklisted(self, risk: LocalAccount, account: str, blacklisted: bool, reason: str = "") -> TxResult:
        return TxResult.of(self.transact(risk, "setBlacklisted", account, blacklisted, reason_code(reason)))

    def set_frozen(self, risk: LocalAccount, account: str, frozen: bool, reason: str = "") -> TxResult:
        return TxResult.of(self.transact(risk, "setFrozen", account, frozen, reason_code(reason)))

    def participant(self, account: str, *, block: BlockIdentifier | None = None) -> Participant:
        p = self.named("participant", self.call("participant", account, block=block))
        return Participant(Kind(p["kind"]), bool(p["frozen"]), bool(p["blacklisted"]), int(p["creditLimit"]))


class LedgerGateway(Gateway):
    # ORIGINATION

    def terms(self, *, block: BlockIdentifier | None = None) -> Terms:
        """The terms a purchase originated now gets (and its acknowledgement must carry)."""
        t = self.named("terms", self.call("terms", block=block))
        return Terms(t["graceDays"], t["penaltyBpsPerDay"], t["defaultDays"], t["interestFreeDays"], t["maxFeeBps"])

    def originate(self, originator: LocalAccount, request: OriginationRequest, signature: bytes) -> Origination:
        receipt = self.transact(originator, "originate", request.as_tuple(), signature)
        event = self.event(receipt, "PurchaseOriginated")
        purchase_id = int(event["purchaseId"])
        return Origination(
            purchase_id,
            tuple(purchase_token_ids(purchase_id, int(event["installments"]))),
            int(event["feePerInstallment"]),
            int(event["firstDueDate"]),
            TxResult.of(receipt),
        )

    # TRANSFERS

    def transfer(self, holder: LocalAccount, to: str, token_id: int, units: int) -> TxResult:
        return TxResult.of(self.transact(holder, "safeTransferFrom", holder.address, to, token_id, units, b""))

    def set_operator(self, holder: LocalAccount, operator: str, approved: bool) -> TxResult:
        return TxResult.of(self.transact(holder, "setApprovalForAll", operator, approved))

    # REPAYMENT AND CLAIMS

    def repay(self, payer: LocalAccount, token_id: int, max_amount: int) -> Repayment:
        receipt = self.transact(payer, "repay", token_id, max_amount)
        e = self.event(receipt, "Repayment")
        full = bool(self.events(receipt, "ReceivableRepaid"))
        waived = sum(w["fee"] for w in self.events(receipt, "FeeWaivedForEarlyRepayment"))
        tx = TxResult.of(receipt)
        return Repayment(e["amount"], e["toPenalty"], e["toFee"], e["toPrincipal"], full, tx, waived)

    def accrue_penalty(self, caller: LocalAccount, token_id: int) -> TxResult:
        return TxResult.of(self.transact(caller, "accruePenalty", token_id))

    def mark_defaulted(self, platform: LocalAccount, token_id: int) -> Default:
        """Marks `token_id` Defaulted (and freezes its obligor); what was outstanding at the default."""
        receipt = self.transact(platform, "markDefaulted", token_id)
        return Default(int(self.event(receipt, "ReceivableDefaulted")["outstanding"]), TxResult.of(receipt))

    def credit_note(self, platform: LocalAccount, token_id: int, credit: int, fee_waiver: int) -> TxResult:
        """A credit note on `token_id`: the originator pays `credit` in, the platform waives `fee_waiver`."""
        return TxResult.of(self.transact(platform, "creditNote", token_id, credit, fee_waiver))

    def refund(self, platform: LocalAccount, purchase_id: int, amount: int) -> tuple[int, TxResult]:
        """Credits `amount` of the purchase's unpaid principal latest first (MAX_UINT256: all of it)."""
        receipt = self.transact(platform, "refund", purchase_id, amount)
        return int(self.event(receipt, "PurchaseRefunded")["amount"]), TxResult.of(receipt)

    def open_dispute(self, platform: LocalAccount, token_id: int, reason: bytes) -> TxResult:
        return TxResult.of(self.transact(platform, "openDispute", token_id, reason))

    def close_dispute(
        self, platform: LocalAccount, token_id: int, upheld: bool, credit: int, fee_waiver: int
    ) -> tuple[int, TxResult]:
        """Closes the dispute; the whole days it moved the clocks by."""
        receipt = self.transact(platform, "closeDispute", token_id, upheld, credit, fee_waiver)
        return int(self.event(receipt, "DisputeClosed")["days_"]), TxResult.of(receipt)

    def claim(self, holder: LocalAccount, token_id: int, receiver: str | None = None) -> int:
        receipt = self.transact(holder, "claim", token_id, receiver or holder.address)
        return int(self.event(receipt, "Claimed")["amount"])

    def claim_many(self, holder: LocalAccount, token_ids: list[int], receiver: str | None = None) -> int:
        receipt = self.transact(holder, "claimMany", token_ids, receiver or holder.address)
        return sum(int(e["amount"]) for e in self.events(receipt, "Claimed"))

    def withdraw_fees(self, platform: LocalAccount, to: str) -> tuple[int, TxResult]:
        """Sends every fee accrued to `to`: the amount and the transaction."""
        receipt = self.transact(platform, "withdrawFees", to)
        return int(self.event(receipt, "FeesWithdrawn")["amount"]), TxResult.of(receipt)

    def sweep_dust(self, platform: LocalAccount, token_id: int, to: str) -> tuple[int, TxResult]:
        """Sends a repaid id's rounding dust to `to`: the amount and the transaction."""
        receipt = self.transact(platform, "sweepDust", token_id, to)
        return int(self.event(receipt, "DustSwept")["amount"]), TxResult.of(receipt)

    def set_terms(self, platform: LocalAccount, terms: Terms) -> TxResult:
        return TxResult.of(self.transact(platform, "setTerms", terms.as_tuple()))

    # VIEWS

    def receivable(self, token_id: int, *, block: BlockIdentifier | None = None) -> ReceivableInfo:
        v = self.named("receivable", self.call("receivable", token_id, block=block))
        return ReceivableInfo(
            id=token_id,
            purchase_id=v["purchaseId"],
            installment=v["installment"],
            obligor=v["obligor"],
            originator=v["originator"],
            currency=v["currency"],
            face=v["face"],
            fee=v["fee"],
            due_date=v["dueDate"],
            document_hash=bytes(v["documentHash"]),
            status=Status(v["status"]),
            principal_paid=v["principalPaid"],
            fee_paid=v["feePaid"],
            penalty_owed=v["penaltyOwed"],
            amount_due=v["amountDue"],
            paid_per_unit_scaled=v["paidPerUnitScaled"],
            principal_credited=v["principalCredited"],
            fee_waived=v["feeWaived"],
            dispute_days=v["disputeDays"],
        )

    def status(self, token_id: int) -> Status:
        return Status(self.call("statusOf", token_id))

    def amount_due(self, token_id: int) -> int:
        return int(self.call("amountDue", token_id))

    def claimable(self, token_id: int, holder: str, *, block: BlockIdentifier | None = None) -> int:
        return int(self.call("claimable", token_id, holder, block=block))

    def balance(self, holder: str, token_id: int, *, block: BlockIdentifier | None = None) -> int:
        return int(self.call("balanceOf", holder, token_id, block=block))

    def exposure(self, obligor: str, *, block: BlockIdentifier | None = None) -> int:
        return int(self.call("exposureOf", obligor, block=block))

    def purchases(self, *, block: BlockIdentifier | None = None) -> int:
        """How many purchases were originated (ids run from 1)."""
        return int(self.call("nextPurchaseId", block=block)) - 1

    def fees_accrued(self) -> int:
        return int(self.call("feesAccrued"))


class MarketGateway(Gateway):
    def accept_offer(self, seller: LocalAccount, offer: Offer, signature: bytes, token_id: int, units: int) -> Sale:
        receipt = self.transact(seller, "acceptOffer", offer.as_tuple(), signature, token_id, units)
        e = self.event(receipt, "OfferAccepted")
        return Sale(int(e["units"]), int(e["value"]), int(e["price"]), TxResult.of(receipt))

    def cancel_offer(self, financier: LocalAccount, nonce: int) -> TxResult:
        return TxResult.of(self.transact(financier, "cancelOffer", nonce))

    def quote(self, token_id: int, units: int, rate_bps: int) -> int:
        return int(self.call("quote", token_id, units, rate_bps))

    def filled_units(self, financier: str, nonce: int) -> int:
        return int(self.call("filledUnits", financier, nonce))


@dataclass(frozen=True)
class Gateways:
    token: TokenGateway
    registry: RegistryGateway
    ledger: LedgerGateway
    market: MarketGateway

    @classmethod
    def of(cls, chain: ScfChain) -> Gateways:
        return cls(
            TokenGateway(chain, chain.token),
            RegistryGateway(chain, chain.registry),
            LedgerGateway(chain, chain.ledger),
            MarketGateway(chain, chain.market),
        )
