"""scf-ledger: a blockchain-backed supply-chain receivables ledger."""

__version__ = "0.1.0"
