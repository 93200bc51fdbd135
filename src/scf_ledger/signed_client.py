"""For integrators: sign a request to the scf API and verify its signed answer (DESIGN §13). A party with a
registered request key sends, beside `Authorization: Bearer <key>`,

    SCF-Signature: keyid="rk_…", timestamp="<unix seconds>", nonce="<random>", signature="<base64>"

where the signature (Ed25519, or RSA PKCS#1 v1.5 with SHA-256) covers `METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\n
BODY\\n`, the body exactly as sent. The answer carries `SCF-Response-Signature` by the platform's Ed25519 key
(`GET /v1/platform-keys`) over `TIMESTAMP\\nNONCE\\nBODY\\n`. `scripts/signed-request.py` shows it end to end."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from scf_ledger.services.signing import (
    REQUEST_HEADER,
    RESPONSE_HEADER,
    header_fields,
    request_message,
    response_message,
)

PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey


def signature_header(
    private_key: PrivateKey, key_id: str, method: str, target: str, body: bytes = b"", *, timestamp: int | None = None
) -> dict[str, str]:
    """The header that signs one request; `target` is the path with its query (`/v1/orders?x=1`)."""
    path, _, query = target.partition("?")
    stamp, nonce = str(int(time.time()) if timestamp is None else timestamp), secrets.token_hex(16)
    message = request_message(method.upper(), path, query, stamp, nonce, body)
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        raw = private_key.sign(message)
    else:
        raw = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    value = f'keyid="{key_id}", timestamp="{stamp}", nonce="{nonce}", signature="{base64.b64encode(raw).decode()}"'
    return {REQUEST_HEADER: value}


def public_pem(private_key: PrivateKey) -> str:
    """The public key to register (`POST /v1/request-keys`)."""
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def response_is_signed(platform_pem: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether an answer's `SCF-Response-Signature` is the platform's over exactly `body`."""
    fields = header_fields(headers.get(RESPONSE_HEADER, ""))
    key = serialization.load_pem_public_key(platform_pem.encode())
    if not isinstance(key, ed25519.Ed25519PublicKey) or not {"timestamp", "nonce", "signature"} <= fields.keys():
        return False
    try:
        key.verify(base64.b64decode(fields["signature"]), response_message(fields["timestamp"], fields["nonce"], body))
    except (InvalidSignature, ValueError):
        return False
    return True
