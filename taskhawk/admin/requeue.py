"""Moving dead letters back: each priority's DLQ to that same priority's queue.

Upstream sent every DLQ to the default queue. Here body and attributes are kept (minus the
dead-letter reason), and a message is deleted from the DLQ only once it was re-sent.

A run moves what was in the DLQ when it started, never the same message twice, and ends, even
while a worker dead-letters poison again or producers keep writing to the DLQ: a message that
reached the DLQ after the run started (by the queue's clock: SQS's SentTimestamp) is left where
it is, hidden until the run ends and then released.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from taskhawk.consume.dead_letter import REASON_ATTRIBUTE, forward, loads_leniently
from taskhawk.exceptions import PublishError, summarize_failures
from taskhawk.priority import Priority
from taskhawk.settings import get_settings
from taskhawk.transport import Destination, ReceivedMessage, Transport
from taskhawk.transport.current import current_transport
from taskhawk.transport.limits import MAX_BATCH, SHORT_POLL_S, check_batch_size
from taskhawk.transport.payload_pointer import parse_pointer
from taskhawk.wire import TASK_ATTRIBUTE

__all__ = ["DeadLetterKind", "Selection", "peek_dead_letters", "requeue_dead_letter"]

logger = logging.getLogger("taskhawk.requeue")

REDRIVE_REASON = "moved by the queue's redrive policy (failed on every allowed receive)"
HOLD_S = 300  # how long a received dead letter stays hidden while a run looks at the others


@dataclass(frozen=True, slots=True)
class DeadLetterKind:
    """What a dead letter is (its task) and why it is there."""

    task: str
    reason: str

    @classmethod
    def of(cls, received: ReceivedMessage) -> DeadLetterKind:
        reason = received.attributes.get(REASON_ATTRIBUTE) or REDRIVE_REASON
        if parse_pointer(received.body) is not None:  # its body is in S3: named by its attribute
            return cls(received.attributes.get(TASK_ATTRIBUTE) or "(large payload)", reason)
        return cls(_task_name(received.body), reason)


@dataclass(frozen=True, slots=True)
class Selection:
    """Which dead letters to look at: a task name pattern (`billing.*`) and words of the
    reason (`unknown task`), both optional."""

    task: str | None = None
    reason: str | None = None

    def matches(self, kind: DeadLetterKind) -> bool:
        if self.task is not None and not fnmatch.fnmatchcase(kind.task, self.task):
            return False
        return self.reason is None or self.reason.lower() in kind.reason.lower()


def requeue_dead_letter(
    priority: Priority | str,
    num_messages: int = MAX_BATCH,
    visibility_timeout: int | None = None,
    *,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    selection: Selection = Selection(),
) -> int:
    """Move the priority's dead letters (those `selection` picks) back to the priority's queue;
    return how many moved.

    Stops when the DLQ holds nothing more from before the run (or after `limit` messages). A
    message is deleted from the DLQ only after it was sent; one that could not be sent stays
    there and a PublishError naming every such message is raised at the end. `progress` gets
    the running count.
    """
    check_batch_size(num_messages)
    run = _Run(Priority.parse(priority), current_transport(), visibility_timeout or HOLD_S)
    try:
        while limit is None or run.moved < limit:
            want = num_messages if limit is None else min(num_messages, limit - run.moved)
            batch = run.receive(want)
            if not batch or not run.move(batch, selection):
                break
            if progress is not None:
                progress(run.moved)
    finally:
        run.release_held()
    logger.info("requeued %d messages from %s to %s", run.moved, run.source, run.target)
    run.raise_unless_sent()
    return run.moved


def peek_dead_letters(
    priority: Priority | str,
    *,
    limit: int | None = None,
    hold_s: int = 60,
    selection: Selection = Selection(),
) -> Counter[DeadLetterKind]:
    """Count the priority's dead letters by task and reason, moving none (a dry run).

    Each message is received (hidden for `hold_s` while counting) and made visible again. As a
    requeue does, it counts what was in the DLQ when it started, and a batch with nothing from
    before ends it: producers still writing to the DLQ cannot keep it going.
    """
    run = _Run(Priority.parse(priority), current_transport(), hold_s)
    counts: Counter[DeadLetterKind] = Counter()
    try:
        while limit is None or counts.total() < limit:
            batch = run.receive(MAX_BATCH)
            run.held.extend(batch)
            fresh = [r for r in batch if run.first_sight(r) and run.from_before(r)]
            if not fresh:
                break
            for kind in map(DeadLetterKind.of, fresh):
                if selection.matches(kind) and (limit is None or counts.total() < limit):
                    counts[kind] += 1
    finally:
        run.release_held()
    return counts


@dataclass
class _Run:
    """One pass over a DLQ: what it moved, what it set aside, what could not be sent."""

    priority: Priority
    transport: Transport
    hold_s: int
    started_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    moved: int = 0
    held: list[ReceivedMessage] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    moved_bodies: set[str] = field(default_factory=set)
    not_sent: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = get_settings().names
        self.source = names.dead_letter_queue(self.priority)
        self.target = names.queue(self.priority)

    def receive(self, count: int) -> list[ReceivedMessage]:
        return self.transport.receive(
            self.source,
            max_messages=count,
            wait_seconds=SHORT_POLL_S,
            visibility_timeout=self.hold_s,
        )

    def first_sight(self, received: ReceivedMessage) -> bool:
        """False for a message this run already received (its hold ran out)."""
        if received.transport_id in self.seen:
            return False
        self.seen.add(received.transport_id)
        return True

    def from_before(self, received: ReceivedMessage) -> bool:
        """Whether it was in the DLQ when the run started: by its arrival time, or, where the
        transport gives none, because this run did not move the same body already."""
        if received.sent_at_ms is not None:
            return received.sent_at_ms <= self.started_ms
        return _identity(received.body) not in self.moved_bodies

    def move(self, batch: list[ReceivedMessage], selection: Selection) -> bool:
        """Re-send what this run should move and set the rest aside; False when the batch held
        nothing from before the run, so the run is done."""
        movable, any_from_before = [], False
        for received in batch:
            eligible = self.first_sight(received) and self.from_before(received)
            any_from_before = any_from_before or eligible
            if eligible and selection.matches(DeadLetterKind.of(received)):
                movable.append(received)
            else:
                self.held.append(received)
        if movable:
            self.moved_bodies.update(_identity(received.body) for received in movable)
            self._resend(movable)
        return any_from_before

    def _resend(self, batch: list[ReceivedMessage]) -> None:
        outgoing = [
            forward(
                received,
                {k: v for k, v in received.attributes.items() if k != REASON_ATTRIBUTE},
            )
            for received in batch
        ]
        try:
            result = self.transport.send(Destination("queue", self.target), outgoing)
        except Exception as error:  # nothing of this batch is deleted
            reason = f"{type(error).__name__}: {error}"
            self.unknown.update({message.key: reason for message in outgoing})
            return
        self.not_sent.update(result.not_sent)
        self.unknown.update(result.unknown)
        sent = set(result.sent)
        self._delete([received for received in batch if received.transport_id in sent])

    def _delete(self, sent: list[ReceivedMessage]) -> None:
        if not sent:
            return
        self.moved += len(sent)
        try:
            not_deleted = self.transport.delete(self.source, [r.receipt for r in sent])
        except Exception:
            not_deleted = [received.receipt for received in sent]
        if not_deleted:
            logger.warning(
                "%d requeued messages could not be deleted from %s and will be requeued again",
                len(not_deleted), self.source,
            )  # fmt: skip

    def release_held(self) -> None:
        """Make the messages set aside visible again at once."""
        for received in self.held:
            try:
                self.transport.change_visibility(self.source, received.receipt, 0)
            except Exception:  # it becomes visible anyway when hold_s ends
                logger.debug("could not release %s on %s", received.transport_id, self.source)
        self.held.clear()

    def raise_unless_sent(self) -> None:
        if not self.not_sent and not self.unknown:
            return
        problems = {**self.not_sent, **self.unknown}
        head = f"{len(problems)} messages stay in {self.source}, not sent to {self.target}"
        raise PublishError(
            summarize_failures(head, problems), not_sent=self.not_sent, unknown=self.unknown
        )


def _identity(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _task_name(body: str) -> str:
    data = loads_leniently(body)
    if data is None and body.strip() != "null":
        return "(not JSON)"
    task = data.get("task") if isinstance(data, dict) else None
    return task if isinstance(task, str) and task else "(no task name)"
