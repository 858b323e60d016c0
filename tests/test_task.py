"""@task, Task and Invocation: declaration rules, immutability, and how consumers call tasks."""

from __future__ import annotations

from typing import Any

import pytest

import taskhawk
from taskhawk.arguments import Arguments
from taskhawk.consume.execute import Origin, task_metadata
from taskhawk.registry import find_task, registered_tasks
from taskhawk.task import Invocation
from taskhawk.wire import build_message


def _message(task: str, args: list[Any], kwargs: dict[str, Any], headers: dict[str, str]) -> Any:
    return build_message(
        message_id="b1328174-a21c-43d3-b303-964dfcc76efc",
        task=task,
        args=args,
        kwargs=kwargs,
        headers=headers,
        priority="high",
        timestamp_ms=1460868253255,
    )


def test_bare_decorator_registers_under_module_and_function_name() -> None:
    @taskhawk.task
    def send_email(to: str) -> str:
        return f"sent to {to}"

    assert send_email.name == "tests.test_task.send_email"
    assert send_email.priority is taskhawk.Priority.default
    assert find_task(send_email.name) is send_email
    assert send_email("a@b.c") == "sent to a@b.c"  # still directly callable


def test_decorator_with_priority_and_name() -> None:
    @taskhawk.task(priority=taskhawk.Priority.high, name="emails.send")
    def send_email(to: str) -> None: ...

    assert (send_email.name, send_email.priority) == ("emails.send", taskhawk.Priority.high)
    assert "emails.send" in registered_tasks()


def test_duplicate_name_names_both_functions() -> None:
    @taskhawk.task(name="dup")
    def first() -> None: ...

    with pytest.raises(taskhawk.ConfigurationError) as caught:

        @taskhawk.task(name="dup")
        def second() -> None: ...

    assert "first" in str(caught.value) and "second" in str(caught.value)


def test_star_args_is_refused_at_decoration() -> None:
    with pytest.raises(taskhawk.ConfigurationError, match=r"\*args"):

        @taskhawk.task
        def variadic(*values: int) -> None: ...


def test_priority_may_be_given_by_name_and_an_unknown_one_is_refused() -> None:
    @taskhawk.task(priority="high")
    def urgent() -> None: ...

    assert urgent.priority is taskhawk.Priority.high
    with pytest.raises(taskhawk.ConfigurationError, match="unknown priority 'urgent'"):
        taskhawk.task(priority="urgent")(lambda: None)  # type: ignore[call-overload]


def test_with_headers_and_priority_return_new_invocations() -> None:
    @taskhawk.task
    def work() -> None: ...

    saved = work.with_headers(request_id="1")
    chained = saved.with_headers(user="u").with_priority(taskhawk.Priority.bulk)
    assert isinstance(chained, Invocation)
    assert dict(saved.headers) == {"request_id": "1"}  # upstream mutated the saved one
    assert dict(chained.headers) == {"request_id": "1", "user": "u"}
    assert saved.priority is taskhawk.Priority.default
    assert chained.priority is taskhawk.Priority.bulk
    assert chained.with_priority(taskhawk.Priority.low).priority is taskhawk.Priority.low
    assert saved.with_priority("high").priority is taskhawk.Priority.high
    assert work.with_priority("bulk").priority is taskhawk.Priority.bulk
    with pytest.raises(ValueError, match="unknown priority 'urgent'; expected one of default"):
        saved.with_priority("urgent")  # type: ignore[arg-type]


def test_consumer_call_injects_metadata_and_headers() -> None:
    seen: dict[str, Any] = {}

    @taskhawk.task
    def with_meta(to: str, *, metadata: taskhawk.Metadata, headers: dict[str, str]) -> None:
        seen.update(to=to, metadata=metadata, headers=headers)

    message = _message(with_meta.name, ["x"], {}, {"request_id": "r"})
    metadata = task_metadata(message, Origin(queue="TASKHAWK-Q", receipt="rcpt"))
    with_meta.call(message, metadata)
    assert seen["to"] == "x"
    assert seen["headers"] == {"request_id": "r"}
    meta = seen["metadata"]
    assert (meta.id, meta.priority, meta.timestamp, meta.version, meta.receipt, meta.queue) == (
        "b1328174-a21c-43d3-b303-964dfcc76efc", taskhawk.Priority.high, 1460868253255, "1.0",
        "rcpt", "TASKHAWK-Q",
    )  # fmt: skip


def test_var_keyword_receives_both() -> None:
    seen: dict[str, Any] = {}

    @taskhawk.task
    def catch_all(**kwargs: Any) -> None:
        seen.update(kwargs)

    message = _message(catch_all.name, [], {"a": 1}, {})
    catch_all.call(message, task_metadata(message, Origin()))
    assert set(seen) == {"a", "metadata", "headers"}


def test_task_without_injection_receives_only_its_kwargs() -> None:
    seen: dict[str, Any] = {}

    @taskhawk.task
    def takes_metadata_value(metadata2: int = 0) -> None:
        seen["metadata2"] = metadata2

    message = _message(takes_metadata_value.name, [], {"metadata2": 5}, {})
    takes_metadata_value.call(message, task_metadata(message, Origin()))
    assert seen == {"metadata2": 5}


def test_wire_kwarg_colliding_with_injection_is_a_validation_error() -> None:
    @taskhawk.task
    def needs_meta(metadata: taskhawk.Metadata | None = None) -> None: ...

    message = _message(needs_meta.name, [], {"metadata": "forged"}, {})
    with pytest.raises(taskhawk.ValidationError, match="filled in by the consumer"):
        needs_meta.call(message, task_metadata(message, Origin()))


def test_unknown_task_is_task_not_found() -> None:
    with pytest.raises(taskhawk.TaskNotFound) as caught:
        find_task("os.system")
    assert caught.value.name == "os.system"
    assert caught.value.path == "$.task"


class CustomTask(taskhawk.Task[Any, Any]):
    pass


def test_task_class_setting_selects_the_class() -> None:
    taskhawk.configure(TASKHAWK_QUEUE="Q", TASKHAWK_TASK_CLASS="tests.test_task.CustomTask")

    @taskhawk.task
    def custom() -> None: ...

    assert type(custom) is CustomTask


def test_task_class_setting_must_be_a_task_subclass() -> None:
    taskhawk.configure(TASKHAWK_QUEUE="Q", TASKHAWK_TASK_CLASS="tests.support.hooks.pre_process")
    with pytest.raises(taskhawk.ConfigurationError, match=r"not a taskhawk\.Task subclass"):

        @taskhawk.task
        def custom() -> None: ...


def test_a_call_shape_that_bound_once_binds_again_and_others_are_still_checked() -> None:
    arguments = Arguments(lambda to, subject="", *, order=0: None, "t.shapes", ())
    assert arguments.problem(("a@b",), {"order": 1}) is None
    assert arguments.problem(("c@d",), {"order": "any value"}) is None  # the same shape
    assert arguments.problem(("a", "b", "c"), {}) == (
        "$.args[2]",
        "arguments do not fit t.shapes(to, subject=..., *, order=...): "
        "too many positional arguments",
    )
    assert arguments.problem((), {"order": 1}) is not None  # `to` is missing
    assert arguments.problem(("a",), {"to": "again"}) is not None  # `to` twice
    injected = Arguments(lambda to, metadata=None: None, "t.injected", ("metadata",))
    assert injected.problem(("a",), {}) is None
    assert injected.problem(("a",), {"metadata": 1}) == (
        "$.kwargs.metadata",
        "is filled in by the consumer of t.injected",
    )
