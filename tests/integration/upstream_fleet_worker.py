"""An upstream Taskhawk 4.7.0 worker for the mixed-fleet test, run with the upstream virtualenv's
interpreter (never this repository's taskhawk). Environment: FLEET_ENDPOINT, FLEET_QUEUE,
FLEET_EVENTS (a file each run appends a JSON line to)."""

from __future__ import annotations

import json
import os
import sys
import types

settings = types.ModuleType("fleet_upstream_settings")
settings.AWS_ENDPOINT_SQS = os.environ["FLEET_ENDPOINT"]  # type: ignore[attr-defined]
settings.AWS_ENDPOINT_SNS = os.environ["FLEET_ENDPOINT"]  # type: ignore[attr-defined]
settings.AWS_REGION = "us-east-1"  # type: ignore[attr-defined]
settings.AWS_ACCOUNT_ID = "123456789012"  # type: ignore[attr-defined]
settings.AWS_ACCESS_KEY = "testing"  # type: ignore[attr-defined]
settings.AWS_SECRET_KEY = "testing"  # type: ignore[attr-defined]
settings.TASKHAWK_QUEUE = os.environ["FLEET_QUEUE"]  # type: ignore[attr-defined]
settings.TASKHAWK_PUBLISHER_BACKEND = "taskhawk.backends.aws.AWSSNSPublisherBackend"  # type: ignore[attr-defined]
settings.TASKHAWK_CONSUMER_BACKEND = "taskhawk.backends.aws.AWSSQSConsumerBackend"  # type: ignore[attr-defined]
sys.modules[settings.__name__] = settings
os.environ["SETTINGS_MODULE"] = settings.__name__

import taskhawk  # noqa: E402 - after its settings module exists

assert taskhawk.VERSION == "4.7.0", taskhawk.VERSION


@taskhawk.task(name="fleet.record")
def record(n: int, label: str) -> None:
    with open(os.environ["FLEET_EVENTS"], "a") as events:
        events.write(json.dumps({"n": n, "label": label, "by": "upstream-4.7"}) + "\n")


if __name__ == "__main__":
    print("upstream worker listening", flush=True)
    taskhawk.listen_for_messages(taskhawk.Priority.default, num_messages=10)
