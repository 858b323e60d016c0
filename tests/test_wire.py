"""The wire codec: decode/encode round trips, legacy shapes, and every refusal naming its path."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from taskhawk import wire
from taskhawk._generated import models_v1_0
from taskhawk.exceptions import ValidationError
from taskhawk.transport.limits import SQS_MAX_BYTES

SEED = {
    "id": "b1328174-a21c-43d3-b303-964dfcc76efc",
    "metadata": {"priority": "high", "timestamp": 1460868253255, "version": "1.0"},
    "headers": {"request_id": "95df01b4-ee98-5cb9-9903-4c221d41eb5e"},
    "task": "tasks.send_email",
    "args": ["email@example.com", "Hello!"],
    "kwargs": {"from_email": "spam@example.com"},
}


def body(**changes: Any) -> str:
    data = json.loads(json.dumps(SEED))
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[key]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return json.dumps(data)


def refusal(text: str | bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        wire.decode(text)
    return caught.value


def test_seed_message_decodes_to_the_generated_model() -> None:
    message = wire.decode(body())
    assert message.id == SEED["id"]
    assert message.metadata.priority == "high"
    assert message.metadata.timestamp == 1460868253255
    assert message.headers == SEED["headers"]
    assert (message.task, message.args, message.kwargs) == (
        "tasks.send_email",
        SEED["args"],
        SEED["kwargs"],
    )


def test_round_trip_is_identity() -> None:
    message = wire.decode(body())
    assert wire.decode(wire.encode(message)) == message
    assert json.loads(wire.encode(message)) == SEED


def test_bytes_body_is_accepted() -> None:
    assert wire.decode(body().encode()).task == "tasks.send_email"


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        ("this is not json", "$", "not valid JSON"),
        ("[1, 2, 3]", "$", "not an array"),
        (body(metadata__version="2.0"), "$.metadata.version", "unsupported message format '2.0'"),
        (body(metadata__version=1.0), "$.metadata.version", "must be one of"),
        (body(metadata__priority=KeyError), "$.metadata", '"priority" is missing (required)'),
        (body(metadata__priority="urgent"), "$.metadata.priority", "must be one of"),
        (body(headers=None), "$.headers", "must be an object"),
        (body(task=""), "$.task", "must have at least 1 character"),
        (body(id=12345), "$.id", "must be a string"),
        (body(id=SEED["id"].upper()), "$.id", "must be a lower-case UUID with hyphens"),
        (body(extra="x"), "$", '"extra" is not allowed (the format has no such key)'),
        (body(metadata__timestamp=-1), "$.metadata.timestamp", "must be at least 0"),
        (body(metadata__timestamp=2**53), "$", "9007199254740992 at $.metadata.timestamp is out"),
        (body(kwargs={"a b": [0, -(2**60)]}), "$", "at $.kwargs['a b'][1] is out of range"),
        (body(metadata__timestamp="yesterday"), "$.metadata.timestamp", "an RFC 3339 date-time"),
        (body(metadata__timestamp=1460868253255.0), "$.metadata.timestamp", "without a fraction"),
        (body(headers={"taskhawk_task": "x"}), "$.headers", 'name "taskhawk_task" is reserved'),
        (body(headers={"a b": "x"}), "$.headers", 'name "a b" may use only letters, digits'),
        (body(headers={"a": "\u0001"}), "$.headers.a", "must not hold control characters"),
        (body(headers={"a": None}), "$.headers.a", "must be"),
        (body(kwargs=[]), "$.kwargs", "must be an object"),
        (body(args={}), "$.args", "must be an array"),
        ('{"id": 1, "id": 2}', "$", "key 'id' appears twice in one object"),
        (body(kwargs={"x": float("nan")}), "$", "NaN"),
        (b"\xff\xfe", "$", "not valid UTF-8"),
        ("[" * 40 + "]" * 40, "$", "nested deeper than 32"),
    ],
)
def test_refusals_name_path_and_reason(text: str | bytes, path: str, words: str) -> None:
    error = refusal(text)
    assert error.path == path, str(error)
    assert words in error.reason, str(error)


def test_deep_nesting_inside_a_message_is_refused() -> None:
    deep: Any = []
    for _ in range(40):
        deep = [deep]
    assert "nested deeper than 32" in refusal(body(args=deep)).reason


def test_oversized_body_is_refused_before_parsing() -> None:
    assert "over the 1048576 limit" in refusal(" " * (SQS_MAX_BYTES + 1)).reason


def test_go_message_without_args_decodes_with_empty_args() -> None:
    assert wire.decode(body(args=KeyError)).args == []


@pytest.mark.parametrize(
    ("text", "millis"),
    [
        ("2018-04-27T10:00:00Z", 1524823200000),
        ("2018-04-27T12:00:00.5+02:00", 1524823200500),
        ("2018-04-27t10:00:00.123456789z", 1524823200123),
    ],
)
def test_rfc3339_timestamps_become_milliseconds(text: str, millis: int) -> None:
    assert wire.decode(body(metadata__timestamp=text)).metadata.timestamp == millis


def test_impossible_dates_are_refused() -> None:
    assert "day is out of range" in refusal(body(metadata__timestamp="2018-02-30T10:00:00Z")).reason


def test_non_string_header_values_become_their_json_text() -> None:
    message = wire.decode(body(headers={"count": 7, "flag": True, "ratio": 0.5}))
    assert message.headers == {"count": "7", "flag": "true", "ratio": "0.5"}


def test_build_message_converts_tuples() -> None:
    message = wire.build_message(
        message_id=SEED["id"],
        task="t",
        args=((1, 2), [(3,)]),
        kwargs={},
        headers={},
        priority="default",
        timestamp_ms=1,
    )
    assert message.args == [[1, 2], [[3]]]
    assert json.loads(wire.encode(message))["args"] == [[1, 2], [[3]]]


@pytest.mark.parametrize("value", [Decimal("19.99"), Decimal(3), Decimal("1" * 30 + ".5")])
def test_a_decimal_is_refused_with_its_path_never_turned_into_a_float(value: Decimal) -> None:
    with pytest.raises(ValidationError) as caught:
        wire.build_message(
            message_id=SEED["id"],
            task="t",
            args=[],
            kwargs={"price": {"amount": value}},
            headers={},
            priority="default",
            timestamp_ms=1,
        )
    assert caught.value.path == "$.kwargs.price.amount"
    assert "send str(value) to keep every digit" in caught.value.reason


@pytest.mark.parametrize(
    ("args", "kwargs", "path"),
    [
        ([float("nan")], {}, "$.args[0]"),
        (["ok", {"when": __import__("datetime").datetime(2020, 1, 1)}], {}, "$.args[1].when"),
        ([], {"blob": b"x"}, "$.kwargs.blob"),
        ([], {"tags": {1, 2}}, "$.kwargs.tags"),
        ([], {"obj": object()}, "$.kwargs.obj"),
        ([2**60], {}, "$.args[0]"),
        ([Decimal("NaN")], {}, "$.args[0]"),
        ([{1: "x"}], {}, "$.args[0]"),
    ],
)
def test_build_message_names_the_value_json_cannot_carry(
    args: list[Any], kwargs: dict[str, Any], path: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        wire.build_message(
            message_id=SEED["id"],
            task="t",
            args=args,
            kwargs=kwargs,
            headers={},
            priority="default",
            timestamp_ms=1,
        )
    assert caught.value.path == path


def test_encode_refuses_a_non_canonical_model() -> None:
    message = wire.decode(body())
    assert isinstance(message, models_v1_0.Message)
    bad = models_v1_0.Message(
        id="not-a-uuid",
        metadata=message.metadata,
        headers={},
        task="t",
        args=[],
        kwargs={},
    )
    with pytest.raises(ValidationError) as caught:
        wire.encode(bad)
    assert caught.value.path == "$.id"


def test_validation_errors_lists_every_schema_problem_with_its_path() -> None:
    text = body(id=5, task="", kwargs=[], metadata__priority="urgent")
    problems = {(error.path, error.reason.split()[0]) for error in wire.validation_errors(text)}
    assert {path for path, _ in problems} == {"$.id", "$.task", "$.kwargs", "$.metadata.priority"}
    assert wire.validation_errors(body()) == []
    [parse_error] = wire.validation_errors("{not json")
    assert parse_error.path == "$" and "not valid JSON" in parse_error.reason
    [decision] = wire.validation_errors(body(metadata__timestamp=1460868253255.0))
    assert "integer number of milliseconds" in decision.reason
