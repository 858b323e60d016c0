"""Where large message bodies are kept: the S3 side of the transport boundary.

A store puts, gets and deletes text objects by bucket and key; the AWS one
(`taskhawk.transport.aws_s3`) talks to S3, the in-memory one serves tests and the pytest plugin.
Which store the runtime uses is chosen in `taskhawk.transport.payload_current`.
"""

from __future__ import annotations

import threading
from typing import Protocol

from taskhawk.exceptions import TransportError

__all__ = ["MemoryPayloadStore", "PayloadMissing", "PayloadStore"]


class PayloadMissing(TransportError):
    """The object a pointer names does not exist (deleted, expired, or never written): the
    message can never run."""


class PayloadStore(Protocol):
    """Three operations on text objects; S3 and the in-memory store implement exactly these.
    Failures raise TransportError (PayloadMissing when `get` finds no object)."""

    def put(self, bucket: str, key: str, body: str) -> None:
        """Store `body` (UTF-8) under `key`, replacing any object there."""

    def get(self, bucket: str, key: str) -> str:
        """The object's text; PayloadMissing when there is none."""

    def delete(self, bucket: str, key: str) -> None:
        """Remove the object; deleting one that is not there is no error."""


class MemoryPayloadStore:
    """Buckets in a dict; thread-safe, no I/O. `fail` makes every call raise TransportError
    (an S3 outage in tests)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.fail = False
        self._lock = threading.Lock()

    def put(self, bucket: str, key: str, body: str) -> None:
        self._check(f"putting s3://{bucket}/{key}")
        with self._lock:
            self.objects[(bucket, key)] = body.encode("utf-8")

    def get(self, bucket: str, key: str) -> str:
        self._check(f"getting s3://{bucket}/{key}")
        with self._lock:
            data = self.objects.get((bucket, key))
        if data is None:
            raise PayloadMissing(f"s3://{bucket}/{key} does not exist (NoSuchKey)")
        return data.decode("utf-8")

    def delete(self, bucket: str, key: str) -> None:
        self._check(f"deleting s3://{bucket}/{key}")
        with self._lock:
            self.objects.pop((bucket, key), None)

    def _check(self, doing: str) -> None:
        if self.fail:
            raise TransportError(f"{doing} failed: the store is unavailable")
