"""A typed gateway per contract: Python verbs in, dataclasses out, contract errors as ContractRevert."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.types import TxReceipt

from scf_ledger.chain.client import Kind, Offer, OriginationRequest, ScfChain, Status, receivable_id


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
class Repayment:
    taken: int
    to_penalty: int
    to_fee: int
    to_principal: int
    repaid_in_full: bool
    tx: TxResult


@dataclass(frozen=True)
class Sale:
    units: int
    value: int
    price: int
    tx: TxResult


@dataclass(frozen=True)
class ReceivableInfo:
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


class _Gateway:
    def __init__(self, chain: ScfChain, contract: Contract) -> None:
        self.chain = chain
        self.contract = contract

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def _send(self, account: LocalAccount, fn: str, *args: Any) -> TxReceipt:
        return self.chain.transact(account, self.contract, fn, *args)

    def _view(self, fn: str, *args: Any) -> Any:
        return self.chain.view(self.contract, fn, *args)

    def _event(self, receipt: TxReceipt, name: str) -> dict[str, Any]:
        (event,) = self.chain.events(receipt, self.contract, name)
        return event


class TokenGateway(_Gateway):
    def balance_of(self, account: str) -> int:
        return int(self._view("balanceOf", account))

    def mint(self, minter: LocalAccount, to: str, amount: int) -> TxResult:
        return TxResult.of(self._send(minter, "mint", to, amount))

    def approve(self, owner: LocalAccount, spender: str, amount: int) -> TxResult:
        return TxResult.of(self._send(owner, "approve", spender, amount))


class RegistryGateway(_Gateway):
    def register(self, registrar: LocalAccount, account: str, kind: Kind) -> TxResult:
        return TxResult.of(self._send(registrar, "register", account, int(kind)))

    def set_credit_limit(self, risk: LocalAccount, obligor: str, limit: int, reason: str = "") -> TxResult:
        return TxResult.of(self._send(risk, "setCreditLimit", obligor, limit, reason_code(reason)))

    def set_frozen(self, risk: LocalAccount, account: str, frozen: bool, reason: str = "") -> TxResult:
        return TxResult.of(self._send(risk, "setFrozen", account, frozen, reason_code(reason)))

    def set_blacklisted(self, risk: LocalAccount, account: str, blacklisted: bool, reason: str = "") -> TxResult:
        return TxResult.of(self._send(risk, "setBlacklisted", account, blacklisted, reason_code(reason)))

    def participant(self, account: str) -> Participant:
        kind, frozen, blacklisted, limit = self._view("participant", account)
        return Participant(Kind(kind), bool(frozen), bool(blacklisted), int(limit))


class LedgerGateway(_Gateway):
    # ORIGINATION

    def originate(self, originator: LocalAccount, request: OriginationRequest, signature: bytes) -> Origination:
        receipt = self._send(originator, "originate", request.as_tuple(), signature)
        return self._from_event(self._event(receipt, "PurchaseOriginated"), receipt)

    def originate_batch(
        self, originator: LocalAccount, requests: list[OriginationRequest], signatures: list[bytes]
    ) -> list[Origination]:
        receipt = self._send(originator, "originateBatch", [r.as_tuple() for r in requests], signatures)
        events = self.chain.events(receipt, self.contract, "PurchaseOriginated")
        return [self._from_event(e, receipt) for e in events]

    @staticmethod
    def _from_event(event: dict[str, Any], receipt: TxReceipt) -> Origination:
        purchase_id = int(event["purchaseId"])
        ids = tuple(receivable_id(purchase_id, i) for i in range(int(event["installments"])))
        return Origination(
            purchase_id, ids, int(event["feePerInstallment"]), int(event["firstDueDate"]), TxResult.of(receipt)
        )

    # TRANSFERS

    def transfer(self, holder: LocalAccount, to: str, token_id: int, units: int) -> TxResult:
        return TxResult.of(self._send(holder, "safeTransferFrom", holder.address, to, token_id, units, b""))

    def set_operator(self, holder: LocalAccount, operator: str, approved: bool) -> TxResult:
        return TxResult.of(self._send(holder, "setApprovalForAll", operator, approved))

    # REPAYMENT AND CLAIMS

    def repay(self, payer: LocalAccount, token_id: int, max_amount: int) -> Repayment:
        receipt = self._send(payer, "repay", token_id, max_amount)
        e = self._event(receipt, "Repayment")
        full = bool(self.chain.events(receipt, self.contract, "ReceivableRepaid"))
        return Repayment(e["amount"], e["toPenalty"], e["toFee"], e["toPrincipal"], full, TxResult.of(receipt))

    def accrue_penalty(self, caller: LocalAccount, token_id: int) -> TxResult:
        return TxResult.of(self._send(caller, "accruePenalty", token_id))

    def mark_defaulted(self, platform: LocalAccount, token_id: int) -> int:
        """Marks `token_id` Defaulted and returns what was outstanding at the default."""
        return int(self._event(self._send(platform, "markDefaulted", token_id), "ReceivableDefaulted")["outstanding"])

    def claim(self, holder: LocalAccount, token_id: int, receiver: str | None = None) -> int:
        receipt = self._send(holder, "claim", token_id, receiver or holder.address)
        return int(self._event(receipt, "Claimed")["amount"])

    def claim_many(self, holder: LocalAccount, token_ids: list[int], receiver: str | None = None) -> int:
        receipt = self._send(holder, "claimMany", token_ids, receiver or holder.address)
        return sum(int(e["amount"]) for e in self.chain.events(receipt, self.contract, "Claimed"))

    def sweep_dust(self, platform: LocalAccount, token_id: int, to: str) -> int:
        return int(self._event(self._send(platform, "sweepDust", token_id, to), "DustSwept")["amount"])

    def withdraw_fees(self, platform: LocalAccount, to: str) -> int:
        return int(self._event(self._send(platform, "withdrawFees", to), "FeesWithdrawn")["amount"])

    # VIEWS

    def receivable(self, token_id: int) -> ReceivableInfo:
        v = self._view("receivable", token_id)
        return ReceivableInfo(
            token_id, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], bytes(v[8]), Status(v[9]), *v[10:]
        )

    def status(self, token_id: int) -> Status:
        return Status(self._view("statusOf", token_id))

    def amount_due(self, token_id: int) -> int:
        return int(self._view("amountDue", token_id))

    def claimable(self, token_id: int, holder: str) -> int:
        return int(self._view("claimable", token_id, holder))

    def balance(self, holder: str, token_id: int) -> int:
        return int(self._view("balanceOf", holder, token_id))

    def exposure(self, obligor: str) -> int:
        return int(self._view("exposureOf", obligor))

    def fees_accrued(self) -> int:
        return int(self._view("feesAccrued"))


class MarketGateway(_Gateway):
    def accept_offer(self, seller: LocalAccount, offer: Offer, signature: bytes, token_id: int, units: int) -> Sale:
        receipt = self._send(seller, "acceptOffer", offer.as_tuple(), signature, token_id, units)
        e = self._event(receipt, "OfferAccepted")
        return Sale(int(e["units"]), int(e["value"]), int(e["price"]), TxResult.of(receipt))

    def cancel_offer(self, financier: LocalAccount, nonce: int) -> TxResult:
        return TxResult.of(self._send(financier, "cancelOffer", nonce))

    def quote(self, token_id: int, units: int, rate_bps: int) -> int:
        return int(self._view("quote", token_id, units, rate_bps))

    def filled_units(self, financier: str, nonce: int) -> int:
        return int(self._view("filledUnits", financier, nonce))


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
