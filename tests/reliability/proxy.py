"""tests.support.faultproxy.FaultProxy, counting the requests each mode handled (and, by the
X-Amz-Target header, which SQS actions they were), and able to fault only the next N requests
(then pass again), for retry-then-succeed cases, or only some actions."""

from __future__ import annotations

import re
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.faultproxy import FaultProxy

__all__ = ["CountingProxy"]

_TARGET = re.compile(rb"x-amz-target:\s*\w+\.(\w+)", re.IGNORECASE)


class CountingProxy(FaultProxy):
    def __init__(self, upstream: str) -> None:
        self.handled: Counter[str] = Counter()
        self.actions: Counter[tuple[str, str]] = Counter()  # (mode, action) -> requests
        self._lock = threading.Lock()
        self._limited: tuple[str, int] | None = None
        self._only: frozenset[str] | None = None
        super().__init__(upstream)

    @contextmanager
    def fault_actions(self, mode: str, actions: set[str]) -> Iterator[None]:
        """Fault only requests of these SQS actions (`DeleteMessageBatch`); others pass."""
        with self._lock:
            self._only = frozenset(actions)
        try:
            with self.fault(mode):
                yield
        finally:
            with self._lock:
                self._only = None

    @contextmanager
    def fault_next(self, mode: str, requests: int) -> Iterator[None]:
        """Fault the next `requests` connections in `mode`; later ones pass."""
        with self._lock:
            self._limited = (mode, requests)
        try:
            with self.fault(mode):
                yield
        finally:
            with self._lock:
                self._limited = None

    def _handle(self, client: socket.socket, mode: str) -> None:
        action = _peek_action(client)
        with self._lock:
            if self._only is not None and action not in self._only:
                mode = "pass"
            if self._limited is not None and self._limited[0] == mode:
                left = self._limited[1]
                if left <= 0:
                    mode = "pass"
                else:
                    self._limited = (mode, left - 1)
            self.handled[mode] += 1
            self.actions[mode, action] += 1
        super()._handle(client, mode)


def _peek_action(client: socket.socket) -> str:
    """The request's SQS action, read without consuming it (botocore sends it at once)."""
    client.settimeout(2.0)
    try:
        head = client.recv(8192, socket.MSG_PEEK)
    except OSError:
        return "unknown"
    found = _TARGET.search(head)
    return found.group(1).decode() if found else "unknown"
