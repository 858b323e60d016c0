"""What every benchmark row moves: one realistic task, its queues, and how completions are seen.

Every consumer, raw loop or task queue, reports each message it handled with one UDP datagram
(8 bytes: its monotonic clock) to the benchmark process, so "every task has run" is observed
the same way for all of them. Python's monotonic clock is the system-wide CLOCK_MONOTONIC on
Linux, comparable across processes.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from typing import Any

# A realistic ~300-byte message: an e-mail notification with a request id header.
TASK_NAME = "bench.send_email"
TASK_KWARGS: dict[str, Any] = {
    "to": "customer-4217@example.com",
    "subject": "Your order 1048576 has shipped",
    "order_id": 1048576,
}
HEADERS = {"request_id": "6fd23b2d-f8f4-40ca-8343-8672c0a3e817"}

ACCOUNT = "123456789012"  # moto's account
REGION = "us-east-1"
UDP_ENV = "BENCH_UDP_PORT"

_sender: socket.socket | None = None
_address: tuple[str, int] | None = None


def notify() -> None:
    """Tell the benchmark one task ran (called by the benchmark's tasks and raw loops)."""
    global _sender, _address  # noqa: PLW0603 - one socket per process, made on first use
    if _sender is None:
        _sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        _address = ("127.0.0.1", int(os.environ[UDP_ENV]))
    assert _address is not None
    _sender.sendto(struct.pack("d", time.monotonic()), _address)


class Completions:
    """Counts datagrams from consumers; remembers when the latest one was sent."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.socket.bind(("127.0.0.1", 0))
        self.port: int = self.socket.getsockname()[1]
        self.count = 0
        self.last = 0.0
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._listen, name="completions", daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        while True:
            try:
                data = self.socket.recv(64)
            except OSError:
                return
            (sent,) = struct.unpack("d", data[:8])
            with self.changed:
                self.count += 1
                self.last = max(self.last, sent)
                self.changed.notify_all()

    def wait(self, count: int, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count >= count, timeout)

    def close(self) -> None:
        self.socket.close()
