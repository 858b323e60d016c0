"""`python -m tools.bench large-payload`: a 5 MiB task through S3, taskhawk's offload against AWS's
SQS Extended Client Library (the Python package), same local endpoint, one run.

A moto server (SQS and S3 on one port) runs in its own process; each row runs in its own process
too (`large_payload_driver`) and sends, receives and deletes its messages one at a time, so a row
is the latency of one large message from send to delete. taskhawk's row also encodes, validates
and decodes the 5 MiB message and runs its task; the extended client's moves the same bytes and
parses them once. Written to tools/bench/results/large-payload.json.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from typing import Any

import boto3

from tools import ROOT
from tools.bench.report import RESULTS, machine, provenance

__all__ = ["main"]

SIZE = 5 * 1024 * 1024
MESSAGES = 5
QUEUE = "BENCH-LARGE"
BUCKET = "bench-large-payloads"
ROWS = {"taskhawk": "taskhawk offload (dispatch, worker poll)", "extended": "SQS Extended Client"}


def main() -> int:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_until_up(endpoint)
        _provision(endpoint)
        plan = {"endpoint": endpoint, "queue": QUEUE, "bucket": BUCKET, "size": SIZE,
                "messages": MESSAGES}  # fmt: skip
        rows = [_row(name, plan, endpoint) for name in ROWS]
    finally:
        server.terminate()
        server.wait(10)
    results = {**provenance(), **machine(), "size_bytes": SIZE, "messages": MESSAGES, "rows": rows}
    out = RESULTS / "large-payload.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for row in rows:
        print(
            f"{row['row']:<45} {row['median_s'] * 1000:8.1f} ms/message  "
            f"{row['mib_per_s']:6.1f} MiB/s  (objects left: {row['objects_left']})"
        )
    print(f"written: {out.relative_to(ROOT)}")
    return 0


def _row(name: str, plan: dict[str, Any], endpoint: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tools.bench.large_payload_driver", name],
        input=json.dumps(plan), capture_output=True, text=True, cwd=ROOT, check=False, timeout=600,
        env={**os.environ, "AWS_ENDPOINT_URL_S3": endpoint},  # the extended client's S3 client
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the {name} row failed: {done.stderr.strip()[-2000:]}")
    seconds: list[float] = json.loads(done.stdout)["seconds"]
    median = statistics.median(seconds)
    return {
        "row": ROWS[name],
        "seconds": [round(s, 4) for s in seconds],
        "median_s": round(median, 4),
        "mib_per_s": round(SIZE / median / 1024 / 1024, 2),
        "objects_left": _objects(endpoint),
    }


def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


def _provision(endpoint: str) -> None:
    _session().client("sqs", endpoint_url=endpoint).create_queue(QueueName=f"TASKHAWK-{QUEUE}")
    _s3(endpoint).create_bucket(Bucket=BUCKET)


def _s3(endpoint: str) -> Any:
    return _session().client("s3", endpoint_url=endpoint)


def _objects(endpoint: str) -> int:
    listed = _s3(endpoint).list_objects_v2(Bucket=BUCKET)
    return int(listed.get("KeyCount", 0))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(endpoint: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
