"""Signed requests and signed responses (DESIGN §13), in the WeChat Pay API v3 manner: a party that registers
a public key (Ed25519, or RSA of 2048 bits or more) must sign every request over
`METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`, sent as `SCF-Signature: keyid="…", timestamp="…",
nonce="…", signature="…"` beside its API key; a timestamp over 5 minutes off, a nonce seen before or a
signature over other bytes is refused. Answers to signed requests are signed with the platform's Ed25519 key
(`GET /v1/platform-keys`) over `TIMESTAMP\\nNONCE\\nBODY\\n` in `SCF-Response-Signature`."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, Field
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from scf_ledger.domain.enums import Role
from scf_ledger.services.errors import Invalid, NotFound, Unauthorized
from scf_ledger.store.models import PartyRow, RequestKeyRow, RequestNonceRow

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Party, Runtime

REQUEST_HEADER = "scf-signature"
RESPONSE_HEADER = "scf-response-signature"
MAX_SKEW = 300  # seconds a signed request's timestamp may be off the server's clock
MIN_RSA_BITS = 2048
_FIELD = re.compile(r'(\w+)="([^"]*)"')


class RequestKeyCreate(BaseModel):
    public_key: str = Field(min_length=40, max_length=4_000, description="PEM (SubjectPublicKeyInfo)")


class RequestKeyOut(BaseModel):
    id: str
    algorithm: str
    public_key: str
    created_at: int


class RequestKeysPage(BaseModel):
    items: list[RequestKeyOut]


class PlatformKeyOut(BaseModel):
    id: str
    algorithm: str
    public_key: str


class PlatformKeysPage(BaseModel):
    items: list[PlatformKeyOut]


# KEYS


def _load(pem: str) -> tuple[str, ed25519.Ed25519PublicKey | rsa.RSAPublicKey]:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError:
        raise Invalid("Invalid public key", "public_key is not a PEM public key") from None
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519", key
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise Invalid("Invalid public key", f"an RSA key needs at least {MIN_RSA_BITS} bits, not {key.key_size}")
        return "rsa", key
    raise Invalid("Invalid public key", "public_key must be Ed25519 or RSA")


def register(rt: Runtime, party: Party, body: RequestKeyCreate) -> RequestKeyOut:
    """Registers a public key: from now on every request of `party` must be signed (by one of its keys). The
    same key registered again is the same registration (a retry after a lost answer adds nothing)."""
    algorithm, key = _load(body.public_key)
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    row = RequestKeyRow(
        id="rk_" + secrets.token_hex(8),
        party=party.address,
        algorithm=algorithm,
        public_key=pem,
        created_at=int(time.time()),
    )
    with rt.sessions.begin() as session:
        same = select(RequestKeyRow).where(
            RequestKeyRow.party == party.address, RequestKeyRow.public_key == pem, RequestKeyRow.revoked.is_(False)
        )
        known = session.scalars(same).first()
        if known is not None:
            return _out(known)
        session.add(row)
        session.execute(update(PartyRow).where(PartyRow.address == party.address).values(signs_requests=True))
    return _out(row)


def keys_of(rt: Runtime, party: Party) -> RequestKeysPage:
    with rt.sessions() as session:
        rows = session.scalars(
            select(RequestKeyRow).where(RequestKeyRow.party == party.address, RequestKeyRow.revoked.is_(False))
        ).all()
    return RequestKeysPage(items=[_out(r) for r in rows])


def revoke(rt: Runtime, party: Party, key_id: str) -> RequestKeyOut:
    """Revokes one of the caller's keys (the platform: anyone's); a party left with none signs no more."""
    with rt.sessions.begin() as session:
        row = session.get(RequestKeyRow, key_id)
        if row is None or row.revoked or (row.party != party.address and party.role != Role.PLATFORM):
            raise NotFound("request key", key_id)
        row.revoked = True
        left = session.scalars(
            select(RequestKeyRow.id).where(RequestKeyRow.party == row.party, RequestKeyRow.revoked.is_(False))
        ).first()
        if left is None:
            session.execute(update(PartyRow).where(PartyRow.address == row.party).values(signs_requests=False))
        return _out(row)


def _out(row: object) -> RequestKeyOut:
    return RequestKeyOut.model_validate(row, from_attributes=True)


# REQUESTS


def request_message(method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a request's signature covers: `METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`."""
    target = f"{path}?{query}" if query else path
    return f"{method}\n{target}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"


def response_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def header_fields(value: str) -> dict[str, str]:
    return dict(_FIELD.findall(value))


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str
    query: str
    body: bytes
    header: str | None


def verify(rt: Runtime, party: Party, request: SignedRequest) -> None:
    """Refuses (401, naming what is wrong) a request of a signing party that is not signed as it must be."""
    if request.header is None:
        raise Unauthorized("Signature required", f"this party signs its requests: send the {REQUEST_HEADER} header")
    fields = header_fields(request.header)
    missing = [f for f in ("keyid", "timestamp", "nonce", "signature") if not fields.get(f)]
    if missing:
        raise Unauthorized("Malformed signature", f"{REQUEST_HEADER} lacks {', '.join(missing)}")
    with rt.sessions() as session:
        key = session.get(RequestKeyRow, fields["keyid"])
    if key is None or key.revoked or key.party != party.address:
        raise Unauthorized("Unknown signing key", f"no request key {fields['keyid']} of yours")
    if not fields["timestamp"].isdigit() or abs(time.time() - int(fields["timestamp"])) > MAX_SKEW:
        raise Unauthorized("Stale timestamp", f"the timestamp must be within {MAX_SKEW // 60} minutes of now")
    message = request_message(
        request.method, request.path, request.query, fields["timestamp"], fields["nonce"], request.body
    )
    try:
        signature = base64.b64decode(fields["signature"], validate=True)
        public = serialization.load_pem_public_key(key.public_key.encode())
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, message)
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        raise Unauthorized("Bad signature", "the signature does not match this request (method, path, body)") from None
    now = int(time.time())
    try:
        with rt.sessions.begin() as session:
            session.execute(delete(RequestNonceRow).where(RequestNonceRow.seen_at < now - 2 * MAX_SKEW))
            session.add(RequestNonceRow(key_id=key.id, nonce=fields["nonce"][:64], seen_at=now))
    except IntegrityError:
        raise Unauthorized("Replayed nonce", "this nonce was used already: sign each request with a new one") from None


# THE PLATFORM'S KEY


def platform_key(rt: Runtime) -> tuple[str, ed25519.Ed25519PrivateKey]:
    """The platform's response-signing key, derived from the master key (every worker has the same)."""
    seed = HKDF(hashes.SHA256(), 32, salt=b"scf-ledger", info=b"response-signing").derive(
        rt.settings.master_key.encode()
    )
    private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "pk_" + hashlib.sha256(raw).hexdigest()[:16], private


def platform_keys(rt: Runtime) -> PlatformKeysPage:
    key_id, private = platform_key(rt)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return PlatformKeysPage(items=[PlatformKeyOut(id=key_id, algorithm="ed25519", public_key=pem.decode())])


def sign_response(rt: Runtime, body: bytes) -> str:
    """The `SCF-Response-Signature` header of an answer with `body`."""
    key_id, private = platform_key(rt)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    signature = base64.b64encode(private.sign(response_message(timestamp, nonce, body))).decode()
    return f'keyid="{key_id}", timestamp="{timestamp}", nonce="{nonce}", signature="{signature}"'
