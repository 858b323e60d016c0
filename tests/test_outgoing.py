"""What a dispatch writes, and what it refuses, with TASKHAWK_VALIDATE_OUTGOING off and on.

A dispatch checks each part once where it enters (task name, headers, values) and trusts what it
makes itself (id, priority, version, timestamp). These tests hold that path against the check of
the whole message (`wire.encode` of a `build_message`), which every refusal must match in class,
JSON path and reason, and show that the setting's whole check catches a message the library
itself got wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

import taskhawk
from taskhawk import publisher
from taskhawk.outgoing import write
from taskhawk.sending import destination_for
from taskhawk.transport.current import use_transport
from taskhawk.transport.limits import SNS_MAX_BYTES, transport_size
from taskhawk.transport.memory import MemoryTransport
from taskhawk.wire import build_message, encode, message_attributes

TASK = "tasks.outgoing"
BAD_ID = "0D3D8132-07CB-41EE-BCC3-840B8D5E77D6"  # upper case: the format's UUIDs are lower case
Verdict = tuple[type[Exception], str, str] | None


def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


# (task name, headers, args, kwargs): each refused, or not, by the same rule either way.
CASES: dict[str, tuple[str, dict[str, Any], tuple[Any, ...], dict[str, Any]]] = {
    "nan": (TASK, {}, (float("nan"),), {}),
    "infinity": (TASK, {}, (), {"x": float("inf")}),
    "nested -infinity": (TASK, {}, (), {"x": [1, {"y": float("-inf")}]}),
    "integer above 2^53-1": (TASK, {}, (2**53,), {}),
    "integer below -(2^53-1)": (TASK, {}, (), {"x": -(2**53)}),
    "nested unsafe integer": (TASK, {}, (), {"x": {"n": 2**64}}),
    "lone surrogate": (TASK, {}, ("a\ud800",), {}),
    "lone surrogate key": (TASK, {}, (), {"x": {"\udc00": 1}}),
    "lone surrogate argument name": (TASK, {}, (), {"\ud800": 1}),
    "non-string key": (TASK, {}, (), {"x": {1: "a"}}),
    "decimal": (TASK, {}, (Decimal("1.10"),), {}),
    "set": (TASK, {}, (), {"x": {1, 2}}),
    "bytes": (TASK, {}, (b"x",), {}),
    "datetime": (TASK, {}, (datetime(2024, 1, 1, tzinfo=timezone.utc),), {}),
    "object": (TASK, {}, (object(),), {}),
    "nested too deep": (TASK, {}, (_deep(40),), {}),
    "reserved header taskhawk_": (TASK, {"taskhawk_task": "x"}, (), {}),
    "reserved header AWS.": (TASK, {"AWS.trace": "x"}, (), {}),
    "header name with a space": (TASK, {"bad name": "x"}, (), {}),
    "header name too long": (TASK, {"h" * 257: "x"}, (), {}),
    "empty header value": (TASK, {"empty": ""}, (), {}),
    "header value not a string": (TASK, {"count": 7}, (), {}),
    "header value with a control character": (TASK, {"h": "a\x00b"}, (), {}),
    "header value U+FFFE": (TASK, {"h": "\ufffe"}, (), {}),
    "header value lone surrogate": (TASK, {"h": "\ud800"}, (), {}),
    "task name with a control character": ("tasks.\x00bad", {}, (), {}),
    "task name U+FFFF": ("tasks.\uffff", {}, (), {}),
    "task name too long": ("t" * 257, {}, (), {}),
    "value before header": (TASK, {"bad name": "x"}, (float("nan"),), {}),
    "header before task name": ("tasks.\x00bad", {"bad name": "x"}, (), {}),
    "valid, converted": (TASK, {"h": "é"}, (("tuple", 1.5), True, None), {"x": {"k": ["😀"]}}),
}


@pytest.fixture
def memory() -> Iterator[MemoryTransport]:
    transport = MemoryTransport()
    with use_transport(transport):
        yield transport


def whole_message_verdict(task: str, headers: dict[str, Any], args: Any, kwargs: Any) -> Verdict:
    """What checking the whole message, as `wire.encode` does, says of these parts."""
    try:
        message = build_message(
            message_id="0d3d8132-07cb-41ee-bcc3-840b8d5e77d6",
            task=task,
            args=args,
            kwargs=kwargs,
            headers=headers,
            priority="default",
            timestamp_ms=1_700_000_000_000,
        )
        encode(message)
    except taskhawk.ValidationError as error:
        return type(error), error.path, error.reason
    return None


def dispatch_verdict(task: str, headers: dict[str, Any], args: Any, kwargs: Any) -> Verdict:
    @taskhawk.task(name=task)
    def target(a: Any = None, b: Any = None, c: Any = None, **rest: Any) -> None: ...

    invocation = target.with_headers(**headers) if headers else target.invocation()
    try:
        invocation.dispatch(*args, **kwargs)
    except taskhawk.ValidationError as error:
        return type(error), error.path, error.reason
    return None


@pytest.mark.parametrize("validate", [False, True], ids=["parts only", "whole too"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_dispatch_refuses_what_the_whole_message_check_refuses_with_the_same_error(
    memory: MemoryTransport, case: str, validate: bool
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE="Q", TASKHAWK_VALIDATE_OUTGOING=validate)
    task, headers, args, kwargs = CASES[case]
    expected = whole_message_verdict(task, headers, args, kwargs)
    assert dispatch_verdict(task, headers, args, kwargs) == expected
    assert len(memory.sent) == (expected is None)
    if case != "valid, converted":
        assert expected is not None


def test_default_headers_are_checked_merged_with_the_invocation_s(memory: MemoryTransport) -> None:
    @taskhawk.task(name=TASK)
    def target() -> None: ...

    def defaults(task: Any) -> dict[str, str]:
        return {"request_id": "r-1", "bad name": "x"}

    taskhawk.configure(
        TASKHAWK_QUEUE="Q", TASKHAWK_DEFAULT_HEADERS=defaults, TASKHAWK_VALIDATE_OUTGOING=False
    )
    with pytest.raises(taskhawk.ValidationError) as caught:
        target.dispatch()
    expected = whole_message_verdict(TASK, defaults(None), (), {})
    assert (type(caught.value), caught.value.path, caught.value.reason) == expected
    assert memory.sent == []
    with pytest.raises(taskhawk.ValidationError, match=r"\$\.headers\.request_id"):
        target.with_headers(request_id="").dispatch()  # an invocation's header wins
    taskhawk.configure(
        TASKHAWK_QUEUE="Q",
        TASKHAWK_DEFAULT_HEADERS=lambda task: {"request_id": ""},
        TASKHAWK_VALIDATE_OUTGOING=False,
    )
    target.with_headers(request_id="r-2").dispatch()  # the bad default is overridden
    [(_, sent)] = memory.sent
    assert json.loads(sent.body)["headers"] == {"request_id": "r-2"}


def test_a_bad_header_is_refused_by_each_dispatch_of_its_invocation(
    memory: MemoryTransport,
) -> None:
    @taskhawk.task(name=TASK)
    def target() -> None: ...

    taskhawk.configure(TASKHAWK_QUEUE="Q", TASKHAWK_VALIDATE_OUTGOING=False)
    saved = target.with_headers(**{"bad name": "x"}).with_priority("high")
    for _ in range(2):
        with pytest.raises(taskhawk.ValidationError, match=r"\$\.headers"):
            saved.dispatch()
    assert memory.sent == []


@pytest.mark.parametrize(
    ("when", "path"),
    [
        (datetime(1960, 1, 1, tzinfo=timezone.utc), "$.metadata.expires"),
        (1e300, "$.metadata.expires"),
    ],
)
def test_scheduling_fields_out_of_the_format_s_range_are_refused(
    memory: MemoryTransport, when: Any, path: str
) -> None:
    @taskhawk.task(name=TASK)
    def target() -> None: ...

    taskhawk.configure(TASKHAWK_QUEUE="Q", TASKHAWK_VALIDATE_OUTGOING=False)
    with pytest.raises(taskhawk.ValidationError) as caught:
        target.with_expires(when).dispatch()
    assert caught.value.path == path
    assert memory.sent == []


def test_the_whole_check_catches_a_message_the_library_got_wrong(
    memory: MemoryTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The id is trusted by construction: a bug that makes a bad one goes out unless
    TASKHAWK_VALIDATE_OUTGOING checks the message whole."""

    @taskhawk.task(name=TASK)
    def target() -> None: ...

    taskhawk.configure(TASKHAWK_QUEUE="Q", TASKHAWK_VALIDATE_OUTGOING=True)
    invocation = target.with_priority("high")
    invocation.priority_name = "urgent"  # a bug in resolving it
    with pytest.raises(taskhawk.ValidationError, match=r"\$\.metadata\.priority"):
        invocation.dispatch()
    assert memory.sent == []

    monkeypatch.setattr(publisher, "new_message_id", lambda: BAD_ID)  # a bug in making it
    with pytest.raises(taskhawk.ValidationError) as caught:
        target.dispatch()
    assert caught.value.path == "$.id"
    assert "lower-case UUID" in caught.value.reason
    assert memory.sent == []

    taskhawk.configure(TASKHAWK_QUEUE="Q", TASKHAWK_VALIDATE_OUTGOING=False)
    target.dispatch()  # what the setting is for: nothing else looks at the id again
    [(_, sent)] = memory.sent
    assert json.loads(sent.body)["id"] == BAD_ID


