"""Settings of the demo app: endpoint values come from `taskhawk dev-server`'s output."""

from __future__ import annotations

import os

AWS_ENDPOINT_SQS = os.environ["AWS_ENDPOINT_SQS"]
AWS_ENDPOINT_SNS = os.environ["AWS_ENDPOINT_SNS"]
AWS_ENDPOINT_SCHEDULER = os.environ["AWS_ENDPOINT_SCHEDULER"]
TASKHAWK_SCHEDULER_ROLE_ARN = os.environ["TASKHAWK_SCHEDULER_ROLE_ARN"]
AWS_ENDPOINT_S3 = os.environ["AWS_ENDPOINT_S3"]  # the dev-server serves S3 on the same port
TASKHAWK_LARGE_PAYLOAD_BUCKET = os.environ["TASKHAWK_LARGE_PAYLOAD_BUCKET"]
AWS_REGION = os.environ["AWS_REGION"]
AWS_ACCOUNT_ID = os.environ["AWS_ACCOUNT_ID"]
AWS_ACCESS_KEY = os.environ["AWS_ACCESS_KEY"]
AWS_SECRET_KEY = os.environ["AWS_SECRET_KEY"]
TASKHAWK_QUEUE = os.environ["TASKHAWK_QUEUE"]
TASKHAWK_TASK_MODULES = ["tools.demo.tasks"]
# Short delays so a failing task reaches the dead-letter queue within seconds.
TASKHAWK_RETRY_BACKOFF_BASE_S = 1
TASKHAWK_MAX_RECEIVE_COUNT = 2
