"""One handle on a deployed system: the four contracts, a sender, and typed EIP-712 signing. Calls and
transactions go through the typed gateways (chain/gateways.py), the one façade over the contracts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_keys.exceptions import BadSignature
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from scf_ledger.chain.compiler import Artifact, compile_contracts
from scf_ledger.chain.deploy import Deployment, Terms, decoder_for, deploy
from scf_ledger.chain.sender import TransactionSender

ACKNOWLEDGEMENT_FIELDS = [
    {"name": "obligor", "type": "address"},
    {"name": "supplier", "type": "address"},
    {"name": "principal", "type": "uint256"},
    {"name": "installments", "type": "uint8"},
    {"name": "feeBps", "type": "uint16"},
    {"name": "documentHash", "type": "bytes32"},
    {"name": "deadline", "type": "uint256"},
    # The late terms the obligor accepts (the ledger's current terms; origination refuses others).
    {"name": "graceDays", "type": "uint16"},
    {"name": "penaltyBpsPerDay", "type": "uint16"},
    {"name": "defaultDays", "type": "uint16"},
    {"name": "interestFreeDays", "type": "uint16"},
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
    """What the obligor acknowledges, with the ledger's terms it accepts (`terms`, from `LedgerGateway.terms`)."""

    obligor: str
    supplier: str
    principal: int
    installments: int
    fee_bps: int
    document_hash: bytes
    deadline: int
    terms: Terms

    def as_message(self) -> dict[str, Any]:
        return {
            "obligor": self.obligor,
            "supplier": self.supplier,
            "principal": self.principal,
            "installments": self.installments,
            "feeBps": self.fee_bps,
            "documentHash": self.document_hash,
            "deadline": self.deadline,
            "graceDays": self.terms.grace_days,
            "penaltyBpsPerDay": self.terms.penalty_bps_per_day,
            "defaultDays": self.terms.default_days,
            "interestFreeDays": self.terms.interest_free_days,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        return tuple(self.as_message().values())


def _recovered(message: SignableMessage, signature: bytes) -> str | None:
    """The address whose key made the ECDSA `signature` of `message`; None if it is not one (a contract's)."""
    try:
        return str(Account.recover_message(message, signature=signature))
    except (ValueError, TypeError, BadSignature):
        return None


# EIP-1271: a contract's answer that a signature is its own.
EIP1271_MAGIC = bytes.fromhex("1626ba7e")
EIP1271_ABI = [
    {
        "name": "isValidSignature",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
        "outputs": [{"name": "magicValue", "type": "bytes4"}],
    }
]


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

    def now(self) -> int:
        """The latest block's timestamp: the chain's clock."""
        return self.block_time("latest")

    def block_time(self, block: int | str) -> int:
        return int(self.sender.run(lambda: self.w3.eth.get_block(block))["timestamp"])

    # EIP-712

    def domain(self, name: str, contract: Contract) -> dict[str, Any]:
        """The EIP-712 domain of `contract` (OpenZeppelin's EIP712 with version "1")."""
        return {
            "name": name,
            "version": "1",
            "chainId": self.sender.chain_id,
            "verifyingContract": contract.address,
        }

    def acknowledgement_typed_data(self, request: OriginationRequest) -> dict[str, Any]:
        """The EIP-712 typed data of the obligor's acknowledgement of `request`."""
        return {
            "types": {"Acknowledgement": ACKNOWLEDGEMENT_FIELDS},
            "primaryType": "Acknowledgement",
            "domain": self.domain("ReceivableLedger", self.ledger),
            "message": request.as_message(),
        }

    def sign_acknowledgement(self, obligor: LocalAccount, request: OriginationRequest) -> bytes:
        typed = self.acknowledgement_typed_data(request)
        return bytes(obligor.sign_message(encode_typed_data(full_message=typed)).signature)

    def offer_typed_data(self, offer: Offer) -> dict[str, Any]:
        """The EIP-712 typed data of `offer`, as `eth_signTypedData_v4` takes it."""
        return {
            "types": {"Offer": OFFER_FIELDS},
            "primaryType": "Offer",
            "domain": self.domain("FinancingMarket", self.market),
            "message": offer.as_message(),
        }

    def sign_offer(self, financier: LocalAccount, offer: Offer) -> bytes:
        return bytes(financier.sign_message(encode_typed_data(full_message=self.offer_typed_data(offer))).signature)

    def offer_signed_by_financier(self, offer: Offer, signature: bytes) -> bool:
        """Whether the market will take `signature` for `offer`, as its `SignatureChecker` decides: an ECDSA
        signature by the financier's key, or, for a contract financier, its EIP-1271 `isValidSignature`."""
        message = encode_typed_data(full_message=self.offer_typed_data(offer))
        if _recovered(message, signature) == offer.financier:
            return True
        if not self.w3.eth.get_code(offer.financier):
            return False
        digest = self.market.functions.offerDigest(offer.as_tuple()).call()
        wallet = self.w3.eth.contract(address=offer.financier, abi=EIP1271_ABI)
        try:
            return bytes(wallet.functions.isValidSignature(digest, signature).call()) == EIP1271_MAGIC
        except (ContractLogicError, ValueError):  # reverted or answered garbage: not valid, as SignatureChecker
            return False
