"""The large-payload bucket in the admin commands, over HTTP against the moto server: `provision`
creates it with its expiry rule (keeping other rules), `stats` counts its objects, and the test
recorder reads offloaded messages."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import taskhawk
from taskhawk.admin.payload_bucket import EXPIRY_DAYS, LIFECYCLE_RULE_ID
from taskhawk.testing import Recorder
from taskhawk.transport.payload_pointer import parse_pointer
from tests.conftest import boto_client
from tests.support.cli import run_cli, write_app


def rules(endpoint: str, bucket: str) -> list[tuple[str, int]]:
    found = boto_client("s3", endpoint).get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    return sorted((rule["ID"], rule["Expiration"]["Days"]) for rule in found)


def test_provision_creates_the_bucket_with_its_expiry_rule_and_keeps_other_rules(
    moto_endpoint: str, tmp_path: Path
) -> None:
    bucket = f"prov-{uuid.uuid4().hex[:12]}"
    queue = f"A{uuid.uuid4().hex[:10].upper()}"
    extra = {"AWS_ENDPOINT_S3": moto_endpoint, "TASKHAWK_LARGE_PAYLOAD_BUCKET": bucket}
    write_app(tmp_path, moto_endpoint, queue, **extra)
    first = run_cli("provision", "--settings", "settings", "--priority", "high", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    line = f"payload bucket    {bucket} (objects expire after {EXPIRY_DAYS} days)"
    assert f"{line} (created)" in first.stdout.splitlines()
    assert rules(moto_endpoint, bucket) == [(LIFECYCLE_RULE_ID, EXPIRY_DAYS)]
    mine: dict[str, Any] = {
        "ID": "mine", "Filter": {"Prefix": "x/"}, "Status": "Enabled", "Expiration": {"Days": 2}
    }  # fmt: skip
    ours = {**mine, "ID": LIFECYCLE_RULE_ID, "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}
    boto_client("s3", moto_endpoint).put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": [mine, ours]}
    )
    again = run_cli("provision", "--settings", "settings", "--priority", "high", cwd=tmp_path)
    assert f"{line} (up to date)" in again.stdout.splitlines(), again.stdout
    assert rules(moto_endpoint, bucket) == [("mine", 2), (LIFECYCLE_RULE_ID, EXPIRY_DAYS)]
    boto_client("s3", moto_endpoint).put_object(Bucket=bucket, Key="left", Body=b"x")
    stats = run_cli("stats", "--settings", "settings", "--priority", "high", cwd=tmp_path)
    assert f"large payloads: 1 objects in s3://{bucket}" in stats.stdout, stats.stdout
    as_json = run_cli("stats", "--json", "--settings", "settings", cwd=tmp_path)
    entry = json.loads(as_json.stdout)
    assert entry["large_payloads"] == {"bucket": bucket, "objects": 1, "more": False}


def test_the_recorder_reads_and_runs_offloaded_messages(taskhawk_recorder: Recorder) -> None:
    taskhawk.configure(TASKHAWK_QUEUE="TEST", TASKHAWK_LARGE_PAYLOAD_BUCKET="test-payloads")
    seen: list[int] = []

    @taskhawk.task(name="recorded.large")
    def large(text: str) -> None:
        seen.append(len(text))

    large.dispatch("x" * 2_000_000)
    ((_, sent),) = taskhawk_recorder.transport.sent
    assert parse_pointer(sent.body) is not None
    taskhawk_recorder.assert_dispatched(large, args=["x" * 2_000_000])
    assert taskhawk_recorder.run_all() == 1 and seen == [2_000_000]
