"""Request keys (a party's public keys for signed requests) and the platform's response-signing key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from scf_ledger.api.deps import PartyDep, RuntimeDep
from scf_ledger.services import signing
from scf_ledger.services.signing import PlatformKeysPage, RequestKeyCreate, RequestKeyOut, RequestKeysPage

router = APIRouter(tags=["signing"])
KeyId = Annotated[str, Path(pattern=r"^rk_[0-9a-f]{16}$")]


@router.post("/request-keys", status_code=201, response_model=RequestKeyOut)
def register_key(body: RequestKeyCreate, rt: RuntimeDep, party: PartyDep) -> RequestKeyOut:
    """Registers an Ed25519 or RSA (≥ 2048 bits) public key, PEM: from now on each of your requests must carry
    `SCF-Signature: keyid, timestamp, nonce, signature` over `METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`."""
    return signing.register(rt, party, body)


@router.get("/request-keys", response_model=RequestKeysPage)
def list_keys(rt: RuntimeDep, party: PartyDep) -> RequestKeysPage:
    return signing.keys_of(rt, party)


@router.delete("/request-keys/{key_id}", response_model=RequestKeyOut)
def revoke_key(key_id: KeyId, rt: RuntimeDep, party: PartyDep) -> RequestKeyOut:
    """Revokes one of your keys (the platform: anyone's); with none left, requests need no signature."""
    return signing.revoke(rt, party, key_id)


@router.get("/platform-keys", response_model=PlatformKeysPage)
def platform_keys(rt: RuntimeDep, party: PartyDep) -> PlatformKeysPage:
    """The public key that signs the answers to signed requests (`SCF-Response-Signature`)."""
    return signing.platform_keys(rt)
