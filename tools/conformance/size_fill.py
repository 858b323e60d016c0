"""Size cases at exactly a transport's limit (`fill_to_limit`, decision size-limits).

How many bytes a message takes depends on how its publisher writes JSON (whitespace, which
characters it escapes), which the format leaves free. So a case at the limit cannot fix its
length in advance: the harness first asks the testee for the same message with a short filler (a
calibration request), measures what the testee would send as SQS and SNS count it (the body's
UTF-8 bytes plus each attribute's name, `String` and value), and then sets the count of the
case's `$repeat` so that the testee's own message is the limit plus `fill_to_limit` bytes (0 or
1). Every JSON writer spells `x` as one byte, so the size grows by exactly one per character.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from taskhawk.transport.limits import SNS_MAX_BYTES, SQS_MAX_BYTES, transport_size
from tools.conformance.corpus import Case
from tools.conformance.negotiation import request
from tools.conformance.reply_checks import parse_reply
from tools.conformance.testee_process import TesteeFailure
from tools.conformance.testee_session import TesteeSession

__all__ = ["CALIBRATION_COUNT", "filled", "limit_of", "with_count"]

CALIBRATION_COUNT = 1000  # characters of filler in the calibration request


def limit_of(case: Case) -> int:
    """The byte limit of the case's destination: SNS's for an app that publishes to topics."""
    return SNS_MAX_BYTES if case.data["app"]["topology"] == "sns" else SQS_MAX_BYTES


def with_count(case: Case, count: int) -> Case:
    """The case with its filler (the `$repeat` of `input.args[0]`, and of the expected message)
    `count` characters long."""
    data = copy.deepcopy(case.data)
    data["input"]["args"][0]["$repeat"]["count"] = count
    message = data["expected"].get("message")
    if message is not None:
        message["args"][0]["$repeat"]["count"] = count
    return dataclasses.replace(case, data=data)


def filled(session: TesteeSession, case: Case, protocol: int) -> tuple[Case | None, str]:
    """(the case sized for this testee, how) or (None, why it cannot be): the calibration
    request must be published, as any message well under the limit is."""
    calibration_id = f"{case.id}.calibration"
    line = request(calibration_id, with_count(case, CALIBRATION_COUNT).data, protocol)
    try:
        answer = session.ask(line)
    except TesteeFailure as failure:
        return None, f"calibration request: {failure}"
    reply, problems = parse_reply(calibration_id, answer, protocol)
    if reply is None or "message_text" not in reply:
        why = "; ".join(problems) or f"not published: {_outcome(reply)}"
        return None, f"calibration request (a filler of {CALIBRATION_COUNT} characters): {why}"
    size = _size(reply)
    if size is None:
        return None, "calibration request: attributes are not all String attributes"
    over = int(case.data["fill_to_limit"])
    count = CALIBRATION_COUNT + limit_of(case) + over - size
    how = (
        f"size: with a filler of {count} characters the message is {limit_of(case) + over} "
        f"bytes as SQS and SNS count them (body plus attributes; the limit is {limit_of(case)}), "
        f"by the testee's calibration reply of {size} bytes"
    )
    return (with_count(case, count), how) if count > 0 else (None, f"{how}: impossible")


def _outcome(reply: dict[str, Any] | None) -> str:
    if reply is None:
        return "no reply"
    return str(reply.get("error", reply.get("skipped", "")))


def _size(reply: dict[str, Any]) -> int | None:
    attributes = reply.get("attributes")
    if not isinstance(attributes, dict):
        return None
    values = {}
    for name, attribute in attributes.items():
        value = attribute.get("StringValue") if isinstance(attribute, dict) else None
        if not isinstance(value, str):
            return None
        values[name] = value
    return transport_size(reply["message_text"], values)
