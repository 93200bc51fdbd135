"""The app of one worker of `scf serve --workers N`, made from the SCF_* environment the command sets."""

from __future__ import annotations

from fastapi import FastAPI

from scf_ledger.api.main import create_app
from scf_ledger.config import Settings
from scf_ledger.services.runtime import Runtime


def app_from_environment() -> FastAPI:
    return create_app(Runtime.open(Settings()))
