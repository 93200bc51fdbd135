"""How an integrator signs its requests to the scf API and checks the signed answers (DESIGN §13).

    API=http://127.0.0.1:8000 API_KEY=<your API key> python scripts/signed-request.py

Makes an Ed25519 key (keep yours: from the moment it is registered, every request of yours must be signed),
registers its public half, sends one signed request and verifies the platform's signature on the answer.
The same with RSA: `rsa.generate_private_key(65537, 2048)`."""

from __future__ import annotations

import os

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519

from scf_ledger.signed_client import public_pem, response_is_signed, signature_header

api = os.environ.get("API", "http://127.0.0.1:8000")
auth = {"Authorization": f"Bearer {os.environ['API_KEY']}"}

platform = httpx.get(f"{api}/v1/platform-keys", headers=auth).json()["items"][0]["public_key"]
key = ed25519.Ed25519PrivateKey.generate()
registered = httpx.post(f"{api}/v1/request-keys", json={"public_key": public_pem(key)}, headers=auth).json()

target = "/v1/me"
answer = httpx.get(api + target, headers=auth | signature_header(key, registered["id"], "GET", target))
print(answer.status_code, answer.json())
print("SCF-Response-Signature:", answer.headers["scf-response-signature"])
print("the platform signed this answer:", response_is_signed(platform, answer.headers, answer.content))
revoke = f"/v1/request-keys/{registered['id']}"  # this demonstration's key goes again (signed, as now it must)
httpx.delete(api + revoke, headers=auth | signature_header(key, registered["id"], "DELETE", revoke))
