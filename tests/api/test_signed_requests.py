"""Signed requests (issue 20, item 2): a gateway that registered a public key must sign each request in the
WeChat Pay API v3 manner; a tampered body, a replayed nonce, a stale timestamp, another party's key or no
signature is refused with a 401 naming it; answers to signed requests carry the platform's signature."""

from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from scf_ledger.signed_client import public_pem, response_is_signed, signature_header
from tests.utils.api import Api, order_body

PROBLEM = "application/problem+json"


def _send(api: Api, who: str, key: object, key_id: str, method: str, target: str, body: object = None, **kw: object):
    raw = json.dumps(body).encode() if body is not None else b""
    headers = {"Authorization": f"Bearer {api.keys[who]}", "Content-Type": "application/json"}
    headers |= signature_header(key, key_id, method, target, raw, **kw)  # type: ignore[arg-type]
    return api.client.request(method, target, content=raw, headers=headers)


@pytest.mark.parametrize("make", [ed25519.Ed25519PrivateKey.generate, lambda: rsa.generate_private_key(65537, 2048)])
def test_a_gateway_that_signs_is_served_and_its_answers_are_signed(api: Api, make: object) -> None:
    key = make()  # type: ignore[operator]
    registered = api.ok("POST", "/v1/request-keys", "gate", {"public_key": public_pem(key)})
    assert registered["algorithm"] in ("ed25519", "rsa") and registered["id"].startswith("rk_")
    platform = api.ok("GET", "/v1/platform-keys", "tier1")["items"][0]["public_key"]

    placed = _send(api, "gate", key, registered["id"], "POST", "/v1/orders", order_body(api))
    assert placed.status_code == 201, placed.text
    assert response_is_signed(platform, placed.headers, placed.content)
    assert not response_is_signed(platform, placed.headers, placed.content + b" ")
    listed = _send(api, "gate", key, registered["id"], "GET", f"/v1/orders/{placed.json()['id']}?x=1")
    assert listed.status_code == 200 and response_is_signed(platform, listed.headers, listed.content)


def test_a_signing_gateway_is_refused_without_a_good_fresh_signature(api: Api) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    key_id = api.ok("POST", "/v1/request-keys", "gate", {"public_key": public_pem(key)})["id"]
    body = order_body(api)
    unsigned = api.call("POST", "/v1/orders", "gate", body)
    assert unsigned.status_code == 401 and unsigned.json()["title"] == "Signature required"
    assert unsigned.headers["content-type"] == PROBLEM

    raw = json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {api.keys['gate']}", "Content-Type": "application/json"}
    signed = headers | signature_header(key, key_id, "POST", "/v1/orders", raw)
    tampered = api.client.post(
        "/v1/orders", content=raw.replace(b'"installments": 3', b'"installments": 6'), headers=signed
    )
    assert tampered.status_code == 401 and tampered.json()["title"] == "Bad signature"
    first = api.client.post("/v1/orders", content=raw, headers=signed)
    assert first.status_code == 201, first.text
    replayed = api.client.post("/v1/orders", content=raw, headers=signed)
    assert replayed.status_code == 401 and replayed.json()["title"] == "Replayed nonce"
    stale = _send(api, "gate", key, key_id, "POST", "/v1/orders", order_body(api), timestamp=int(time.time()) - 400)
    assert stale.status_code == 401 and stale.json()["title"] == "Stale timestamp"
    other_path = headers | signature_header(key, key_id, "POST", "/v1/orders?a=b", raw)
    assert api.client.post("/v1/orders", content=raw, headers=other_path).json()["title"] == "Bad signature"

    theirs = ed25519.Ed25519PrivateKey.generate()
    their_id = api.ok("POST", "/v1/request-keys", "tier1", {"public_key": public_pem(theirs)})["id"]
    borrowed = _send(api, "gate", theirs, their_id, "POST", "/v1/orders", order_body(api))
    assert borrowed.status_code == 401 and borrowed.json()["title"] == "Unknown signing key"
    assert api.call("GET", "/v1/me", "bank").status_code == 200  # a party without a key signs nothing


def test_a_revoked_key_no_longer_signs_and_a_party_without_keys_needs_none(api: Api) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    key_id = api.ok("POST", "/v1/request-keys", "gate", {"public_key": public_pem(key)})["id"]
    again = _send(api, "gate", key, key_id, "POST", "/v1/request-keys", {"public_key": public_pem(key)})
    assert again.status_code == 201 and again.json()["id"] == key_id  # a lost answer, retried: one key
    listed = _send(api, "gate", key, key_id, "GET", "/v1/request-keys")
    assert [k["id"] for k in listed.json()["items"]] == [key_id]
    assert _send(api, "gate", key, key_id, "DELETE", f"/v1/request-keys/{key_id}").status_code == 200
    assert api.call("POST", "/v1/orders", "gate", order_body(api)).status_code == 201  # unsigned again
    assert _send(api, "gate", key, key_id, "GET", "/v1/me").json()["title"] == "Unknown signing key"


def test_a_key_that_is_not_a_usable_public_key_is_refused(api: Api) -> None:
    weak = rsa.generate_private_key(65537, 1024)
    for pem, detail in (
        (public_pem(weak), "at least 2048"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "not a PEM"),
    ):
        refused = api.call("POST", "/v1/request-keys", "gate", {"public_key": pem})
        assert refused.status_code == 422 and detail in refused.json()["detail"]
    assert api.call("POST", "/v1/orders", "gate", order_body(api)).status_code == 201  # nothing was registered


def test_each_request_is_its_own_callers(api: Api) -> None:
    """The signing layer looks the caller up once per request and hands it on: never to the next request."""
    assert api.ok("GET", "/v1/me", "gate")["name"] == "gate"
    assert api.ok("GET", "/v1/me", "tier1")["name"] == "tier1"
    assert api.call("GET", "/v1/me", None).status_code == 401
    assert api.ok("GET", "/v1/me", "gate")["name"] == "gate"
