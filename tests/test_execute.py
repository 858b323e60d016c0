"""One execution core, four drivers: the same message meets the same rules in the SQS worker,
a Lambda SQS event, sync mode and the test recorder. Each driver's visible effect is reduced to
one verdict (done, retry after N seconds, dead-letter with a reason) and compared."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import taskhawk
from taskhawk import IgnoreException, Priority, RetryException
from taskhawk.consume.dead_letter import REASON_ATTRIBUTE, dead_letter_reason
from taskhawk.consume.sqs import Consumer
from taskhawk.consume.sync import run_now
from taskhawk.exceptions import ArgumentsMismatch, ValidationError
from taskhawk.settings import get_settings
from taskhawk.testing import Recorder
from taskhawk.transport import Destination, OutgoingMessage
from taskhawk.transport.current import use_transport
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.support.fakes import sqs_record
from tests.test_consumer import Recording

APP = "EXEC-APP"
QUEUE = queue_name(APP, Priority.default)
DLQ = dead_letter_queue_name(APP, Priority.default)
BACKOFF_BASE_S = 7


@taskhawk.task(name="exec.send_email")
def send_email(to: str, subject: str) -> None:
    if to == "ignore":
        raise IgnoreException("not wanted")
    if to == "retry":
        raise RetryException(delay_seconds=42)
    if to == "boom":
        raise KeyError("mail server")


def body(args: list[Any], kwargs: dict[str, Any] | None = None, task: str = send_email.name) -> str:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "metadata": {"priority": "default", "timestamp": 1460868253255, "version": "1.0"},
            "headers": {},
            "task": task,
            "args": args,
            "kwargs": kwargs or {},
        }
    )


CASES = {
    "succeeds": body(["a@b.c", "hi"]),
    "ignored": body(["ignore", "hi"]),
    "asks-for-retry": body(["retry", "hi"]),
    "fails": body(["boom", "hi"]),
    "missing-argument": body(["a@b.c"]),
    "unexpected-keyword": body(["a@b.c", "hi"], {"cc": "x"}),
    "injected-keyword": body(["a@b.c", "hi"], {"metadata": 1}),
    "unknown-task": body([], task="exec.nope"),
    "invalid": '{"id": 1}',
}


@pytest.fixture
def transport() -> Iterator[Recording]:
    recording = Recording()
    recording.create_queue(QUEUE, dead_letter=DLQ)
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_RETRY_BACKOFF_BASE_S=BACKOFF_BASE_S)
    with use_transport(recording):
        yield recording


def worker_verdict(transport: Recording, text: str) -> str:
    transport.send(Destination("queue", QUEUE), [OutgoingMessage("k", text, {})])
    Consumer([Priority.default]).poll(0, wait_s=0)
    return verdict_from_transport(transport)


def lambda_verdict(transport: Recording, text: str) -> str:
    transport.send(Destination("queue", QUEUE), [OutgoingMessage("k", text, {})])
    (received,) = transport.receive(QUEUE, max_messages=1, wait_seconds=0)
    response = taskhawk.process_messages_for_lambda_consumer({"Records": [sqs_record(received)]})
    assert response is not None
    if not response["batchItemFailures"]:  # Lambda deletes it, unless it went to the DLQ
        transport.delete(QUEUE, [received.receipt])
    return verdict_from_transport(transport)


def verdict_from_transport(transport: Recording) -> str:
    dead = transport.attributes(DLQ)
    if dead:
        return f"dead-letter: {dead[0][REASON_ATTRIBUTE]}"
    if not transport.bodies(QUEUE):
        return "done"
    (_, _, seconds) = transport.visibility[-1]
    return f"retry in {seconds}s"


def raised_verdict(error: BaseException | None) -> str:
    """What a worker would have done, read from what sync mode or the recorder raised."""
    if error is None:
        return "done"
    if isinstance(error, ValidationError):
        return f"dead-letter: {dead_letter_reason(error, '')}"
    if isinstance(error, RetryException):
        return f"retry in {error.delay_seconds}s"
    return f"retry in {BACKOFF_BASE_S}s"


def sync_verdict(text: str) -> str:
    try:
        run_now(text, {}, queue=QUEUE, transport_id="t", settings=get_settings())
    except Exception as error:
        return raised_verdict(error)
    return "done"


def recorder_verdict(text: str) -> str:
    recorder = Recorder(Recording())
    recorder.transport.send(Destination("queue", QUEUE), [OutgoingMessage("k", text, {})])
    try:
        recorder.run_all()
    except Exception as error:
        return raised_verdict(error)
    return "done"


@pytest.mark.parametrize("case", list(CASES))
def test_every_driver_reaches_the_same_verdict(transport: Recording, case: str) -> None:
    text = CASES[case]
    verdicts = {
        "worker": worker_verdict(transport, text),
        "sync": sync_verdict(text),
        "recorder": recorder_verdict(text),
    }
    fresh = Recording()
    fresh.create_queue(QUEUE, dead_letter=DLQ)
    with use_transport(fresh):
        verdicts["lambda-sqs"] = lambda_verdict(fresh, text)
    assert len(set(verdicts.values())) == 1, verdicts


def test_a_bad_call_is_the_same_dead_letter_in_sync_mode_and_on_a_worker(
    transport: Recording,
) -> None:
    text = CASES["missing-argument"]
    verdict = worker_verdict(transport, text)
    assert verdict.startswith("dead-letter: invalid message: $: arguments do not fit")
    with pytest.raises(ArgumentsMismatch, match="missing a required argument: 'subject'"):
        run_now(text, {}, queue=QUEUE, transport_id="t", settings=get_settings())
