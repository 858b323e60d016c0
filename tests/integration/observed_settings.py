"""Settings of the observability tests' workers: the integration settings, plus upstream's
heartbeat hook every quarter second (it fails every time)."""

from __future__ import annotations

from tests.integration.worker_settings import (
    AWS_ACCESS_KEY,
    AWS_ACCOUNT_ID,
    AWS_ENDPOINT_SNS,
    AWS_ENDPOINT_SQS,
    AWS_REGION,
    AWS_SECRET_KEY,
    TASKHAWK_QUEUE,
    TASKHAWK_RETRY_BACKOFF_BASE_S,
)

__all__ = [
    "AWS_ACCESS_KEY",
    "AWS_ACCOUNT_ID",
    "AWS_ENDPOINT_SNS",
    "AWS_ENDPOINT_SQS",
    "AWS_REGION",
    "AWS_SECRET_KEY",
    "TASKHAWK_HEARTBEAT_HOOK",
    "TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S",
    "TASKHAWK_QUEUE",
    "TASKHAWK_RETRY_BACKOFF_BASE_S",
]

TASKHAWK_HEARTBEAT_HOOK = "tests.integration.observed_tasks.failing_heartbeat"
TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S = 0.25
