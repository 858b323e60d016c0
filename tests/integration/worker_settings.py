"""Settings module of the `taskhawk worker` subprocesses the integration tests start."""

from __future__ import annotations

import os

AWS_REGION = os.environ["AWS_REGION"]
AWS_ACCOUNT_ID = os.environ["AWS_ACCOUNT_ID"]
AWS_ACCESS_KEY = os.environ["AWS_ACCESS_KEY"]
AWS_SECRET_KEY = os.environ["AWS_SECRET_KEY"]
AWS_ENDPOINT_SQS = os.environ["AWS_ENDPOINT_SQS"]
AWS_ENDPOINT_SNS = os.environ["AWS_ENDPOINT_SNS"]
TASKHAWK_QUEUE = os.environ["TASKHAWK_QUEUE"]
TASKHAWK_RETRY_BACKOFF_BASE_S = 1  # failures come back within seconds
TASKHAWK_SUCCESS_LOG_LEVEL = "INFO"  # the tests count each success's line
