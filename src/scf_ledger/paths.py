"""Where the project's files live. The package runs from a source checkout (contracts/, node_modules/)."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The checkout holding contracts/ and node_modules/; `SCF_PROJECT_ROOT` overrides it."""
    override = os.environ.get("SCF_PROJECT_ROOT")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[2]


def contracts_dir() -> Path:
    return project_root() / "contracts"


def build_dir() -> Path:
    return project_root() / "build"
