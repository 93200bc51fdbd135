"""Dashboard sessions: logging in with an API key opens a session whose random id is all the browser keeps
(never the key); it ends at logout, after `session_seconds`, or when its key is revoked. Each session has a
token that every form it posts must carry (CSRF)."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from scf_ledger.services.runtime import Party, key_digest
from scf_ledger.store.models import ApiKeyRow, PartyRow, WebSessionRow

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Runtime


@dataclass(frozen=True)
class WebSession:
    party: Party
    csrf_token: str

    def accepts(self, token: str | None) -> bool:
        """Whether a form's token is this session's (compared in constant time)."""
        return token is not None and hmac.compare_digest(token, self.csrf_token)


def open_session(rt: Runtime, api_key: str) -> str | None:
    """A new session for a known, unrevoked key: its id (for the cookie), or None."""
    if rt.party_for_key(api_key) is None:
        return None
    session_id = secrets.token_urlsafe(32)
    row = WebSessionRow(
        digest=key_digest(session_id),
        key_digest=key_digest(api_key),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=int(time.time()) + rt.settings.session_seconds,
        revoked=False,
    )
    with rt.sessions.begin() as session:
        session.add(row)
    return session_id


def find(rt: Runtime, session_id: str) -> WebSession | None:
    """The live session of `session_id`: not logged out, not expired, its key not revoked."""
    with rt.sessions() as session:
        found = session.execute(
            select(WebSessionRow.csrf_token, PartyRow)
            .join(ApiKeyRow, ApiKeyRow.digest == WebSessionRow.key_digest)
            .join(PartyRow, PartyRow.address == ApiKeyRow.party)
            .where(
                WebSessionRow.digest == key_digest(session_id),
                WebSessionRow.revoked.is_(False),
                WebSessionRow.expires_at > int(time.time()),
                ApiKeyRow.revoked.is_(False),
            )
        ).first()
    if found is None:
        return None
    token, party = found
    return WebSession(Party.of(party), token)


def close(rt: Runtime, session_id: str) -> None:
    """Logs out: the id is refused from now on, wherever it was copied."""
    with rt.sessions.begin() as session:
        row = session.get(WebSessionRow, key_digest(session_id))
        if row is not None:
            row.revoked = True
