"""The package's exception root. Every error scf-ledger raises on purpose derives from `ScfError`."""

from __future__ import annotations


class ScfError(Exception):
    """Raised for any failure scf-ledger reports on purpose; catch this to catch them all."""


class ConfigurationError(ScfError):
    """Raised when the toolchain, settings or a deployment file are missing or inconsistent."""


class CompilationError(ConfigurationError):
    """Raised when the Solidity sources do not compile."""
