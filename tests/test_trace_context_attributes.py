"""Decision trace-context: the trace context fills the attributes the headers leave free."""

from __future__ import annotations

from typing import Any

from taskhawk.transport.limits import MAX_ATTRIBUTES
from taskhawk.wire import build_message, message_attributes

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
CONTEXT = {"traceparent": PARENT, "tracestate": "vendor=abc", "baggage": "tenant=7"}


def message(headers: dict[str, str]) -> Any:
    return build_message(
        message_id="7f0b1c9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f",
        task="tasks.send_email",
        args=[],
        kwargs={},
        headers=headers,
        priority="default",
        timestamp_ms=1_700_000_000_000,
    )


def headers(count: int) -> dict[str, str]:
    return {f"h{index}": "v" for index in range(count)}


def test_no_context_leaves_the_attributes_as_they_were() -> None:
    assert message_attributes(message({"a": "1"})) == {
        "taskhawk_task": "tasks.send_email",
        "a": "1",
    }
    assert message_attributes(message({"a": "1"}), {}) == message_attributes(message({"a": "1"}))


def test_the_context_follows_the_task_and_the_headers_in_the_propagators_order() -> None:
    attributes = message_attributes(message({"request_id": "r1"}), CONTEXT)
    assert list(attributes) == [
        "taskhawk_task",
        "request_id",
        "traceparent",
        "tracestate",
        "baggage",
    ]
    assert attributes["traceparent"] == PARENT


def test_what_does_not_fit_in_ten_is_left_out_last_entries_first() -> None:
    for count, kept in [(6, 3), (7, 2), (8, 1), (9, 0)]:
        attributes = message_attributes(message(headers(count)), CONTEXT)
        assert len(attributes) == min(1 + count + 3, MAX_ATTRIBUTES)
        assert [name for name in CONTEXT if name in attributes] == list(CONTEXT)[:kept]


def test_with_more_than_nine_headers_the_context_has_the_room_they_leave() -> None:
    attributes = message_attributes(message(headers(12)), CONTEXT)
    assert attributes == {"taskhawk_task": "tasks.send_email", **CONTEXT}


def test_a_header_of_the_same_name_wins_so_attributes_still_copy_headers() -> None:
    attributes = message_attributes(message({"traceparent": "mine"}), CONTEXT)
    assert attributes["traceparent"] == "mine"
    assert attributes["tracestate"] == "vendor=abc"


def test_entries_sqs_would_refuse_are_left_out() -> None:
    odd = {
        "": "x",
        "has space": "x",
        "AWS.trace": "x",
        "amazon.x": "x",
        "taskhawk_trace": "x",
        ".lead": "x",
        "a..b": "x",
        "n" * 257: "x",
        "empty": "",
        "control": "a\x01b",
        "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793",
    }
    attributes = message_attributes(message({}), odd)
    assert attributes == {
        "taskhawk_task": "tasks.send_email",
        "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793",
    }
