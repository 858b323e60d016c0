"""Settings module of the `taskhawk worker` subprocesses the reliability tests start.

Timeouts are optional so a test can shorten them when it puts a fault proxy in the way.
"""

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
TASKHAWK_RETRY_BACKOFF_MAX_S = 4
TASKHAWK_SUCCESS_LOG_LEVEL = "INFO"  # the tests read each success's line (its receive count)
# Overrides a test gives through the environment (see tests/reliability/conftest.py); the
# library's own defaults apply otherwise.
if "AWS_CONNECT_TIMEOUT_S" in os.environ:
    AWS_CONNECT_TIMEOUT_S = float(os.environ["AWS_CONNECT_TIMEOUT_S"])
if "AWS_READ_TIMEOUT_S" in os.environ:
    AWS_READ_TIMEOUT_S = float(os.environ["AWS_READ_TIMEOUT_S"])
if "TASKHAWK_HEARTBEAT_INTERVAL_S" in os.environ:
    TASKHAWK_HEARTBEAT_INTERVAL_S = float(os.environ["TASKHAWK_HEARTBEAT_INTERVAL_S"])
if "TASKHAWK_MAX_RECEIVE_COUNT" in os.environ:
    TASKHAWK_MAX_RECEIVE_COUNT = int(os.environ["TASKHAWK_MAX_RECEIVE_COUNT"])
