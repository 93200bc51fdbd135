"""The operator's desk: the review queue, defaults by hand, and the audit log (issue 17)."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest
from sqlalchemy import func, select

from scf_ledger.api.durable import resume_pending
from scf_ledger.chain.connection import time_travel
from scf_ledger.domain.constants import UNIT
from scf_ledger.services import audit
from scf_ledger.services.journal import active, new_operation_id
from scf_ledger.store.models import OperationRow
from tests.utils.api import THIN_FILE, Api, order


def in_review(api: Api, principal: int = 300 * UNIT) -> dict:
    placed = order(api, "buyer2", principal=principal, profile=THIN_FILE)
    assert placed["status"] == "review", placed
    return placed


def test_an_order_in_review_waits_in_the_queue_then_is_approved_for_less_and_confirmed(api: Api) -> None:
    placed = in_review(api)
    queue = api.ok("GET", "/v1/reviews", "platform")["items"]
    assert [o["id"] for o in queue] == [placed["id"]]
    refused = api.call("POST", f"/v1/orders/{placed['id']}/confirm", "gate")
    assert refused.status_code == 409 and refused.json()["title"] == "Order not approved"

    body = {"decision": "approve", "reason": "income documents checked", "principal": str(240 * UNIT)}
    approved = api.ok("POST", f"/v1/orders/{placed['id']}/review", "platform", body)
    assert approved["status"] == "approved" and approved["principal"] == str(240 * UNIT)
    assert approved["review"] == {"reviewer": api.addresses["platform"], "reason": "income documents checked"}
    assert api.ok("GET", "/v1/reviews", "platform")["items"] == []
    confirmed = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")
    assert len(confirmed["token_ids"]) == 3
    credit = api.ok("GET", f"/v1/obligors/{api.addresses['buyer2']}/credit", "platform")
    assert credit["exposure"] == str(240 * UNIT) and int(credit["limit"]) >= 240 * UNIT

    (record,) = api.ok("GET", "/v1/audit?action=order.review", "platform")["items"]
    assert (record["actor"], record["subject"], record["reason"]) == (
        api.addresses["platform"],
        placed["id"],
        "income documents checked",
    )
    assert record["detail"]["decision"] == "approve" and record["tx_hash"]  # the line was raised for it


def test_a_declined_review_is_final_and_a_second_review_is_refused(api: Api) -> None:
    placed = in_review(api)
    declined = api.ok(
        "POST", f"/v1/orders/{placed['id']}/review", "platform", {"decision": "decline", "reason": "thin"}
    )
    assert declined["status"] == "declined"
    again = api.call("POST", f"/v1/orders/{placed['id']}/review", "platform", {"decision": "approve", "reason": "x"})
    assert again.status_code == 409 and again.json()["title"] == "Order not in review"
    assert api.ok("GET", f"/v1/orders/{placed['id']}", "gate")["status"] == "declined"


def test_bad_reviews_are_refused_and_change_nothing(api: Api) -> None:
    approved = order(api)  # approved by the scorecard: not in review
    path = f"/v1/orders/{approved['id']}/review"
    not_in_review = api.call("POST", path, "platform", {"decision": "approve", "reason": "x"})
    assert not_in_review.status_code == 409 and not_in_review.json()["title"] == "Order not in review"
    placed = in_review(api)
    path = f"/v1/orders/{placed['id']}/review"
    for body, title in [
        ({"decision": "approve", "reason": "x", "principal": str(301 * UNIT)}, "Principal out of range"),
        ({"decision": "approve", "reason": "x", "limit": str(10**12)}, "Limit above recommended"),
        ({"decision": "decline", "reason": "x", "principal": str(UNIT)}, "Nothing to size"),
    ]:
        refused = api.call("POST", path, "platform", body)
        assert refused.status_code == 422 and refused.json()["title"] == title, refused.json()
    assert api.call("POST", path, "platform", {"decision": "maybe", "reason": "x"}).status_code == 422
    assert api.call("POST", path, "gate", {"decision": "approve", "reason": "x"}).status_code == 403
    assert api.ok("GET", f"/v1/orders/{placed['id']}", "platform")["status"] == "review"
    assert api.ok("GET", "/v1/audit", "platform")["items"] == []


def test_the_platform_defaults_an_installment_once_it_may_and_the_line_freezes(api: Api) -> None:
    placed = order(api, principal=300 * UNIT)
    first = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"][0]
    path = f"/v1/receivables/{first}/default"
    early = api.call("POST", path, "platform", {"reason": "no contact"})
    assert early.status_code == 409 and early.json()["contract_error"] == "DefaultTooEarly"
    assert api.call("POST", path, "gate").status_code == 403

    chain = api.service.chain
    chain.sender.run(lambda: time_travel(chain.w3, chain.now() + 200 * 86_400))  # past due + 90 days
    done = api.ok("POST", path, "platform", {"reason": "no contact"})
    assert done["frozen"] is True and int(done["outstanding"]) > 103 * UNIT  # principal, fee and penalty
    assert api.ok("GET", f"/v1/receivables/{first}", "platform")["status"] == "defaulted"
    twice = api.call("POST", path, "platform")
    assert twice.status_code == 409 and twice.json()["title"] == "Receivable is terminal"
    (record,) = api.ok("GET", "/v1/audit?action=receivable.default", "platform")["items"]
    assert record["subject"] == str(first) and record["tx_hash"] == done["tx_hash"]


def test_the_audit_log_pages_newest_first_filters_and_is_read_by_the_platform_only(api: Api) -> None:
    obligor = api.addresses["buyer2"]
    for limit in (7, 8, 9):
        api.ok("POST", f"/v1/obligors/{obligor}/limit", "platform", {"limit": str(limit * UNIT), "reason": f"R{limit}"})
    first = api.ok("GET", "/v1/audit?action=limit.set&limit=2", "platform")
    assert [r["reason"] for r in first["items"]] == ["R9", "R8"] and first["next_cursor"]
    rest = api.ok("GET", f"/v1/audit?action=limit.set&limit=2&cursor={first['next_cursor']}", "platform")
    assert [r["reason"] for r in rest["items"]] == ["R7"] and rest["next_cursor"] is None
    assert api.ok("GET", "/v1/audit?actor=nobody", "platform")["items"] == []
    for who in ("gate", "buyer2", "bank", "tier1"):
        assert api.call("GET", "/v1/audit", who).status_code == 403
        assert api.call("GET", "/v1/reviews", who).status_code == 403

    text = api.client.get("/v1/audit?format=csv", headers={"Authorization": f"Bearer {api.keys['platform']}"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["reason"] for r in rows] == ["R9", "R8", "R7"]
    assert json.loads(rows[0]["detail"]) == {"limit": str(9 * UNIT)}


def test_an_operation_run_again_records_its_action_once(api: Api) -> None:
    rt = api.service
    journal = rt.journal(new_operation_id(), new=True)
    with active(journal):
        for _ in range(2):  # the second time as after a crash: the record is there already
            audit.record(rt, "job:test", "limit.restore", "ord_x", reason="VELOCITY_ENDED")
    assert len(api.ok("GET", "/v1/audit?action=limit.restore", "platform")["items"]) == 1


def test_the_scheduled_job_defaults_what_fell_due_once_and_records_it(api: Api) -> None:
    placed = order(api, principal=300 * UNIT)
    ids = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"]
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[0], "full": True})
    rt = api.service
    rt.sync()
    assert api.ok("GET", "/v1/audit?action=receivable.default", "platform")["items"] == []  # nothing due yet

    chain = rt.chain
    due = [api.ok("GET", f"/v1/receivables/{i}", "platform")["due_date"] for i in ids]
    # Past due + 90 days for the first two installments, not for the third.
    chain.sender.run(lambda: time_travel(chain.w3, due[1] + 91 * 86_400))
    rt.sync()
    rt.sync()  # run again: nothing more to do
    statuses = [api.ok("GET", f"/v1/receivables/{i}", "platform")["status"] for i in ids]
    assert statuses == ["repaid", "defaulted", "overdue"]
    (record,) = api.ok("GET", "/v1/audit?action=receivable.default", "platform")["items"]
    assert (record["actor"], record["subject"], record["reason"]) == (
        "job:default-due",
        ids[1],
        "DUE_PLUS_DEFAULT_DAYS",
    )
    assert record["operation_id"] and record["tx_hash"]
    assert api.ok("GET", f"/v1/obligors/{api.addresses['buyer']}/credit", "platform")["frozen"] is True


def test_found_by_schemathesis_a_huge_cursor_and_a_delete_of_the_typed_data(api: Api) -> None:
    assert api.call("GET", f"/v1/audit?cursor={2**64 - 2}", "platform").status_code == 422  # was a 500
    refused = api.call("DELETE", "/v1/offers/typed-data", "bank")  # was a 422 from the offer cancellation
    assert refused.status_code == 405 and refused.headers["allow"] == "GET"


def test_the_job_waits_while_paused_and_leaves_no_operation_for_what_it_may_not_default_yet(api: Api) -> None:
    placed = order(api, principal=300 * UNIT)
    ids = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"]
    rt, chain = api.service, api.service.chain
    api.ok("POST", "/v1/system/pause", "platform", {"paused": True, "reason": "incident"})
    due = api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["due_date"]
    chain.sender.run(lambda: time_travel(chain.w3, due + 91 * 86_400))
    with rt.sessions() as session:
        before = session.scalar(select(func.count()).select_from(OperationRow))
    rt.sync()  # paused: the ledger would refuse, so nothing is tried
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OperationRow)) == before
    assert api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["status"] == "overdue"

    api.ok("POST", "/v1/system/pause", "platform", {"paused": False, "reason": "resolved"})
    chain.sender.run(lambda: time_travel(chain.w3, chain.now() + 2 * 3_600))  # the job's next hour
    rt.sync()
    assert api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["status"] == "defaulted"
    assert api.ok("GET", f"/v1/receivables/{ids[1]}", "platform")["status"] == "overdue"  # not yet due + 90 d


def test_an_installment_under_longer_default_days_is_left_for_later_without_an_operation(api: Api) -> None:
    placed = order(api, principal=300 * UNIT)
    first = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"][0]
    terms = {k: v for k, v in api.ok("GET", "/v1/terms", "platform").items() if k != "tx_hash"}
    api.ok("POST", "/v1/terms", "platform", {**terms, "default_days": 30})  # new purchases only
    rt, chain = api.service, api.service.chain
    due = api.ok("GET", f"/v1/receivables/{first}", "platform")["due_date"]
    chain.sender.run(lambda: time_travel(chain.w3, due + 31 * 86_400))
    with rt.sessions() as session:
        before = session.scalar(select(func.count()).select_from(OperationRow))
    rt.sync()  # a candidate by today's 30 days, refused by the ledger: its purchase has 90
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OperationRow)) == before
    assert api.ok("GET", f"/v1/receivables/{first}", "platform")["status"] == "overdue"


def test_a_default_of_the_job_interrupted_after_its_transaction_is_finished_by_recovery(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    placed = order(api, principal=300 * UNIT)
    ids = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"]
    rt, chain = api.service, api.service.chain
    due = api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["due_date"]
    chain.sender.run(lambda: time_travel(chain.w3, due + 91 * 86_400))
    since = chain.w3.eth.block_number + 1

    def crash(*_: object, **__: object) -> None:
        raise OSError("the worker died here")  # after the default's transaction, before its audit record

    monkeypatch.setattr(audit, "record", crash)
    with pytest.raises(OSError):
        rt.sync()
    monkeypatch.undo()
    with rt.sessions() as session:
        (left,) = session.scalars(select(OperationRow).where(OperationRow.route == "JOB default-due")).all()
    assert left.status == "pending"  # not failed: its transaction may be on its way
    chain.sender.run(lambda: time_travel(chain.w3, chain.now() + 2 * 3_600))
    rt.sync()  # the job's next hour: the installment is its pending operation's, not started again

    assert asyncio.run(resume_pending(api.client.app)) == 1
    (record,) = api.ok("GET", "/v1/audit?action=receivable.default", "platform")["items"]
    assert (record["actor"], record["subject"], record["operation_id"]) == ("job:default-due", ids[0], left.id)
    assert len(chain.ledger.events.ReceivableDefaulted().get_logs(from_block=since)) == 1  # sent once
    assert api.ok("GET", f"/v1/operations/{left.id}", "platform")["status"] == "succeeded"
    assert asyncio.run(resume_pending(api.client.app)) == 0
