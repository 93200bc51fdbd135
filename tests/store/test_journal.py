"""The journal of an operation, on its own: values and transactions replayed in order, nonces from the database,
a refused transaction's nonce given back, a resync past a nonce used elsewhere, and a changed order refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from scf_ledger.chain.sender import SignedTx
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


def _sign(nonce: int, attempt: int = 0) -> SignedTx:
    return SignedTx(bytes([nonce, attempt]) * 4, bytes([nonce, attempt]) * 16, nonce)


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
    first.mined(_sign(8).tx_hash, True)
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
    assert journal.refused(SIGNER)
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


def test_a_refused_transaction_with_a_later_nonce_allocated_keeps_its_nonce(sessions) -> None:  # type: ignore[no-untyped-def]
    journal = Journal(sessions, "op_1", lambda _: 3, new=True)
    journal.record_transaction(SIGNER, "mint", _sign)
    with sessions.begin() as session:  # another worker allocated 4 meanwhile
        session.get(SignerNonceRow, SIGNER, with_for_update=True).next_nonce = 5
    assert not journal.refused(SIGNER)  # 3 must be closed, not reused
    with sessions() as session:
        assert session.get(SignerNonceRow, SIGNER).next_nonce == 5


def test_every_attempt_at_a_nonce_is_kept_and_the_mined_one_wins(sessions) -> None:  # type: ignore[no-untyped-def]
    journal = Journal(sessions, "op_1", lambda _: 3, new=True)
    first = journal.record_transaction(SIGNER, "mint", _sign)
    second = journal.replace(SIGNER, _sign(3, 1))
    assert second.hashes == (_sign(3, 1).tx_hash, first.tx_hash) and second.nonce == 3
    again = Journal(sessions, "op_1", lambda _: 0).recorded_transaction("mint")
    assert again == second  # a restart sees both attempts
    journal.mined(first.tx_hash, True)  # the first was mined after all
    _finished(journal, sessions)
    with sessions() as session:
        step = session.query(StepRow).one()
        assert (step.tx_hash, step.status) == ("0x" + first.tx_hash.hex(), "mined")
        assert step.attempts == ["0x" + second.tx_hash.hex()]


def test_a_closed_nonce_is_recorded_as_closing_then_closed(sessions) -> None:  # type: ignore[no-untyped-def]
    journal = Journal(sessions, "op_1", lambda _: 3, new=True)
    journal.record_transaction(SIGNER, "mint", _sign)
    closer = journal.replace(SIGNER, SignedTx(b"\x09" * 8, b"\x09" * 32, 3, closing=True))
    assert closer.closing and journal.broadcast
    assert Journal(sessions, "op_1", lambda _: 0).recorded_transaction("mint") == closer
    journal.mined(closer.tx_hash, True)
    _finished(journal, sessions)
    with sessions() as session:
        assert session.query(StepRow).one().status == "closed"
