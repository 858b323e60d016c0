"""AWS Lambda entry point for SQS- and SNS-triggered functions: handler `lambda_function.handler`.

Set SETTINGS_MODULE in the function's environment, as for a worker.
"""

from collections.abc import Mapping
from typing import Any

import tasks  # noqa: F401 - registers the tasks this function can run

from taskhawk.consume.lambda_handler import (
    PartialBatchResponse,
    process_messages_for_lambda_consumer,
)


def handler(event: Mapping[str, Any], context: object) -> PartialBatchResponse | None:
    # SQS events: returns {"batchItemFailures": [...]}, so only failed records are retried.
    # SNS events: returns None, or raises once every record was tried if some failed.
    return process_messages_for_lambda_consumer(event)
