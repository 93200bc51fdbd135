"""The numbers every layer shares, defined once: units, scales, bounds and the calendar of the ledger."""

from __future__ import annotations

BPS = 10_000  # basis points in one
SCALE = 10**27  # fixed-point scale of the paid-per-unit view (DESIGN §3)
SECONDS_PER_DAY = 86_400
YEAR_360 = 360 * SECONDS_PER_DAY  # ACT/360 day count of the financing discount

MAX_AMOUNT = 2**128 - 1  # every amount of base units fits the contracts' uint128 accounting
MAX_UINT256 = 2**256 - 1  # an unlimited ERC-20 allowance; "everything due" as a repay cap; token ids, nonces
MAX_UINT64 = 2**64 - 1  # timestamps the contracts keep in uint64 (an offer's expiry)
MAX_INT64 = 2**63 - 1  # the database's integer keys (an audit record's id)
INSTALLMENT_COUNTS = (1, 3, 6, 12, 24)  # the plans the product sells

TOKEN_DECIMALS = 6  # of the local settlement token
UNIT = 10**TOKEN_DECIMALS  # one settlement token in base units

ZERO_ADDRESS = "0x" + "00" * 20  # a mint's sender; "any receivable" in an obligor-level offer

# The bounds the ledger's setTerms enforces (ReceivableMath.sol), checked before a transaction is sent.
MAX_GRACE_DAYS = 30
MAX_PENALTY_BPS_PER_DAY = 100
MAX_DEFAULT_DAYS = 365
MAX_INTEREST_FREE_DAYS = 62
MAX_FEE_BPS = 1_000
