"""Checked by mypy only (make typecheck, with taskhawk.mypy_plugin): a task that declares
`metadata` or `headers`, with no default, is dispatched without them, as the runtime requires."""

from typing_extensions import assert_type

import taskhawk


@taskhawk.task
def charge(order_id: int, metadata: taskhawk.Metadata) -> bool:
    return metadata.id != ""


@taskhawk.task(priority="high")
def notify(user_id: int, *, metadata: taskhawk.Metadata, headers: dict[str, str]) -> None: ...


@taskhawk.task
def audit(metadata: taskhawk.Metadata, action: str = "read") -> None: ...


def check_types(metadata: taskhawk.Metadata) -> None:
    assert_type(charge.dispatch(5), str)
    charge.dispatch(order_id=5)
    charge.with_headers(request_id="1").dispatch(5)
    notify.with_priority("low").with_delay(60).dispatch(7)
    audit.dispatch()
    audit.dispatch(action="write")
    assert_type(charge(5, metadata), bool)  # a direct call runs the function: it takes all
    charge.dispatch("5")  # type: ignore[arg-type]
    charge.dispatch()  # type: ignore[call-arg]
    charge.dispatch(5, metadata)  # type: ignore[call-arg]
    charge.dispatch(5, metadata=metadata)  # type: ignore[call-arg]
    notify.dispatch(7, headers={})  # type: ignore[call-arg]
