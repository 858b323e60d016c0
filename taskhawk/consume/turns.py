"""Turns of the messages a process runs at once: together, or one alone.

A message that was running when a worker process died among several others (`--concurrency`)
may be the one that killed it. It is run alone: it waits until nothing else runs, and nothing
starts beside it, so if it kills its process again, the crash ledger knows it was the one.
Messages waiting for their turn are still held, and kept hidden by the heartbeat.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Turns"]


class Turns:
    """Thread-safe; one per consumer. One waiting to run alone goes before later shared ones."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running = 0
        self._alone = False
        self._waiting_alone = 0

    def alone_wanted(self) -> bool:
        """A message runs alone, or waits to: receiving more would only make them wait."""
        with self._changed:
            return self._alone or self._waiting_alone > 0

    @contextmanager
    def turn(self, *, alone: bool) -> Iterator[None]:
        with self._changed:
            if alone:
                self._waiting_alone += 1
                self._changed.wait_for(lambda: not self._running and not self._alone)
                self._waiting_alone -= 1
                self._alone = True
            else:
                self._changed.wait_for(lambda: not self._alone and not self._waiting_alone)
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._alone = self._alone and not alone
                self._changed.notify_all()
