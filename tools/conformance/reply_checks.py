"""Checking one testee reply against one publisher case: the message against the publish schema
(oracle and generated validator), the taskhawk consumer and the expected message; the transport
attributes against SQS's rules and the headers they mirror."""

from __future__ import annotations

import re
from typing import Any

from taskhawk import wire
from taskhawk._generated import FORMAT_VERSIONS
from taskhawk.exceptions import ValidationError
from tools.conformance import ROOT
from tools.conformance.corpus import Case
from tools.conformance.jsontext import JSONTextError, parse_strict, value_differences
from tools.conformance.oracle import oracle_for

__all__ = ["REPLY_KEYS", "check_attributes", "check_message", "check_reply"]

REPLY_KEYS = frozenset({"id", "message_text", "attributes", "skipped", "error"})
MAX_ATTRIBUTES = 10
TASK_ATTRIBUTE = "taskhawk_task"
# SQS message attribute names: 1-256 of [A-Za-z0-9_.-], no leading, trailing or double period,
# not starting AWS. or Amazon. in any case.
_SQS_NAME = re.compile(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*")
_SQS_RESERVED = re.compile(r"(aws|amazon)\.", re.IGNORECASE)


def check_reply(case: Case, line: bytes) -> tuple[list[str], str | None]:
    """(problems, skip reason) for one reply line."""
    reply, problems = _parse_reply(case, line)
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
    message = check_message(case, reply["message_text"], problems)
    check_attributes(expected["attributes"], message, reply.get("attributes"), problems)
    return problems, None


def _parse_reply(case: Case, line: bytes) -> tuple[dict[str, Any] | None, list[str]]:
    """The reply object if it is well formed (one outcome, a string), with any problems."""
    try:
        reply = parse_strict(line.decode("utf-8"))
    except (UnicodeDecodeError, JSONTextError) as error:
        return None, [f"reply is not one line of strict JSON: {error}"]
    if not isinstance(reply, dict):
        return None, ["reply is not a JSON object"]
    problems = [f"reply has unknown key {key!r}" for key in sorted(reply.keys() - REPLY_KEYS)]
    outcomes = [key for key in ("message_text", "skipped", "error") if key in reply]
    if reply.get("id") != case.id:
        problems.append(f"reply id {reply.get('id')!r} does not match the request")
    elif len(outcomes) != 1:
        problems.append("reply needs exactly one of message_text, skipped, error")
    elif not isinstance(reply[outcomes[0]], str):
        problems.append(f"{outcomes[0]} must be a string")
    else:
        return reply, problems
    return None, problems


def check_message(case: Case, text: str, problems: list[str]) -> Any:
    """Append the message's problems; return the parsed message (None if it is not JSON)."""
    try:
        message = parse_strict(text)
    except JSONTextError as error:
        problems.append(f"message_text is not strict JSON: {error}")
        return None
    schema = ROOT / "schema" / "message" / case.format_version / "publish.json"
    errors = sorted(oracle_for(schema).iter_errors(message), key=lambda e: e.json_path)
    problems.extend(f"schema publish.json {e.json_path}: {e.message}" for e in errors[:5])
    generated = FORMAT_VERSIONS[case.format_version].iter_errors_publish
    if (not errors) != (not list(generated(message))):
        problems.append("the generated publish validator disagrees with the schema oracle")
    if not errors:
        try:
            wire.decode(text)
        except ValidationError as error:
            problems.append(f"the taskhawk consumer refuses it: {error}")
    problems.extend(
        f"message {difference}"
        for difference in value_differences(case.data["expected"]["message"], message)
    )
    return message


def check_attributes(
    expected: dict[str, str], message: Any, attributes: Any, problems: list[str]
) -> None:
    if not isinstance(attributes, dict):
        problems.append("attributes missing: a message needs at least taskhawk_task")
        return
    if len(attributes) > MAX_ATTRIBUTES:
        problems.append(f"attributes: {len(attributes)} of them, SQS allows {MAX_ATTRIBUTES}")
    values = {}
    for name, value in attributes.items():
        problem = _attribute_problem(name, value)
        if problem:
            problems.append(f"attribute {name!r}: {problem}")
        else:
            values[name] = value["StringValue"]
    if TASK_ATTRIBUTE not in attributes:
        problems.append("attributes: taskhawk_task is missing (Taskhawk Go consumers route on it)")
    body: dict[str, Any] = message if isinstance(message, dict) else {}
    headers: dict[str, Any] = body["headers"] if isinstance(body.get("headers"), dict) else {}
    for name, value in values.items():
        mirrored = body.get("task") if name == TASK_ATTRIBUTE else headers.get(name)
        if name != TASK_ATTRIBUTE and name not in headers:
            problems.append(f"attribute {name!r} mirrors no header of the body")
        elif value != mirrored:
            problems.append(f"attribute {name!r} is {value!r}, the body says {mirrored!r}")
    for name in sorted(expected.keys() - attributes.keys() - {TASK_ATTRIBUTE}):
        problems.append(f"attributes: header {name!r} is missing (the first nine travel as both)")
    for name in sorted(attributes.keys() - expected.keys()):
        if name in headers:
            problems.append(f"attributes: {name!r} is not one of the first nine headers")


def _attribute_problem(name: str, value: Any) -> str | None:
    if not (1 <= len(name) <= 256 and _SQS_NAME.fullmatch(name)) or _SQS_RESERVED.match(name):
        return "not a valid SQS attribute name"
    if not isinstance(value, dict) or set(value) != {"DataType", "StringValue"}:
        return 'must be {"DataType": "String", "StringValue": "..."}'
    if value["DataType"] != "String":
        return f'DataType {value["DataType"]!r}, must be "String"'
    if not isinstance(value["StringValue"], str) or not value["StringValue"]:
        return "StringValue must be a non-empty string"
    return None
