"""Publishing large messages through S3 (TASKHAWK_LARGE_PAYLOAD_BUCKET): a body over the
threshold is put in S3 and the queue or topic gets a pointer, in the format of AWS's SQS/SNS
Extended Client Libraries (`taskhawk.transport.payload_pointer`), so their consumers read ours.

Which messages go through S3 is decided while the batch is checked (no I/O); the objects are
put after every message passed its checks and before the first is sent, so an S3 failure sends
nothing.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from taskhawk.exceptions import ConfigurationError, PublishError
from taskhawk.settings import Settings
from taskhawk.transport import Destination, OutgoingMessage, SendResult
from taskhawk.transport.payload_current import current_store
from taskhawk.transport.payload_pointer import PayloadPointer, pointer_attributes

__all__ = ["Offload", "Payload", "discard_unsent", "store_payloads"]

logger = logging.getLogger("taskhawk.publisher")


@dataclass(frozen=True, slots=True)
class Payload:
    """A body on its way to S3, and where it goes."""

    pointer: PayloadPointer
    body: str
    size: int  # the body's UTF-8 bytes, as ExtendedPayloadSize says


@dataclass(frozen=True, slots=True)
class Offload:
    """The settings' rule for which messages go through S3."""

    bucket: str
    threshold: int | None = None
    always: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Offload | None:
        bucket = settings.taskhawk_large_payload_bucket
        threshold = settings.taskhawk_large_payload_threshold
        if threshold is not None and threshold < 0:
            raise ConfigurationError(
                f"TASKHAWK_LARGE_PAYLOAD_THRESHOLD must be 0 or more bytes, not {threshold}"
            )
        if not bucket:
            if settings.taskhawk_large_payload_always:
                raise ConfigurationError(
                    "TASKHAWK_LARGE_PAYLOAD_ALWAYS needs TASKHAWK_LARGE_PAYLOAD_BUCKET"
                )
            return None
        return cls(bucket, threshold, settings.taskhawk_large_payload_always)

    def wanted(self, size: int, limit: int) -> bool:
        """Whether a message of `size` bytes to a destination allowing `limit` goes to S3."""
        threshold = limit if self.threshold is None else min(self.threshold, limit)
        return self.always or size > threshold

    def pointing(self, message: OutgoingMessage) -> tuple[OutgoingMessage, Payload]:
        """The message that carries the pointer in place of `message`, and the body to put."""
        pointer = PayloadPointer(self.bucket, message.key)
        size = len(message.body.encode("utf-8"))
        attributes = pointer_attributes(message.attributes, size)
        carrier = dataclasses.replace(message, body=pointer.body, attributes=attributes)
        return carrier, Payload(pointer, message.body, size)


def store_payloads(payloads: Sequence[Payload], keys: Sequence[str], settings: Settings) -> None:
    """Put every payload in S3; if one fails, remove those already put and raise PublishError
    with every message of the send (`keys`) not sent."""
    if not payloads:
        return
    store = current_store(settings)
    stored: list[Payload] = []
    for payload in payloads:
        try:
            store.put(payload.pointer.bucket, payload.pointer.key, payload.body)
        except Exception as error:
            _remove(stored, settings)
            reason = f"large payload not stored in S3, nothing sent: {error}"
            raise PublishError(
                f"{len(keys)} messages not sent: {reason}",
                not_sent=dict.fromkeys(keys, reason),
                unknown={},
                sent=[],
            ) from error
        stored.append(payload)
        logger.debug("large payload stored at %s", payload.pointer.url)


def _remove(stored: Sequence[Payload], settings: Settings) -> None:
    store = current_store(settings)
    for payload in stored:
        try:
            store.delete(payload.pointer.bucket, payload.pointer.key)
        except Exception as error:  # left for the bucket's lifecycle rule
            logger.warning("could not remove unsent payload %s: %s", payload.pointer.url, error)


def discard_unsent(
    payloads: Sequence[Payload],
    results: Sequence[tuple[Destination, SendResult]],
    settings: Settings,
) -> None:
    """Remove the payloads of messages refused (never sent): no pointer will ever name them.
    Those whose send is of unknown outcome are kept, as their message may exist."""
    refused = {key for _, result in results for key in result.not_sent}
    _remove([p for p in payloads if p.pointer.key in refused], settings)
