"""moto's SQS, made to keep the promises of SQS that taskhawk relies on.

`taskhawk dev-server` runs moto's server, and the test suite runs the same server with these
same changes, so what a developer sees locally is what the tests check:

- **Atomic receives.** moto checks that a message is visible and marks it received without a
  lock, so two concurrent receives (two worker processes) can both get it. Receives run one at a
  time here; a long poll waits outside the lock.
- **FIFO group locks.** moto reads the groups in flight once per receive, so a long poll that
  began before another receive took a group's messages could hand out a later message of that
  group. Each try reads them afresh here.
- **The size limit counts attributes.** moto counts only the body against the 1 MiB limit; SQS
  counts the body plus every attribute's name, type and value (`transport.limits`).
- **The refusals SQS makes at send.** An empty body, a character SQS does not accept in the body
  or an attribute value, more than ten attributes, an attribute name SQS does not accept, a FIFO
  group or deduplication id that is not 1-128 printable ASCII characters.

This is the only module that imports moto (the `devserver` extra); it is imported only by the
dev-server command and the tests. What is still not emulated is listed in the docs (operations:
the local endpoint).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from moto.sqs.exceptions import InvalidParameterValue
from moto.sqs.models import SQSBackend

from taskhawk.transport.limits import FIFO_ID, SQS_MAX_BYTES, send_refusal, transport_size

__all__ = ["keep_sqs_promises", "sqs_promises_kept"]

_RECEIVE_LOCK = threading.Lock()
_INSTALL_LOCK = threading.Lock()
_installed: dict[str, Any] = {}  # method name -> moto's own, while the changes are in place
_POLL_S = 0.5


def keep_sqs_promises() -> Callable[[], None]:
    """Change moto's SQS in this process (its server threads included); the function that
    changes it back. Calling it again while the changes are in place changes nothing."""
    with _INSTALL_LOCK:
        if _installed:
            return lambda: None
        replacements = {
            "receive_message": _atomic_receive,
            "send_message": _checked_send,
            "send_message_batch": _checked_batch,
        }
        for name, replacement in replacements.items():
            _installed[name] = getattr(SQSBackend, name)
            setattr(SQSBackend, name, replacement)
    return _restore


@contextmanager
def sqs_promises_kept() -> Iterator[None]:
    """keep_sqs_promises() for the duration of a block."""
    restore = keep_sqs_promises()
    try:
        yield
    finally:
        restore()


def _restore() -> None:
    with _INSTALL_LOCK:
        for name, method in _installed.items():
            setattr(SQSBackend, name, method)
        _installed.clear()


def _atomic_receive(
    self: SQSBackend,
    queue_name: str,
    count: int,
    wait_seconds_timeout: int,
    visibility_timeout: int,
    message_attribute_names: list[str] | None = None,
) -> list[Any]:
    """moto's receive without its own wait, one at a time; the long poll waits between tries,
    outside the lock, and each try reads the FIFO groups in flight afresh."""
    original = _installed["receive_message"]
    deadline = time.monotonic() + wait_seconds_timeout
    while True:
        with _RECEIVE_LOCK:
            result: list[Any] = original(
                self, queue_name, count, 0, visibility_timeout, message_attribute_names
            )
        remaining = deadline - time.monotonic()
        if result or remaining <= 0:
            return result
        self.get_queue(queue_name).wait_for_messages(min(remaining, _POLL_S))  # type: ignore[arg-type]
        time.sleep(0.01)  # visible but taken by another receive: do not spin


def _checked_send(
    self: SQSBackend,
    queue_name: str,
    message_body: str,
    message_attributes: dict[str, Any] | None = None,
    delay_seconds: int | None = None,
    deduplication_id: str | None = None,
    group_id: str | None = None,
    **rest: Any,
) -> Any:
    """moto's send (also each entry of a batch), after the checks SQS makes first."""
    _refuse(message_body, message_attributes or {}, group_id, deduplication_id)
    return _installed["send_message"](
        self,
        queue_name,
        message_body,
        message_attributes=message_attributes,
        delay_seconds=delay_seconds,
        deduplication_id=deduplication_id,
        group_id=group_id,
        **rest,
    )


def _checked_batch(self: SQSBackend, queue_name: str, entries: dict[str, Any]) -> Any:
    """A batch whose entries together exceed the limit is refused whole, as SQS does."""
    total = sum(
        transport_size(entry["MessageBody"], _strings(entry.get("MessageAttributes") or {}))
        for entry in entries.values()
    )
    if total > SQS_MAX_BYTES:
        raise InvalidParameterValue(
            f"Batch requests cannot be longer than {SQS_MAX_BYTES} bytes. You have sent "
            f"{total} bytes."
        )
    return _installed["send_message_batch"](self, queue_name, entries)


def _refuse(
    body: str, attributes: Mapping[str, Any], group_id: str | None, deduplication_id: str | None
) -> None:
    problem = send_refusal(body, _strings(attributes))
    for name, value in (("MessageGroupId", group_id), ("MessageDeduplicationId", deduplication_id)):
        if problem is None and value is not None and FIFO_ID.fullmatch(value) is None:
            problem = f"{name} must be 1 to 128 printable ASCII characters"
    if problem is not None:
        raise InvalidParameterValue(f"One or more parameters are invalid. Reason: {problem}.")


def _strings(attributes: Mapping[str, Any]) -> dict[str, str]:
    """moto's attribute dicts as the text SQS counts (a Binary value by its encoded length)."""
    return {
        str(name): str(value.get("StringValue", value.get("BinaryValue", "")))
        for name, value in attributes.items()
    }
