"""The Python money rules equal the contract's to the base unit on random inputs (DESIGN §3)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scf_ledger.chain.compiler import Artifact
from scf_ledger.chain.connection import connect
from scf_ledger.chain.deploy import deploy_data
from scf_ledger.domain import money
from tests.utils.strategies import price_inputs

EPOCH_DAY_MAX = 150_000  # about year 2380
MAX = money.MAX_AMOUNT
CHECK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def harness(artifacts: dict[str, Artifact]) -> Any:
    w3 = connect()
    artifact = artifacts["ReceivableMathHarness"]
    tx = w3.eth.send_transaction({"from": w3.eth.accounts[0], "data": deploy_data(artifact, [])})
    address = w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    return w3.eth.contract(address=address, abi=artifact.abi).functions


def _day_start(day: int) -> int:
    return day * money.SECONDS_PER_DAY


plans = st.sampled_from(money.INSTALLMENT_COUNTS).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(n, MAX), st.integers(0, n - 1))
)


@CHECK
@given(plan=plans, fee_bps=st.integers(0, 10_000), day=st.integers(0, EPOCH_DAY_MAX), free=st.integers(0, 400))
def test_schedule_matches(harness: Any, plan: tuple[int, int, int], fee_bps: int, day: int, free: int) -> None:
    n, principal, index = plan
    confirmed = _day_start(day) + 12 * 3600
    assert harness.principalOf(principal, n, index).call() == money.principal_of(principal, n, index)
    assert harness.feePerInstallment(principal, n, fee_bps, day, free).call() == money.fee_per_installment(
        principal, n, fee_bps, confirmed, free
    )
    assert harness.dueDate(day, index).call() == money.due_date(confirmed, index)


@CHECK
@given(day=st.integers(0, EPOCH_DAY_MAX), months=st.integers(0, 400))
def test_calendar_matches(harness: Any, day: int, months: int) -> None:
    from datetime import date, timedelta

    expected = money.add_months(date(1970, 1, 1) + timedelta(days=day), months) - date(1970, 1, 1)
    assert harness.addMonths(day, months).call() == expected.days


@CHECK
@given(
    outstanding=st.integers(0, MAX),
    bps=st.integers(0, 100),
    days=st.integers(0, 100_000),
    remainder=st.integers(0, money.BPS - 1),
)
def test_penalty_matches(harness: Any, outstanding: int, bps: int, days: int, remainder: int) -> None:
    due = 0
    accrual = money.accrue_penalty(outstanding, bps, due, 0, None, days * money.SECONDS_PER_DAY, remainder)
    expected = (accrual.added, accrual.remainder) if days else (0, remainder)
    assert tuple(harness.penaltyFor(outstanding, bps, days, remainder).call()) == expected


@CHECK
@given(amount=st.integers(0, MAX), penalty=st.integers(0, MAX), fee=st.integers(0, MAX), paid=st.integers(0, MAX))
def test_allocation_matches(harness: Any, amount: int, penalty: int, fee: int, paid: int) -> None:
    a = money.allocate(amount, penalty, fee, paid)
    assert tuple(harness.allocate(amount, penalty, fee, paid).call()) == (a.to_penalty, a.to_fee, a.to_principal)


@CHECK
@given(face=st.integers(1, MAX), data=st.data())
def test_pro_rata_matches(harness: Any, face: int, data: st.DataObject) -> None:
    balance = data.draw(st.integers(0, face))
    delta = data.draw(st.integers(0, MAX))
    residue = data.draw(st.integers(0, face - 1))
    assert tuple(harness.shareOf(balance, delta, residue, face).call()) == money.share_of(balance, delta, residue, face)
    assert harness.paidPerUnitScaled(delta, face).call() == money.paid_per_unit_scaled(delta, face)


@CHECK
@given(inputs=price_inputs)
def test_price_matches(harness: Any, inputs: tuple[int, int, int, int, int]) -> None:
    units, paid, rate, due, now = inputs
    assert harness.priceForUnits(units, paid, rate, due, now).call() == money.price_for_units(
        units, paid, rate, due, now
    )
