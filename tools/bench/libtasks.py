"""The library's benchmark task: a no-op that reports it ran."""

from __future__ import annotations

import taskhawk
from tools.bench.workload import TASK_NAME, notify


@taskhawk.task(name=TASK_NAME)
def send_email(to: str, subject: str, order_id: int) -> None:
    notify()
