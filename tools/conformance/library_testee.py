"""The taskhawk library as a publisher testee (contract-tests/README.md, "Publisher testee
protocol"): the real publish path, `build_message` -> `encode` -> `message_attributes`, with the
size check, minus the network.

    python -m tools.conformance publisher -- python -m tools.conformance.library_testee
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from taskhawk.exceptions import MessageTooLarge
from taskhawk.transport.limits import SQS_MAX_BYTES, transport_size
from taskhawk.wire import build_message, encode, message_attributes

__all__ = ["from_input", "respond", "serve"]

PROTOCOL = 1
Reply = dict[str, Any]


def from_input(value: Any) -> Any:
    """Input values with `{"$number": "NaN"}` and the like turned into Python numbers."""
    if isinstance(value, dict):
        if set(value) == {"$number"}:
            text = value["$number"]
            return int(text) if text.lstrip("-").isdigit() else float(text)
        return {key: from_input(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_input(item) for item in value]
    return value


def respond(request: dict[str, Any]) -> Reply:
    case_id = request.get("id")
    if request.get("protocol") != PROTOCOL:
        return {"id": case_id, "error": f"unsupported protocol {request.get('protocol')!r}"}
    given = request["input"]
    try:
        message = build_message(
            message_id=given["id"],
            task=given["task"],
            args=from_input(given["args"]),
            kwargs=from_input(given["kwargs"]),
            headers=given["headers"],
            priority=given["priority"],
            timestamp_ms=given["timestamp_ms"],
        )
        body = encode(message)
        attributes = message_attributes(message)
        size = transport_size(body, attributes)
        if size > SQS_MAX_BYTES:
            raise MessageTooLarge(size, SQS_MAX_BYTES, "SQS")
    except Exception as error:  # every refusal, and any bug, goes back to the harness as text
        return {"id": case_id, "error": f"{type(error).__name__}: {error}"}
    return {
        "id": case_id,
        "message_text": body,
        "attributes": {
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
        },
    }


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
