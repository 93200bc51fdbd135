"""The dashboard's sessions and the operator's desk (issue 17, item 8): the cookie holds a server-side session
id (revocable, expiring), never the API key; every form carries the session's CSRF token; the desk's forms
write through the API's routes, as operations with an audit record."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import update

from scf_ledger.chain.connection import time_travel
from scf_ledger.domain.constants import SECONDS_PER_DAY, UNIT
from scf_ledger.services.runtime import key_digest
from scf_ledger.store.models import ApiKeyRow, WebSessionRow
from tests.api.test_desk import in_review
from tests.utils.api import Api, order


@pytest.fixture(autouse=True)
def browser(api: Api) -> Iterator[None]:
    """Each test a fresh browser: no cookie before, none left after."""
    api.client.cookies.clear()
    yield
    api.client.cookies.clear()


def _log_in(api: Api, who: str) -> str:
    """Logs `who` in; the CSRF token of its session (read from a page, as a browser would)."""
    answer = api.client.post("/login", data={"api_key": api.keys[who]}, follow_redirects=False)
    assert answer.status_code == 303
    return _csrf(api.client.get("/"))


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _form_key(page: httpx.Response) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_the_cookie_holds_a_session_id_that_logout_revokes(api: Api) -> None:
    csrf = _log_in(api, "tier1")
    cookie = api.client.cookies["scf_session"]
    assert cookie != api.keys["tier1"] and api.keys["tier1"] not in cookie
    assert api.client.get("/").status_code == 200
    assert api.client.post("/logout", data={}, follow_redirects=False).status_code == 403  # no token: refused
    assert api.client.get("/").status_code == 200  # ... and still logged in
    assert api.client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    api.client.cookies.set("scf_session", cookie)  # a copy of the cookie kept from before
    ended = api.client.get("/")
    assert ended.status_code == 401 and "session ended" in ended.text


def test_a_session_ends_when_it_expires_or_its_key_is_revoked(api: Api) -> None:
    _log_in(api, "tier1")
    rt = api.service
    with rt.sessions.begin() as session:
        session.execute(update(WebSessionRow).values(expires_at=0))
    assert api.client.get("/").status_code == 401
    _log_in(api, "tier2")
    with rt.sessions.begin() as session:
        session.execute(update(ApiKeyRow).where(ApiKeyRow.digest == key_digest(api.keys["tier2"])).values(revoked=True))
    assert api.client.get("/").status_code == 401


def test_a_desk_form_without_the_token_or_from_another_site_changes_nothing(api: Api) -> None:
    placed = in_review(api)
    csrf = _log_in(api, "platform")
    path = f"/desk/orders/{placed['id']}/review"
    form = {"decision": "approve", "reason": "looks fine"}
    assert api.client.post(path, data=form).status_code == 403
    assert api.client.post(path, data={**form, "csrf": "forged"}).status_code == 403
    other_site = api.client.post(path, data={**form, "csrf": csrf}, headers={"Origin": "https://evil.example"})
    assert other_site.status_code == 403
    assert api.ok("GET", f"/v1/orders/{placed['id']}", "platform")["status"] == "review"
    assert api.ok("GET", "/v1/audit?action=order.review", "platform")["items"] == []


def test_the_desk_approves_an_order_in_review_once_even_when_the_form_is_sent_twice(api: Api) -> None:
    placed = in_review(api)
    _log_in(api, "platform")
    desk = api.client.get("/desk")
    assert desk.status_code == 200 and placed["id"] in desk.text
    form = {
        "csrf": _csrf(desk),
        "form_key": _form_key(desk),
        "decision": "approve",
        "principal": "240.5",
        "reason": "income documents checked",
    }
    path = f"/desk/orders/{placed['id']}/review"
    first = api.client.post(path, data=form, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/desk?done=review"
    again = api.client.post(path, data=form, follow_redirects=False)  # the same form sent again: replayed
    assert again.status_code == 303
    approved = api.ok("GET", f"/v1/orders/{placed['id']}", "platform")
    assert (approved["status"], approved["principal"]) == ("approved", str(240_500_000))
    (record,) = api.ok("GET", "/v1/audit?action=order.review", "platform")["items"]
    assert record["actor"] == api.addresses["platform"] and record["operation_id"]
    after = api.client.get("/desk?done=review")
    assert "The review is recorded." in after.text and placed["id"] not in after.text.split('id="overdue"')[0]
    refused = api.client.post(path, data={**form, "form_key": "another"})  # a second review: 409, shown
    assert refused.status_code == 409 and "Order not in review" in refused.text
    bad = api.client.post(path, data={**form, "form_key": "third", "principal": "12abc"})
    assert bad.status_code == 422 and "not an amount of sUSD" in bad.text


def test_the_desk_lists_what_is_overdue_and_marks_a_defaultable_one(api: Api) -> None:
    ids = api.ok("POST", f"/v1/orders/{order(api, principal=300 * UNIT)['id']}/confirm", "gate")["token_ids"]
    chain = api.service.chain
    due = [api.ok("GET", f"/v1/receivables/{i}", "platform")["due_date"] for i in ids]
    chain.sender.run(lambda: time_travel(chain.w3, due[0] + 91 * SECONDS_PER_DAY))
    api.service.clock.forget()
    listed = api.ok("GET", "/v1/overdue", "platform")
    assert [(i["receivable_id"], i["defaultable"]) for i in listed["items"]] == [
        (ids[0], True),
        (ids[1], False),
        (ids[2], False),
    ]
    assert api.call("GET", "/v1/overdue", "gate").status_code == 403

    _log_in(api, "platform")
    desk = api.client.get("/desk")
    assert f'data-id="{ids[0]}" data-defaultable="yes"' in desk.text
    assert f'data-id="{ids[1]}" data-defaultable="no"' in desk.text
    form = {"csrf": _csrf(desk), "form_key": _form_key(desk), "reason": "no answer to three reminders"}
    early = api.client.post(f"/desk/receivables/{ids[1]}/default", data=form)
    assert early.status_code == 409 and "DefaultTooEarly" in early.text
    done = api.client.post(f"/desk/receivables/{ids[0]}/default", data={**form, "form_key": "k2"})
    assert done.status_code == 200 and "marked defaulted" in done.text  # followed to the desk
    assert api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["status"] == "defaulted"
    (record,) = api.ok("GET", "/v1/audit?action=receivable.default", "platform")["items"]
    assert record["reason"] == "no answer to three reminders"
    csv_page = api.client.get("/desk/audit.csv")
    assert csv_page.headers["content-type"].startswith("text/csv") and "receivable.default" in csv_page.text


def test_the_desk_is_the_platforms(api: Api) -> None:
    assert api.client.get("/desk").status_code == 401  # not logged in: the login page
    _log_in(api, "gate")
    assert api.client.get("/desk").status_code == 403
    assert api.client.post("/desk/receivables/1/default", data={"reason": "x"}).status_code == 403
    assert api.client.get("/desk/audit.csv").status_code == 403


def test_the_desk_opens_a_dispute_lists_it_and_closes_it_upheld_with_a_credit_note(api: Api) -> None:
    ids = api.ok("POST", f"/v1/orders/{order(api, principal=300 * UNIT)['id']}/confirm", "gate")["token_ids"]
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["tier1"], "amount": str(100 * UNIT)})
    _log_in(api, "platform")
    desk = api.client.get("/desk")
    assert "No dispute is open." in desk.text
    csrf = _csrf(desk)
    opening = {
        "csrf": csrf,
        "form_key": "open-1",
        "receivable_id": ids[1],
        "reason_code": "DAMAGED",
        "notice_from": "obligor",
    }
    opened = api.client.post("/desk/disputes", data=opening)
    assert opened.status_code == 200 and "The dispute is open" in opened.text
    (dispute,) = api.ok("GET", "/v1/disputes?status=open", "platform")["items"]
    assert (dispute["receivable_id"], dispute["reason_code"]) == (ids[1], "DAMAGED")
    assert f'data-dispute="{dispute["id"]}"' in opened.text
    assert api.call("GET", "/v1/disputes", "gate").status_code == 403

    path = f"/desk/disputes/{dispute['id']}/resolution"
    closing = {"csrf": csrf, "form_key": "close-1", "outcome": "upheld", "credit": "20", "reason": "photos checked"}
    too_much = api.client.post(path, data={**closing, "credit": "1000"})
    assert too_much.status_code == 422 and "CreditAboveUnpaidPrincipal" in too_much.text
    closed = api.client.post(path, data={**closing, "form_key": "close-2"})
    assert (
        closed.status_code == 200 and "The dispute is closed." in closed.text and "No dispute is open." in closed.text
    )
    assert api.ok("GET", f"/v1/disputes/{dispute['id']}", "platform")["credit"] == str(20 * UNIT)
    assert api.ok("GET", f"/v1/receivables/{ids[1]}", "platform")["status"] == "active"

    note = {"csrf": csrf, "form_key": "note-1", "receivable_id": ids[0], "credit": "12.5", "reason": "price cut"}
    noted = api.client.post("/desk/credit-notes", data=note)
    assert noted.status_code == 200 and "The credit note is made" in noted.text
    (record,) = api.ok("GET", "/v1/audit?action=receivable.credit_note", "platform")["items"]
    assert (record["subject"], record["detail"]["credit"], record["reason"]) == (ids[0], str(12_500_000), "price cut")
    bad_id = api.client.post("/desk/credit-notes", data={**note, "form_key": "note-2", "receivable_id": "../orders"})
    assert bad_id.status_code == 422 and "not a receivable id" in bad_id.text
    bad_amount = api.client.post("/desk/credit-notes", data={**note, "form_key": "note-3", "fee_waiver": "1,5"})
    assert bad_amount.status_code == 422 and "Fee waiver" in bad_amount.text
    assert len(api.ok("GET", "/v1/audit?action=receivable.credit_note", "platform")["items"]) == 1
