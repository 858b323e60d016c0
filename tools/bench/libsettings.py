"""Settings of the library under benchmark, read from the environment the benchmark sets."""

from __future__ import annotations

import os

AWS_ENDPOINT_SQS = os.environ["BENCH_ENDPOINT"]
AWS_ENDPOINT_SNS = os.environ["BENCH_ENDPOINT"]
AWS_REGION = "us-east-1"
AWS_ACCOUNT_ID = "123456789012"
AWS_ACCESS_KEY = "testing"
AWS_SECRET_KEY = "testing"
TASKHAWK_QUEUE = os.environ["BENCH_APP_QUEUE"]
TASKHAWK_FIFO = os.environ.get("BENCH_FIFO") == "1"  # the FIFO rows' app