def test_the_setting_is_off_by_default() -> None:
    assert (
        taskhawk.settings.Settings.__dataclass_fields__["taskhawk_validate_outgoing"].default
        is False
    )


@pytest.mark.parametrize(
    "value",
    ["é", "\x7f", "\u2028", "\ufffe\uffff", "😀", "a\tb\nc\x01", "日本語" * 3],
    ids=["latin", "DEL", "line separator", "non-characters", "astral", "controls", "CJK"],
)
def test_bodies_are_ascii_with_characters_escaped_as_the_stdlib_writes_them(
    memory: MemoryTransport, value: str
) -> None:
    @taskhawk.task(name=TASK)
    def target(a: Any, **rest: Any) -> None: ...

    taskhawk.configure(TASKHAWK_QUEUE="Q")
    target.with_headers(h="é😀").dispatch(value, **{value: [value, 1.5]})
    [(_, sent)] = memory.sent
    assert sent.body.isascii()
    data = json.loads(sent.body)
    assert sent.body == json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    assert data["args"] == [value] and data["kwargs"] == {value: [value, 1.5]}


@pytest.mark.parametrize("over", [0, 1], ids=["at the limit", "one byte over"])
def test_the_size_limit_applies_to_the_exact_text_sent(memory: MemoryTransport, over: int) -> None:
    """Non-ASCII arguments are escaped, six bytes a character: the limit counts those bytes."""

    @taskhawk.task(name=TASK)
    def target(a: str) -> None: ...

    taskhawk.configure(
        TASKHAWK_QUEUE="Q", TASKHAWK_PUBLISH_VIA_SNS=True, AWS_ACCOUNT_ID="123456789012"
    )
    memory.subscribe("TASKHAWK-Q", "TASKHAWK-Q")
    invocation = target.invocation()
    settings = taskhawk.settings.get_settings()
    destination = destination_for(settings, invocation.priority)
    probe = publisher.new_message(invocation, ("é",), {}, settings, destination)
    assert probe.body is not None
    room = SNS_MAX_BYTES - transport_size(probe.body, message_attributes(probe.message))
    filler = "é" + "é" * (room // 6) + "x" * (room % 6) + "x" * over
    if over:
        with pytest.raises(taskhawk.MessageTooLarge):
            invocation.dispatch(filler)
        assert memory.sent == []
    else:
        invocation.dispatch(filler)
        [(_, sent)] = memory.sent
        assert transport_size(sent.body, sent.attributes) == SNS_MAX_BYTES


@pytest.mark.parametrize(
    "value",
    [["é", "\x7f", "😀", "\ufffe"], {"k": [1, -2.5, 0.1, True, None]}, 9007199254740991, 1e16],
    ids=["text", "numbers", "largest safe integer", "float exponent"],
)
@pytest.mark.parametrize("expires", [None, 1_700_000_060_000], ids=["format 1.0", "format 1.1"])
def test_a_dispatch_writes_the_text_wire_encode_writes(value: Any, expires: int | None) -> None:
    message = build_message(
        message_id="0d3d8132-07cb-41ee-bcc3-840b8d5e77d6",
        task=TASK,
        args=[value],
        kwargs={"x": value},
        headers={"h": "é"},
        priority="high",
        timestamp_ms=1_700_000_000_000,
        scheduling={"expires": expires} if expires else None,
    )
    reference = encode(message)
    if value == 1e16:  # the one difference: the stdlib writes 1e+16
        assert json.loads(write(message)) == json.loads(reference)
        assert write(message) == reference.replace("e+16", "e16")
    else:
        assert write(message) == reference
