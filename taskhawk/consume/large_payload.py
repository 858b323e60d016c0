"""Consuming messages whose body is in S3: a pointer in the format of AWS's SQS/SNS Extended
Client Libraries (`taskhawk.transport.payload_pointer`), whoever sent it.

The body is fetched from the bucket the pointer names, so a consumer without
TASKHAWK_LARGE_PAYLOAD_BUCKET reads it too. A pointer to a missing object can never run: it is
dead-lettered with the reason, pointer and all. Any other S3 failure raises, so the message is
kept and comes back. The object is deleted only once its message is: a retry, a deferral or a
move to the dead-letter queue keeps the pointer, so they keep the object too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from taskhawk.consume.decision import Action, Decision
from taskhawk.settings import Settings
from taskhawk.transport import ReceivedMessage, Transport
from taskhawk.transport.limits import LARGE_PAYLOAD_MAX_BYTES, SQS_MAX_BYTES
from taskhawk.transport.payload_current import current_store
from taskhawk.transport.payload_pointer import PayloadPointer, parse_pointer
from taskhawk.transport.payload_store import PayloadMissing

__all__ = [
    "PayloadCleanup",
    "delete_payloads",
    "message_body",
    "missing_payload",
    "settle_lambda_record",
]

logger = logging.getLogger("taskhawk.consumer")


def message_body(
    received: ReceivedMessage, settings: Settings, *, local: bool = False
) -> tuple[str, int]:
    """The message's real body: its own, or the S3 object its pointer names (PayloadMissing
    when there is none, TransportError when S3 failed); and the most bytes it may have. A
    `local` message (sync mode, the test recorder) never crossed a queue: with a bucket set, it
    may be as large as S3 would have carried it."""
    pointer = parse_pointer(received.body)
    if pointer is None:
        large = local and bool(settings.taskhawk_large_payload_bucket)
        return received.body, LARGE_PAYLOAD_MAX_BYTES if large else SQS_MAX_BYTES
    body = current_store(settings).get(pointer.bucket, pointer.key)
    return body, LARGE_PAYLOAD_MAX_BYTES


def missing_payload(error: PayloadMissing, fields: dict[str, Any]) -> Decision:
    """A pointer whose object is gone: to the dead-letter queue, with the reason."""
    return Decision(
        Action.DEAD_LETTER, fields, reason=f"large payload missing: {error}"[:1024], error=error
    )


def delete_payloads(bodies: Iterable[str], settings: Settings) -> None:
    """Delete the objects of these bodies that are pointers, once their messages are deleted;
    a failure is logged (the bucket's lifecycle rule removes what is left)."""
    for body in bodies:
        pointer = parse_pointer(body)
        if pointer is not None:
            _delete(pointer, settings)


def _delete(pointer: PayloadPointer, settings: Settings) -> None:
    try:
        current_store(settings).delete(pointer.bucket, pointer.key)
    except Exception as error:
        logger.warning("could not delete large payload %s: %s", pointer.url, error)


class PayloadCleanup:
    """Told by the worker's in-flight keeper which messages it deleted; deletes their payloads,
    but not those of messages sent on (to the dead-letter queue, or back delayed): their copies
    point to the same object."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._kept: set[str] = set()
        self._lock = threading.Lock()

    def keep(self, receipt: str) -> None:
        """The message of this receipt was sent on: its payload stays when it is deleted."""
        with self._lock:
            self._kept.add(receipt)

    def __call__(self, deleted: Sequence[ReceivedMessage]) -> None:
        with self._lock:
            done = [r for r in deleted if r.receipt not in self._kept]
            self._kept.difference_update(r.receipt for r in deleted)
        delete_payloads((received.body for received in done), self.settings)


def settle_lambda_record(
    transport: Transport, received: ReceivedMessage, settings: Settings
) -> bool:
    """A finished SQS record: True (Lambda deletes it). A pointer's object can only go after
    its message, and Lambda deletes the message after the handler returns, so a pointer record
    is deleted here first; if that fails, the object is kept."""
    pointer = parse_pointer(received.body)
    if pointer is None:
        return True
    try:
        failed = transport.delete(received.queue, [received.receipt])
    except Exception as error:
        failed = [received.receipt]
        logger.warning("could not delete a finished record from %s: %s", received.queue, error)
    if not failed:
        _delete(pointer, settings)
    return True
