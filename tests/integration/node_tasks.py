"""The task the Node publisher's calls name (tests/integration/test_node_publisher.py); it records
its arguments, headers, priority and where it was received from in $TASKHAWK_IT_STATE."""

from __future__ import annotations

import time
from typing import Any

from taskhawk import Metadata, task
from tests.integration.tasks import record


@task(name="it.node_call")
def node_call(token: str, values: list[Any], *, label: str, metadata: Metadata) -> None:
    record(
        "node_call",
        token,
        values=values,
        label=label,
        headers=dict(metadata.headers),
        priority=metadata.priority.name,
        queue=metadata.queue,
        version=metadata.version,
        ran_at=time.time(),
    )
