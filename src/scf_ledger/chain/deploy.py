"""Deploys the four contracts, wires their roles, and reads and writes deployment files."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import encode
from eth_account.signers.local import LocalAccount
from web3 import Web3

from scf_ledger.chain.compiler import DEPLOYABLE, Artifact, abi_hash, compile_contracts
from scf_ledger.chain.errors import RevertDecoder
from scf_ledger.chain.sender import Call, TransactionSender
from scf_ledger.errors import ConfigurationError

PLATFORM_KIND = 1


@dataclass(frozen=True)
class Terms:
    """Deployment-wide terms of DESIGN §3 (days and basis points)."""

    grace_days: int = 3
    penalty_bps_per_day: int = 5
    default_days: int = 90
    interest_free_days: int = 30
    max_fee_bps: int = 1_000

    def as_tuple(self) -> tuple[int, int, int, int, int]:
        return (
            self.grace_days,
            self.penalty_bps_per_day,
            self.default_days,
            self.interest_free_days,
            self.max_fee_bps,
        )


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    deployment_block: int
    genesis_hash: str
    platform: str
    addresses: dict[str, str]
    abi_hashes: dict[str, str]
    terms: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    def write(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n")

    @classmethod
    def read(cls, path: Path) -> Deployment:
        try:
            data = json.loads(path.read_text())
            return cls(**data)
        except FileNotFoundError:
            raise ConfigurationError(f"deployment file {path} does not exist: run `scf deploy` first") from None
        except (json.JSONDecodeError, TypeError) as exc:
            raise ConfigurationError(f"deployment file {path} is not a valid deployment: {exc}") from None


def decoder_for(artifacts: dict[str, Artifact]) -> RevertDecoder:
    return RevertDecoder(a.abi for a in artifacts.values())


def deploy_data(artifact: Artifact, args: list[Any]) -> str:
    """Creation bytecode followed by the ABI-encoded constructor arguments."""
    ctor = next((i for i in artifact.abi if i["type"] == "constructor"), {"inputs": []})
    types = [
        "(" + ",".join(c["type"] for c in i["components"]) + ")" if i["type"] == "tuple" else i["type"]
        for i in ctor["inputs"]
    ]
    return artifact.bytecode + encode(types, args).hex()


def deploy(
    w3: Web3,
    sender: TransactionSender,
    deployer: LocalAccount,
    terms: Terms | None = None,
    artifacts: dict[str, Artifact] | None = None,
) -> Deployment:
    """Deploys token, registry, the ledger's extension (the platform's corrections, run on the ledger's storage),
    ledger and market; grants the ledger the registry's RISK_ROLE (to freeze
    defaulted obligors) and registers the deployer as the platform."""
    artifacts = artifacts or compile_contracts()
    terms = terms or Terms()
    me = deployer.address

    blocks: list[int] = []

    def create(name: str, args: list[Any]) -> str:
        receipt = sender.send(deployer, Call("", deploy_data(artifacts[name], args), f"deploy {name}"))
        blocks.append(int(receipt["blockNumber"]))
        return str(receipt["contractAddress"])

    token = create("SettlementToken", ["Settlement USD", "sUSD", me])
    registry = create("ParticipantRegistry", [me])
    adjustments = create("LedgerAdjustments", [token, registry])
    ledger = create("ReceivableLedger", [token, registry, me, terms.as_tuple(), adjustments])
    market = create("FinancingMarket", [token, ledger, registry, me])

    registry_contract = w3.eth.contract(address=registry, abi=artifacts["ParticipantRegistry"].abi)
    risk_role = registry_contract.functions.RISK_ROLE().call()
    sender.send(deployer, Call(registry, registry_contract.encode_abi("grantRole", [risk_role, ledger]), "grantRole"))
    sender.send(deployer, Call(registry, registry_contract.encode_abi("register", [me, PLATFORM_KIND]), "register"))
    addresses = {
        "SettlementToken": token,
        "ParticipantRegistry": registry,
        "LedgerAdjustments": adjustments,
        "ReceivableLedger": ledger,
        "FinancingMarket": market,
    }
    return Deployment(
        chain_id=sender.chain_id,
        deployment_block=min(blocks),
        genesis_hash="0x" + bytes(w3.eth.get_block(0)["hash"]).hex(),
        platform=me,
        addresses=addresses,
        abi_hashes={name: abi_hash(artifacts[name].abi) for name in DEPLOYABLE},
        terms=asdict(terms),
    )
