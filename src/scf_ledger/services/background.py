"""Work a service repeats in the background (the leader's indexing, each worker's webhook dispatch)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("scf_ledger.services")


def repeat(what: str, work: Callable[[], None], interval: float, stop: threading.Event) -> threading.Thread:
    """Runs `work` every `interval` seconds on a daemon thread until `stop` is set; a failure is logged and the
    work tried again at the next tick."""

    def loop() -> None:
        while not stop.wait(interval):
            try:
                work()
            except Exception as exc:  # logged and retried at the next tick
                log.warning("%s failed: %s: %s", what, type(exc).__name__, exc)

    thread = threading.Thread(target=loop, name=f"scf {what}", daemon=True)
    thread.start()
    return thread
