"""The journal of an operation, on its own: values and transactions replayed in order, nonces from the database,
a refused transaction's nonce given back, a resync past a nonce used elsewhere, and a changed order refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from scf_ledger.services.journal import Journal, JournalMismatch
from scf_ledger.store.db import make_engine, session_factory, upgrade
from scf_ledger.store.models import OperationRow, SignerNonceRow, StepRow
from tests.utils.indexing import ENGINES

SIGNER = "0x" + "11" * 20


@pytest.fixture
def sessions(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    ENGINES.append(engine)
    factory = session_factory(engine)
    with factory.begin() as session:
        request = {"method": "POST", "path": "/v1/cash", "query": "", "body": "{}"}
        session.add(
            OperationRow(
                id="op_1", party=SIGNER, route="POST /v1/cash", request_digest="", request=request, status="pending"
            )
        )
    return factory


def _sign(nonce: int) -> tuple[bytes, bytes]:
    return bytes([nonce]) * 8, bytes([nonce]) * 32


def _finished(journal: Journal, sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        journal.save(session)
    journal.saved()


def test_a_journal_replays_its_values_and_transactions(sessions) -> None:  # type: ignore[no-untyped-def]
    first = Journal(sessions, "op_1", lambda _: 7, new=True)
    assert first.value("due", lambda: [[256, 5]]) == [[256, 5]]
    assert first.recorded_transaction("mint") is None
    assert first.record_transaction(SIGNER, "mint", _sign) == _sign(7)  # the node's count, then the database's
    assert first.recorded_transaction("repay") is None
    assert first.record_transaction(SIGNER, "repay", _sign) == _sign(8)
    first.mined(_sign(8)[1], True)
    _finished(first, sessions)

    again = Journal(sessions, "op_1", lambda _: 0)
    assert again.value("due", lambda: pytest.fail("read again")) == [[256, 5]]
    assert again.recorded_transaction("mint") == _sign(7)
    assert again.recorded_transaction("repay") == _sign(8)
    assert again.recorded_transaction("claim") is None  # the steps after the last recorded one run anew
    with sessions() as session:
        assert session.get(SignerNonceRow, SIGNER).next_nonce == 9
        assert [s.status for s in session.query(StepRow).order_by(StepRow.seq)] == ["done", "signed", "mined"]


def test_a_refused_transaction_gives_its_nonce_back(sessions) -> None:  # type: ignore[no-untyped-def]
    journal = Journal(sessions, "op_1", lambda _: 3, new=True)
    journal.record_transaction(SIGNER, "mint", _sign)
    journal.refused(SIGNER)
    assert not journal.broadcast
    journal.record_transaction(SIGNER, "mint", _sign)
    with sessions() as session:
        assert session.get(SignerNonceRow, SIGNER).next_nonce == 4  # 3 reused, since nothing took it


def test_a_resync_forgets_bytes_that_can_never_be_mined(sessions) -> None:  # type: ignore[no-untyped-def]
    journal = Journal(sessions, "op_1", lambda _: 3, new=True)
    journal.record_transaction(SIGNER, "mint", _sign)
    journal.resync(SIGNER, 10)  # the node says 3..9 were used outside the journal
    assert journal.record_transaction(SIGNER, "mint", _sign) == _sign(10)
    with sessions() as session:
        assert [s.nonce for s in session.query(StepRow)] == [10]


def test_an_operation_that_asks_for_other_steps_is_refused(sessions) -> None:  # type: ignore[no-untyped-def]
    first = Journal(sessions, "op_1", lambda _: 0, new=True)
    first.value("due", lambda: 1)
    first.record_transaction(SIGNER, "mint", _sign)
    again = Journal(sessions, "op_1", lambda _: 0)
    with pytest.raises(JournalMismatch):
        again.recorded_transaction("mint")  # step 0 was the value "due"
