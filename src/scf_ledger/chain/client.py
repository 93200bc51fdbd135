"""One handle on a deployed system: the four contracts, a sender, and typed EIP-712 signing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_tester.exceptions import TransactionFailed
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD as _DISCARD
from web3.types import TxReceipt

from scf_ledger.chain.compiler import Artifact, compile_contracts
from scf_ledger.chain.deploy import Deployment, Terms, decoder_for, deploy
from scf_ledger.chain.sender import Call, TransactionSender


class Kind(IntEnum):
    NONE = 0
    PLATFORM = 1
    GATEWAY = 2
    SUPPLIER = 3
    FINANCIER = 4
    OBLIGOR = 5


class Status(IntEnum):
    ACTIVE = 0
    OVERDUE = 1
    DEFAULTED = 2
    REPAID = 3


MAX_UINT256 = 2**256 - 1

ACKNOWLEDGEMENT_FIELDS = [
    {"name": "obligor", "type": "address"},
    {"name": "supplier", "type": "address"},
    {"name": "principal", "type": "uint256"},
    {"name": "installments", "type": "uint8"},
    {"name": "feeBps", "type": "uint16"},
    {"name": "documentHash", "type": "bytes32"},
    {"name": "deadline", "type": "uint256"},
]
OFFER_FIELDS = [
    {"name": "financier", "type": "address"},
    {"name": "receivableId", "type": "uint256"},
    {"name": "obligor", "type": "address"},
    {"name": "rateBps", "type": "uint16"},
    {"name": "minUnits", "type": "uint128"},
    {"name": "maxUnits", "type": "uint128"},
    {"name": "expiry", "type": "uint64"},
    {"name": "nonce", "type": "uint256"},
]


@dataclass(frozen=True)
class OriginationRequest:
    obligor: str
    supplier: str
    principal: int
    installments: int
    fee_bps: int
    document_hash: bytes
    deadline: int

    def as_message(self) -> dict[str, Any]:
        return {
            "obligor": self.obligor,
            "supplier": self.supplier,
            "principal": self.principal,
            "installments": self.installments,
            "feeBps": self.fee_bps,
            "documentHash": self.document_hash,
            "deadline": self.deadline,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        return tuple(self.as_message().values())


@dataclass(frozen=True)
class Offer:
    financier: str
    receivable_id: int
    obligor: str
    rate_bps: int
    min_units: int
    max_units: int
    expiry: int
    nonce: int

    def as_message(self) -> dict[str, Any]:
        return {
            "financier": self.financier,
            "receivableId": self.receivable_id,
            "obligor": self.obligor,
            "rateBps": self.rate_bps,
            "minUnits": self.min_units,
            "maxUnits": self.max_units,
            "expiry": self.expiry,
            "nonce": self.nonce,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        return tuple(self.as_message().values())


def receivable_id(purchase_id: int, installment: int) -> int:
    """Token id of installment `installment` (0-based) of purchase `purchase_id`."""
    return (purchase_id << 8) | installment


class ScfChain:
    """The deployed contracts on one chain, with a shared transaction sender."""

    def __init__(self, w3: Web3, deployment: Deployment, artifacts: dict[str, Artifact] | None = None) -> None:
        self.w3 = w3
        self.artifacts = artifacts or compile_contracts()
        self.deployment = deployment
        self.sender = TransactionSender(w3, decoder_for(self.artifacts))
        self.token = self._contract("SettlementToken")
        self.registry = self._contract("ParticipantRegistry")
        self.ledger = self._contract("ReceivableLedger")
        self.market = self._contract("FinancingMarket")

    @classmethod
    def deploy_new(cls, w3: Web3, deployer: LocalAccount, terms: Terms | None = None) -> ScfChain:
        artifacts = compile_contracts()
        sender = TransactionSender(w3, decoder_for(artifacts))
        return cls(w3, deploy(w3, sender, deployer, terms, artifacts), artifacts)

    def _contract(self, name: str) -> Contract:
        return self.w3.eth.contract(address=self.deployment.addresses[name], abi=self.artifacts[name].abi)

    # CALLS

    def transact(
        self, account: LocalAccount, contract: Contract, fn: str, *args: Any, gas: int | None = None
    ) -> TxReceipt:
        call = Call(contract.address, contract.encode_abi(fn, list(args)), fn)
        return self.sender.send(account, call, gas=gas)

    def view(self, contract: Contract, fn: str, *args: Any, sender: str | None = None) -> Any:
        function = contract.get_function_by_name(fn)(*args)
        tx = {"from": sender} if sender else {}
        try:
            return self.sender.run(lambda: function.call(tx))  # type: ignore[arg-type]
        except (ContractLogicError, TransactionFailed) as exc:
            call = {"to": contract.address, "data": contract.encode_abi(fn, list(args)), **tx}
            raise self.sender._revert(exc, call, fn) from None

    def events(self, receipt: TxReceipt, contract: Contract, name: str) -> list[dict[str, Any]]:
        event = contract.events[name]()
        return [
            dict(e["args"]) for e in event.process_receipt(receipt, errors=_DISCARD) if e["address"] == contract.address
        ]

    def now(self) -> int:
        return int(self.sender.run(lambda: self.w3.eth.get_block("latest"))["timestamp"])

    # EIP-712

    def domain(self, name: str, contract: Contract) -> dict[str, Any]:
        """The EIP-712 domain of `contract` (OpenZeppelin's EIP712 with version "1")."""
        return {
            "name": name,
            "version": "1",
            "chainId": self.sender.chain_id,
            "verifyingContract": contract.address,
        }

    def sign_acknowledgement(self, obligor: LocalAccount, request: OriginationRequest) -> bytes:
        typed = {
            "types": {"Acknowledgement": ACKNOWLEDGEMENT_FIELDS},
            "primaryType": "Acknowledgement",
            "domain": self.domain("ReceivableLedger", self.ledger),
            "message": request.as_message(),
        }
        return bytes(obligor.sign_message(encode_typed_data(full_message=typed)).signature)

    def sign_offer(self, financier: LocalAccount, offer: Offer) -> bytes:
        typed = {
            "types": {"Offer": OFFER_FIELDS},
            "primaryType": "Offer",
            "domain": self.domain("FinancingMarket", self.market),
            "message": offer.as_message(),
        }
        return bytes(financier.sign_message(encode_typed_data(full_message=typed)).signature)
