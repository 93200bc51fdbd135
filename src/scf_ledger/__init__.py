"""scf-ledger: a blockchain-backed supply-chain receivables ledger."""

import sys

import py_ecc  # noqa: F401  (imported first, for the limit below to hold: see RECURSION_LIMIT)

__version__ = "0.1.0"

# py_ecc sets the recursion limit to 100,000 when imported (through eth-account and web3), which switches off
# the guard that stops C-level recursion, such as the JSON parser on a deeply nested body, before it overflows
# the C stack. Set back to what py-evm (the embedded chain) asks for its 1,024 nested EVM calls.
RECURSION_LIMIT = 1024 * 12
sys.setrecursionlimit(RECURSION_LIMIT)
