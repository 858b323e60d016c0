"""Checked by mypy only (make typecheck): dispatch is typed from the task's own signature."""

from typing_extensions import assert_type

import taskhawk


@taskhawk.task
def send_email(to: str, subject: str, *, cc: list[str] | None = None) -> bool:
    return True


@taskhawk.task(priority=taskhawk.Priority.high, name="emails.welcome")
def welcome(user_id: int) -> None: ...


@taskhawk.task(priority="bulk")
def nightly() -> None: ...


def check_types() -> None:
    assert_type(send_email.dispatch("a@b.c", "hi"), str)
    assert_type(send_email("a@b.c", "hi"), bool)
    invocation = send_email.with_headers(request_id="1").with_priority(taskhawk.Priority.high)
    assert_type(invocation.dispatch("a@b.c", "hi", cc=None), str)
    invocation.dispatch("a@b.c")  # type: ignore[call-arg]
    assert_type(welcome.dispatch_many([((1,), {})]), list[str])
    send_email.dispatch("a@b.c", "hi", cc=["x@y.z"])
    send_email.dispatch("a@b.c")  # type: ignore[call-arg]
    send_email.dispatch(1, "hi")  # type: ignore[arg-type]
    welcome.with_priority(taskhawk.Priority.low).dispatch(user_id="7")  # type: ignore[arg-type]
    send_email.with_headers(count=7)  # type: ignore[arg-type]
    assert_type(send_email.with_priority("high").dispatch("a@b.c", "hi"), str)
    name: taskhawk.PriorityName = "low"
    nightly.with_headers(request_id="1").with_priority(name).dispatch()
    send_email.with_priority("urgent")  # type: ignore[arg-type]
    taskhawk.task(priority="urgent")  # type: ignore[call-overload]


@taskhawk.task(priority="high")
async def fetch(url: str, *, retries: int = 3) -> bytes:
    return b""


async def check_async_types() -> None:
    """An async task is typed as a plain one: its dispatches check the same arguments, and
    calling it gives the coroutine of its own result."""
    assert_type(fetch.dispatch("https://example.com"), str)
    assert_type(await fetch.dispatch_async("https://example.com", retries=1), str)
    assert_type(await fetch.with_headers(a="1").dispatch_async("https://example.com"), str)
    assert_type(await fetch.dispatch_many_async([(("https://example.com",), {})]), list[str])
    assert_type(await fetch("https://example.com"), bytes)
    fetch.dispatch(1)  # type: ignore[arg-type]
    await fetch.dispatch_async()  # type: ignore[call-arg]
    await fetch.dispatch_async("https://example.com", retries="2")  # type: ignore[arg-type]
    send_email.dispatch_async("a@b.c")  # type: ignore[call-arg, unused-coroutine]
