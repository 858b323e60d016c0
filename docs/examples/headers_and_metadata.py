"""Headers, metadata and the default-headers hook."""

from collections.abc import Mapping
from typing import Any

import settings

import taskhawk
from taskhawk.consume.sqs import listen_for_messages


def default_headers(task: taskhawk.Task[Any, Any]) -> dict[str, str]:
    """TASKHAWK_DEFAULT_HEADERS: called for every dispatch; explicit headers win."""
    return {"app": "shop", "origin": task.name}


taskhawk.configure(settings, TASKHAWK_DEFAULT_HEADERS=default_headers)


@taskhawk.task(name="shop.charge")
def charge(
    order_id: int,
    *,
    metadata: taskhawk.Metadata | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Taking `metadata` and `headers` asks the worker to fill them in."""
    assert metadata is not None and headers is not None
    print(f"order {order_id}: id={metadata.id} priority={metadata.priority.name}")
    print(f"order {order_id}: headers={dict(sorted(headers.items()))}")


traced = charge.with_headers(request_id="req-1")  # an Invocation; the task is unchanged
first = traced.dispatch(7)
second = traced.with_headers(origin="checkout").dispatch(8)  # a new Invocation again
third = charge.dispatch(9)  # no request_id: `traced` did not change `charge`
print(f"dispatched {first} {second} {third}")

listen_for_messages("default", num_messages=10, loop_count=1)
