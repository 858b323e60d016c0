"""The taskhawk library as a publisher testee (contract-tests/README.md, "Publisher testee
protocol"), protocols 1 to 3: the library's own publish path minus the network.

From an app's settings (queue, topology, Lambda, FIFO) the library picks the destination
(`destination_for`); a delay or an expiry is planned as `with_delay`/`with_expires` plan it
(`Schedule.plan`, at the case's timestamp); `build_message` makes the message, in the oldest
format that carries it, with `new_message_id` and the wall clock when the case gives no id or
timestamp, as `dispatch` does; a FIFO group and deduplication id are checked and chosen as
`with_group`/`with_deduplication_id` do (`Ordering`); `send_messages` encodes it, checks its
size against the destination's limit and hands it, with its attributes, DelaySeconds and FIFO
ids, to an in-memory transport, which is what the reply reports. A protocol 3 request's trace
context is what the publish's span would carry: it goes to `prepare`, the step of
`send_messages` that encodes, adds the attributes and checks the size, as the span's context does
when tracing is on. A protocol 1 request is published from the app `dev-myapp`, straight to SQS.

    python -m tools.conformance publisher -- python -m tools.conformance.library_testee
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from taskhawk.ordering import Ordering
from taskhawk.priority import Priority
from taskhawk.publisher import new_message_id
from taskhawk.schedule import Schedule
from taskhawk.sending import Outbound, destination_for, prepare, send_messages
from taskhawk.settings import Settings
from taskhawk.transport import Destination, OutgoingMessage
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.wire import build_message
from tools.conformance.case_values import from_input

__all__ = ["PROTOCOLS", "respond", "serve"]

PROTOCOLS = (1, 2, 3)
PROTOCOL_1_APP = {"queue": "dev-myapp", "topology": "sqs"}
Reply = dict[str, Any]


def respond(request: dict[str, Any]) -> Reply:
    case_id = request.get("id")
    protocol = request.get("protocol")
    if protocol not in PROTOCOLS:
        return {"id": case_id, "error": f"unsupported protocol {protocol!r}"}
    try:
        destination, sent = _publish(
            request["input"],
            request["app"] if protocol >= 2 else PROTOCOL_1_APP,
            dict(request.get("trace_context", [])) if protocol >= 3 else {},
        )
    except Exception as error:  # every refusal, and any bug, goes back to the harness as text
        return {"id": case_id, "error": f"{type(error).__name__}: {error}"}
    reply: Reply = {
        "id": case_id,
        "message_text": sent.body,
        "attributes": {
            name: {"DataType": "String", "StringValue": value}
            for name, value in sent.attributes.items()
        },
    }
    if protocol >= 2:
        reply["destination"] = _destination_reply(destination, sent)
    return reply


def _publish(
    given: dict[str, Any], app: dict[str, Any], trace_context: dict[str, str]
) -> tuple[Destination, OutgoingMessage]:
    settings = _settings(app)
    ordering = Ordering(
        given.get("group_id"), given.get("deduplication_id"), given.get("tenant")
    ).check()
    destination = destination_for(settings, Priority.parse(given["priority"]))
    timestamp_ms = given["timestamp_ms"] if "timestamp_ms" in given else _now_ms()
    plan = _schedule(given).plan(timestamp_ms, destination, settings)
    message = build_message(
        message_id=given["id"] if "id" in given else new_message_id(),
        task=given["task"],
        args=from_input(given["args"]),
        kwargs=from_input(given["kwargs"]),
        headers=given["headers"],
        priority=given["priority"],
        timestamp_ms=timestamp_ms,
        scheduling=plan.fields,
    )
    group, deduplication_id = ordering.ids(settings, message.id)
    outbound = Outbound(message, plan.delay_s, group, deduplication_id)
    if trace_context:  # what `send_messages` does with a span's context, minus the sending
        return destination, prepare(destination, [outbound], trace_context)[0].message
    transport = MemoryTransport()
    with use_transport(transport):
        send_messages(destination, [outbound])
    return transport.sent[0]


def _settings(app: dict[str, Any]) -> Settings:
    lambda_app = bool(app.get("lambda", False))
    return Settings(
        taskhawk_queue=app["queue"],
        taskhawk_publish_via_sns=app["topology"] == "sns" and not lambda_app,
        is_lambda_app=lambda_app,
        taskhawk_fifo=bool(app.get("fifo", False)),
        taskhawk_fifo_content_based_deduplication=bool(app.get("content_based_deduplication")),
    )


def _schedule(given: dict[str, Any]) -> Schedule:
    """`with_delay` and `with_expires` as the case asks: milliseconds after its timestamp,
    given to the library in seconds as a caller would."""
    delay, expires = given.get("delay_ms"), given.get("expires_after_ms")
    return Schedule(
        delay=None if delay is None else delay / 1000,
        expires=None if expires is None else expires / 1000,
    ).check()


def _now_ms() -> int:
    return int(time.time() * 1000)  # the clock `dispatch` reads


def _destination_reply(destination: Destination, sent: OutgoingMessage) -> dict[str, Any]:
    reply: dict[str, Any] = (
        {"transport": "sns", "topic": destination.name}
        if destination.kind == "topic"
        else {"transport": "sqs", "queue": destination.name}
    )
    if sent.delay_s:
        reply["delay_seconds"] = sent.delay_s
    if sent.group_id is not None:
        reply["message_group_id"] = sent.group_id
    if sent.deduplication_id is not None:
        reply["message_deduplication_id"] = sent.deduplication_id
    return reply


def serve(
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    transform: Callable[[Reply], Reply] | None = None,
) -> None:
    """Answer request lines until stdin closes. `transform` lets tests build broken testees."""
    for line in stdin:
        if not line.strip():
            continue
        reply = respond(json.loads(line))
        if transform is not None:
            reply = transform(reply)
        stdout.write(json.dumps(reply, ensure_ascii=True) + "\n")
        stdout.flush()


if __name__ == "__main__":
    serve()
