"""Runs the cpu, library-only and throughput sections, prints the tables and the targets, and
writes the results to tools/bench/results/: latest.json (everything), plus cpu.json,
cpu-profile.json, library-only.json, instructions.json, memory.json and targets.json for the
docs' tables.

Every file records what it measured: the commit (and whether the tree differed from it), the
load average before and after, and each figure's spread, so a busy run shows as one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from tools import ROOT
from tools.bench import cpu, cpu_otel, cpu_profile, instructions, libonly, throughput
from tools.bench.targets import evaluate

__all__ = ["main", "provenance"]

RESULTS = Path(__file__).resolve().parent / "results"
RESULTS_DIR = "tools/bench/results"


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),  # the architecture only: nothing that names the host
        "cpus": os.cpu_count(),
        "boto3": version("boto3"),
        "moto": version("moto"),
    }


def provenance() -> dict[str, Any]:
    """The commit measured, whether the working tree differed from it (results aside), and the
    load average (1, 5, 15 minutes) now."""
    changed = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!" + RESULTS_DIR)
    return {
        "commit": _git("rev-parse", "HEAD") or "unknown",
        "tree_differs_from_commit": bool(changed),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def main(chosen: list[str], args: argparse.Namespace) -> int:
    started = time.monotonic()
    run = provenance()
    results: dict[str, Any] = {**run, **machine()}
    results.update(
        messages=args.messages,
        single_messages=args.single_messages,
        peer_messages=args.peer_messages,
        library_messages=args.library_messages,
        memory_tasks=args.memory_tasks,
        rounds=args.rounds,
    )
    figures: dict[str, Any] = {}
    library: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    if "cpu" in chosen:
        figures = _cpu(results, not args.no_peers, run)
    if "library" in chosen:
        library = _library(results, args, run)
    counted: list[dict[str, Any]] = []
    if "instructions" in chosen:
        counted = _instructions(results, not args.no_peers, run)
    if "throughput" in chosen:
        records, memory = _throughput(results, args, run)
    found = evaluate(records, figures, library, memory, counted)
    results["targets"] = found
    results["load_average_after"] = provenance()["load_average"]
    if {"cpu", "library", "instructions", "throughput"} <= set(chosen):
        _write("targets.json", {**run, "load_average_after": results["load_average_after"],
                                "rows": found})  # fmt: skip
    for target in found:
        value = target.get("value", "")
        print(f"target {target['target']}: {value} ({target['threshold']}) {target['status']}")
    results["seconds"] = round(time.monotonic() - started, 1)
    if "throughput" in chosen:  # a partial run leaves the last full results in place
        _write("latest.json", results)
    print(f"load average {run['load_average']} before, {results['load_average_after']} after")
    print(f"written to tools/bench/results/ in {results['seconds']:.0f}s", flush=True)
    return 0


def _cpu(results: dict[str, Any], with_peers: bool, run: dict[str, Any]) -> dict[str, Any]:
    measured = cpu.run(with_peers)
    measured["profile"] = cpu_profile.run()
    measured["us_per_message"].update(cpu_otel.run())  # last: it installs the SDK
    print("\n".join(cpu.report(measured)), flush=True)
    figures: dict[str, Any] = measured["us_per_message"]
    results["cpu"] = measured
    _write("cpu.json", {**run, "rows": [{"path": k, **v} for k, v in figures.items()]})
    profile = [{"path": path, **row} for path, rows in measured["profile"].items() for row in rows]
    _write("cpu-profile.json", {**run, "rows": profile})
    return figures


def _library(
    results: dict[str, Any], args: argparse.Namespace, run: dict[str, Any]
) -> list[dict[str, Any]]:
    measured = libonly.run(args.library_messages, args.rounds, not args.no_peers)
    for row in measured["rows"]:
        print(f"{row['row']:<84} {row['median_per_cpu_s']:>8.0f} msg per CPU s "
              f"(spread {row['spread']:.2f})")  # fmt: skip
    for row, reason in measured["unavailable"].items():
        print(f"unavailable: {row}: {reason}")
    results["library_only"] = measured
    _write("library-only.json", {**run, **measured})
    rows: list[dict[str, Any]] = measured["rows"]
    return rows


def _instructions(
    results: dict[str, Any], with_peers: bool, run: dict[str, Any]
) -> list[dict[str, Any]]:
    measured = instructions.run(with_peers)
    print("\n".join(instructions.report(measured)), flush=True)
    results["instructions"] = measured
    _write("instructions.json", {**run, **measured})
    rows: list[dict[str, Any]] = measured["rows"]
    return rows


def _throughput(
    results: dict[str, Any], args: argparse.Namespace, run: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    counts = throughput.Counts(
        args.messages, args.single_messages, args.peer_messages, args.memory_tasks
    )
    measured = throughput.run(counts, args.rounds, not args.no_peers)
    by_name = {row.name: row for row in measured["rows"]}
    records = [throughput.summarize(row, by_name) for row in measured["rows"]]
    print("\n".join(throughput.table(records)))
    results["rows"] = records
    results["memory"] = measured["memory"]
    results["unavailable"] = measured["unavailable"]
    for peer, reason in measured["unavailable"].items():
        print(f"unavailable: {peer}: {reason}")
    _write("memory.json", {**run, "rows": measured["memory"]})
    memory: list[dict[str, Any]] = measured["memory"]
    return records, memory


def _write(name: str, data: Any) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    temporary = RESULTS / f"{name}.tmp"
    temporary.write_text(json.dumps(data, indent=2) + "\n")
    temporary.replace(RESULTS / name)
