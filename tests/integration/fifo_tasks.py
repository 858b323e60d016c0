"""The FIFO integration tests' tasks: `it.ordered` records when it starts and finishes (or
fails), and fails once for the numbers listed in $TASKHAWK_IT_STATE/fail-once-<group>-<n>;
`billing.apply_event` records the event the Node FIFO example publishes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from taskhawk import task
from tests.integration.tasks import record


@task(name="it.ordered")
def ordered(group: str, n: int, seconds: float = 0.05) -> None:
    record("started", group, n=n, at=time.monotonic())
    time.sleep(seconds)
    flag = Path(os.environ["TASKHAWK_IT_STATE"]) / f"fail-once-{group}-{n}"
    try:
        flag.unlink()
    except FileNotFoundError:
        record("finished", group, n=n, at=time.monotonic())
        return
    record("failed", group, n=n, at=time.monotonic())
    raise RuntimeError(f"{group} #{n} fails once on purpose")


@task(name="billing.apply_event")
def apply_event(customer: str, event: str) -> None:
    """The task of the Node FIFO example (bindings/typescript/examples/fifo.ts)."""
    record("applied", customer, billing_event=event)
