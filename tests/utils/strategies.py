"""Hypothesis strategies shared by the Python and the cross-check tests."""

from __future__ import annotations

from hypothesis import strategies as st

from scf_ledger.domain import money

# Inputs of the discount price: units, paid per unit (scaled), annual rate (bps), due date, now.
price_inputs = st.tuples(
    st.integers(0, money.MAX_AMOUNT),
    st.integers(0, money.SCALE),
    st.integers(0, 65_535),
    st.integers(0, 2**40),
    st.integers(0, 2**40),
)
