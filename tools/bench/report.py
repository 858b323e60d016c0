"""Runs the cpu and throughput sections, prints the tables and the targets, writes the results:
tools/bench/results/latest.json (everything), plus cpu.json and targets.json for the docs'
tables."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from tools.bench import cpu, cpu_otel, peers_env, throughput

RESULTS = Path(__file__).resolve().parent / "results"
WORKER_10 = "taskhawk worker --num-messages 10 --processes 1"
UPSTREAM_10 = "upstream taskhawk 4.7.0 listen_for_messages(num_messages=10)"
CONSUME_US = "consume: poll of 10, worker logging"
PUBLISH_US = "publish: dispatch (SQS)"


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),  # the architecture only: nothing that names the host
        "cpus": os.cpu_count(),
        "boto3": version("boto3"),
        "moto": version("moto"),
    }


def _rate(records: list[dict[str, Any]], name: str) -> float | None:
    for record in records:
        if record["row"] == name:
            value: float | None = record.get("median_per_s")
            return value
    return None


def targets(records: list[dict[str, Any]], figures: dict[str, Any]) -> list[dict[str, Any]]:
    worker = _rate(records, WORKER_10)
    celery = [
        r["median_per_s"]
        for r in records
        if r["row"].startswith("Celery") and r["group"] == "consume" and "median_per_s" in r
    ]
    checks: list[tuple[str, float | None, float | None, float, bool]] = [
        (f"{WORKER_10} / {peers_env.RAW_10_BATCH}", worker,
         _rate(records, peers_env.RAW_10_BATCH), 0.85, True),
        (f"{WORKER_10} / {UPSTREAM_10}", worker, _rate(records, UPSTREAM_10), 2.5, True),
        (f"{WORKER_10} / best Celery worker", worker, max(celery) if celery else None, 2.0, True),
        ("taskhawk dispatch_many (SQS) / raw SendMessageBatch(10)",
         _rate(records, "taskhawk dispatch_many (SQS)"),
         _rate(records, "raw SendMessageBatch(10)"), 0.85, True),
        (f"CPU us, {CONSUME_US}", figures.get(CONSUME_US, {}).get("median_us"), 1.0, 20.0, False),
        (f"CPU us, {PUBLISH_US}", figures.get(PUBLISH_US, {}).get("median_us"), 1.0, 30.0, False),
    ]  # fmt: skip
    found = []
    for name, value, base, threshold, at_least in checks:
        if value is None or not base:
            found.append({"target": name, "threshold": threshold, "status": "not measured"})
            continue
        figure = value / base
        met = figure >= threshold if at_least else figure <= threshold
        found.append(
            {
                "target": name,
                "value": round(figure, 3),
                "threshold": f"{'>=' if at_least else '<='} {threshold}",
                "status": "met" if met else "MISSED",
            }
        )
    return found


def main(chosen: list[str], args: argparse.Namespace) -> int:
    started = time.monotonic()
    results: dict[str, Any] = machine()
    results.update(
        messages=args.messages,
        single_messages=args.single_messages,
        peer_messages=args.peer_messages,
        rounds=args.rounds,
    )
    figures: dict[str, Any] = {}
    if "cpu" in chosen:
        measured = cpu.run()
        measured["us_per_message"].update(cpu_otel.run())
        print("\n".join(cpu.report(measured)), flush=True)
        figures = measured["us_per_message"]
        results["cpu"] = measured
        _write("cpu.json", {"rows": [{"path": k, **v} for k, v in figures.items()]})
        profile = [
            {"path": path, **row} for path, rows in measured["profile"].items() for row in rows
        ]
        _write("cpu-profile.json", {"rows": profile})
    records: list[dict[str, Any]] = []
    if "throughput" in chosen:
        counts = throughput.Counts(args.messages, args.single_messages, args.peer_messages)
        run = throughput.run(counts, args.rounds, not args.no_peers)
        by_name = {row.name: row for row in run["rows"]}
        records = [throughput.summarize(row, by_name) for row in run["rows"]]
        print("\n".join(throughput.table(records)))
        results["rows"] = records
        results["unavailable"] = run["unavailable"]
        for peer, reason in run["unavailable"].items():
            print(f"unavailable: {peer}: {reason}")
    found = targets(records, figures)
    results["targets"] = found
    if "cpu" in chosen and "throughput" in chosen:
        _write("targets.json", {"rows": found})
    for target in found:
        value = target.get("value", "")
        print(f"target {target['target']}: {value} ({target['threshold']}) {target['status']}")
    results["seconds"] = round(time.monotonic() - started, 1)
    if "throughput" in chosen:  # a cpu-only run leaves the last full results in place
        _write("latest.json", results)
    print(f"written to tools/bench/results/ in {results['seconds']:.0f}s", flush=True)
    return 0


def _write(name: str, data: Any) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    temporary = RESULTS / f"{name}.tmp"
    temporary.write_text(json.dumps(data, indent=2) + "\n")
    temporary.replace(RESULTS / name)
