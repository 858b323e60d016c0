"""Checking one testee reply against one publisher case: the message against the publish schema
(oracle and generated validator), the taskhawk consumer and the expected message, with the ids
and timestamps the publisher made itself; then the transport attributes and, from protocol 2 on,
the destination."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from taskhawk import wire
from taskhawk.exceptions import ValidationError
from tools.conformance.case_values import expand_repeats
from tools.conformance.corpus import Case
from tools.conformance.generated_values import GeneratedValues
from tools.conformance.jsontext import JSONTextError, parse_strict, value_differences
from tools.conformance.schema_checks import SchemaCheck, generated_check
from tools.conformance.transport_checks import check_attributes, check_destination

__all__ = [
    "Exchange",
    "check_message",
    "check_reply",
    "expected_destination",
    "parse_reply",
    "reply_keys",
]

OUTCOMES = ("message_text", "skipped", "error")


@dataclass(frozen=True)
class Exchange:
    """One request and the line that answered it, with the harness's clock around them."""

    case: Case
    protocol: int
    line: bytes
    sent_ms: int
    answered_ms: int
    schema_check: SchemaCheck = generated_check


def reply_keys(protocol: int) -> frozenset[str]:
    keys = {"id", "attributes", *OUTCOMES}
    return frozenset(keys | {"destination"} if protocol >= 2 else keys)


def check_reply(exchange: Exchange, generated: GeneratedValues) -> tuple[list[str], str | None]:
    """(problems, skip reason) for one reply line."""
    case = exchange.case
    reply, problems = parse_reply(case.id, exchange.line, exchange.protocol)
    if reply is None:
        return problems, None
    if "skipped" in reply:
        return problems, reply["skipped"]
    expected = case.data["expected"]
    if "error" in expected:
        if "error" not in reply:
            problems.append(f"published a message; the input must be refused ({expected['error']})")
        return problems, None
    if "error" in reply:
        return [*problems, f"refused the input: {reply['error']}"], None
    message = check_message(exchange, reply["message_text"], generated, problems)
    trace_context = case.data.get("trace_context", []) if exchange.protocol >= 3 else []
    check_attributes(
        expected["attributes"], message, reply.get("attributes"), problems, trace_context
    )
    if exchange.protocol >= 2:
        if "destination" in reply:
            destination = expected_destination(case, message)
            check_destination(destination, reply["destination"], problems)
        else:
            problems.append("destination missing: a protocol 2 reply says where the message goes")
    return problems, None


def expected_destination(case: Case, message: Any) -> dict[str, Any]:
    """The case's destination; for a FIFO message deduplicated by the id its publisher made, with
    that id as its deduplication id (publisher rule fifo), which the case could not write."""
    destination: dict[str, Any] = case.data["expected"]["destination"]
    given, app = case.data["input"], case.data.get("app", {})
    by_generated_id = (
        app.get("fifo") is True
        and not app.get("content_based_deduplication")
        and "deduplication_id" not in given
        and "id" not in given
    )
    if by_generated_id and isinstance(message, dict):
        return {**destination, "message_deduplication_id": message.get("id")}
    return destination


def parse_reply(
    case_id: str, line: bytes, protocol: int
) -> tuple[dict[str, Any] | None, list[str]]:
    """The reply object if it is well formed (one outcome, a string), with any problems."""
    try:
        reply = parse_strict(line.decode("utf-8"))
    except (UnicodeDecodeError, JSONTextError) as error:
        return None, [f"reply is not one line of strict JSON: {error}"]
    if not isinstance(reply, dict):
        return None, ["reply is not a JSON object"]
    unknown = sorted(reply.keys() - reply_keys(protocol))
    problems = [f"reply has unknown key {key!r} (protocol {protocol})" for key in unknown]
    outcomes = [key for key in OUTCOMES if key in reply]
    if reply.get("id") != case_id:
        problems.append(f"reply id {reply.get('id')!r} does not match the request")
    elif len(outcomes) != 1:
        problems.append("reply needs exactly one of message_text, skipped, error")
    elif not isinstance(reply[outcomes[0]], str):
        problems.append(f"{outcomes[0]} must be a string")
    else:
        return reply, problems
    return None, problems


def check_message(
    exchange: Exchange, text: str, generated: GeneratedValues, problems: list[str]
) -> Any:
    """Append the message's problems; return the parsed message (None if it is not JSON)."""
    case = exchange.case
    try:
        message = parse_strict(text)
    except JSONTextError as error:
        problems.append(f"message_text is not strict JSON: {error}")
        return None
    schema_problems = exchange.schema_check(case.format_version, message)
    problems.extend(schema_problems)
    if not schema_problems:
        try:
            wire.decode(text)
        except ValidationError as error:
            problems.append(f"the taskhawk consumer refuses it: {error}")
    expected = expand_repeats(case.data["expected"]["message"])
    compared = _without_generated(exchange, expected, message, generated, problems)
    problems.extend(f"message {d}" for d in value_differences(expected, compared))
    return message


def _without_generated(
    exchange: Exchange,
    expected: dict[str, Any],
    message: Any,
    generated: GeneratedValues,
    problems: list[str],
) -> Any:
    """The message minus the values the publisher was asked to make, which are checked here."""
    if not isinstance(message, dict):
        return message
    compared = copy.copy(message)
    if "id" not in expected and "id" in compared:
        problems.extend(generated.id_problems(exchange.case.id, compared.pop("id")))
    metadata = compared.get("metadata")
    if "timestamp" not in expected["metadata"] and isinstance(metadata, dict):
        compared["metadata"] = {k: v for k, v in metadata.items() if k != "timestamp"}
        if "timestamp" in metadata:
            problems.extend(
                generated.timestamp_problems(
                    metadata["timestamp"], exchange.sent_ms, exchange.answered_ms
                )
            )
    return compared
