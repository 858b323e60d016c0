"""The taskhawk library as a publisher testee (contract-tests/README.md, "Publisher testee
protocol"), protocols 1 and 2: the library's own publish path minus the network.

From an app's settings (queue, topology) the library picks the destination (`destination_for`);
`build_message` makes the message, with `new_message_id` and the wall clock when the case gives
no id or timestamp, as `dispatch` does; `send_messages` encodes it, checks its size against the
destination's limit and hands it, with its attributes, to an in-memory transport, which is what
the reply reports. A protocol 1 request is published from the app `dev-myapp`, straight to SQS.

    python -m tools.conformance publisher -- python -m tools.conformance.library_testee
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from taskhawk.priority import Priority
from taskhawk.publisher import new_message_id
from taskhawk.sending import destination_for, send_messages
from taskhawk.settings import Settings
from taskhawk.transport import Destination
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.wire import build_message
from tools.conformance.case_values import from_input

__all__ = ["PROTOCOLS", "respond", "serve"]

PROTOCOLS = (1, 2)
PROTOCOL_1_APP = {"queue": "dev-myapp", "topology": "sqs"}
Reply = dict[str, Any]


def respond(request: dict[str, Any]) -> Reply:
    case_id = request.get("id")
    protocol = request.get("protocol")
    if protocol not in PROTOCOLS:
        return {"id": case_id, "error": f"unsupported protocol {protocol!r}"}
    try:
        destination, body, attributes = _publish(
            request["input"], request["app"] if protocol == 2 else PROTOCOL_1_APP
        )
    except Exception as error:  # every refusal, and any bug, goes back to the harness as text
        return {"id": case_id, "error": f"{type(error).__name__}: {error}"}
    reply: Reply = {
        "id": case_id,
        "message_text": body,
        "attributes": {
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
        },
    }
    if protocol == 2:
        reply["destination"] = _destination_reply(destination)
    return reply


def _publish(given: dict[str, Any], app: dict[str, Any]) -> tuple[Destination, str, Any]:
    settings = Settings(
        taskhawk_queue=app["queue"], taskhawk_publish_via_sns=app["topology"] == "sns"
    )
    message = build_message(
        message_id=given["id"] if "id" in given else new_message_id(),
        task=given["task"],
        args=from_input(given["args"]),
        kwargs=from_input(given["kwargs"]),
        headers=given["headers"],
        priority=given["priority"],
        timestamp_ms=given["timestamp_ms"] if "timestamp_ms" in given else _now_ms(),
    )
    transport = MemoryTransport()
    with use_transport(transport):
        send_messages(destination_for(settings, Priority.parse(given["priority"])), [message])
    destination, sent = transport.sent[0]
    return destination, sent.body, sent.attributes


def _now_ms() -> int:
    return int(time.time() * 1000)  # the clock `dispatch` reads


def _destination_reply(destination: Destination) -> dict[str, str]:
    if destination.kind == "queue":
        return {"transport": "sqs", "queue": destination.name}
    return {"transport": "sns", "topic": destination.name}


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
