"""API overhead: a financing request over HTTP (auth, validation, signing, send, receipt, indexing,
response) against the same `acceptOffer` signed locally and sent with raw web3.py, interleaved on one anvil."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from scf_ledger.api.main import create_app
from scf_ledger.chain.anvil import free_port
from scf_ledger.chain.client import Offer
from scf_ledger.chain.sender import Call
from scf_ledger.config import Settings
from scf_ledger.domain.constants import ZERO_ADDRESS
from scf_ledger.domain.enums import Kind
from scf_ledger.services.runtime import Runtime

UNIT = 10**6


def _raw_send(w3: Web3, account: LocalAccount, to: str, data: str, nonce: int, chain_id: int) -> None:
    fee = int(w3.eth.get_block("latest")["baseFeePerGas"]) * 2 + 10**9
    tx = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "to": to,
        "data": data,
        "value": 0,
        "gas": 400_000,
        "maxFeePerGas": fee,
        "maxPriorityFeePerGas": 10**9,
    }
    tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.005)
    assert receipt["status"] == 1


def measure_api(
    rpc_url: str,
    deployment_file: Path,
    samples: int = 50,
    db_url: str | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, float]:
    """On `db_url` (an empty database), else on a temporary SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        service = Runtime.open(
            Settings(rpc_url=rpc_url, deployment=str(deployment_file), db_url=db_url or f"sqlite:///{tmp}/api.sqlite")
        )
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            base = f"http://127.0.0.1:{port}"
            while not server.started:
                time.sleep(0.05)
            return _measure(service, base, samples, log)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def _measure(service: Runtime, base: str, samples: int, log: Callable[[str], None]) -> dict[str, float]:
    http = httpx.Client(base_url=base, timeout=60)
    admin = {"Authorization": f"Bearer {service.admin_key}"}

    def party(kind: str, name: str, **extra: str) -> tuple[str, str]:
        body = http.post("/v1/participants", json={"kind": kind, "name": name, **extra}, headers=admin).json()
        return body["api_key"], body["address"]

    gate_key, gateway = party("gateway", "gate")
    seller_key, seller = party("supplier", "seller")
    _, buyer = party("obligor", "buyer", gateway=gateway)
    bank_key, bank = party("financier", "bank")
    http.post("/v1/cash", json={"to": bank, "amount": str(10**6 * UNIT)}, headers=admin)
    gate = {"Authorization": f"Bearer {gate_key}"}
    profile = {"age": 40, "monthly_income": str(5_000 * UNIT), "employment_months": 40}
    order = http.post(
        "/v1/orders",
        headers=gate,
        json={
            "buyer": buyer,
            "supplier": seller,
            "principal": str(2_000 * UNIT),
            "installments": 1,
            "fee_bps": 0,
            "document_hash": "0x" + "ab" * 32,
            "profile": profile,
        },
    ).json()
    token_id = int(http.post(f"/v1/orders/{order['id']}/confirm", headers=gate).json()["token_ids"][0])
    offer = http.post(
        "/v1/offers",
        headers={"Authorization": f"Bearer {bank_key}"},
        json={
            "receivable_id": str(token_id),
            "rate_bps": 500,
            "max_units": str(10 * samples),
            "expiry": str(2**40),
        },
    ).json()

    # The raw side: a self-custody seller holding units, sending acceptOffer with web3.py directly.
    chain, gw = service.chain, service.gw
    raw: LocalAccount = Account.create()
    gw.registry.register(service.platform, raw.address, Kind.SUPPLIER)
    chain.sender.send(service.platform, Call(raw.address, "0x", "gas", value=10**18), gas=21_000)
    gw.ledger.transfer(service.signer(seller), raw.address, token_id, 10 * samples)
    gw.ledger.transact(raw, "setApprovalForAll", chain.market.address, True)
    raw_offer = Offer(bank, token_id, ZERO_ADDRESS, 500, 1, 10 * samples, 2**40, int(offer["nonce"]) + 1)
    raw_signature = chain.sign_offer(service.signer(bank), raw_offer)
    data = chain.market.encode_abi("acceptOffer", [raw_offer.as_tuple(), raw_signature, token_id, 1])
    w3, chain_id = chain.w3, chain.sender.chain_id
    nonce = w3.eth.get_transaction_count(raw.address)
    seller_headers = {"Authorization": f"Bearer {seller_key}"}

    api_times, raw_times = [], []
    for i in range(samples):
        began = time.perf_counter()
        response = http.post(
            "/v1/financing-requests", headers=seller_headers, json={"offer_id": offer["id"], "units": "1"}
        )
        api_times.append(time.perf_counter() - began)
        assert response.status_code == 201, response.text
        began = time.perf_counter()
        _raw_send(w3, raw, chain.market.address, data, nonce + i, chain_id)
        raw_times.append(time.perf_counter() - began)
    http.close()
    api_ms, raw_ms = statistics.median(api_times) * 1000, statistics.median(raw_times) * 1000
    log(f"  financing request over HTTP {api_ms:.1f} ms vs raw acceptOffer {raw_ms:.1f} ms (medians of {samples})")
    return {
        "api.financing_request_ms": round(api_ms, 2),
        "api.raw_accept_offer_ms": round(raw_ms, 2),
        "api.overhead_ratio": round(api_ms / raw_ms, 3),
    }
