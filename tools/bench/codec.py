"""Microseconds per message for the wire codec, next to `jsonschema` validating the same bytes.

Figures come from one run. The operations of a message size are timed in turns, REPEATS rounds
of one `timeit` batch each, so a slow spell of this noisy 2-core machine slows all of them alike
and their ratio holds; the median is the figure and the minimum is shown. Results also go to
tools/bench/results/codec.json.
"""

from __future__ import annotations

import functools
import json
import platform
import statistics
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from taskhawk import wire
from tools import ROOT

RESULTS = Path(__file__).resolve().parent / "results" / "codec.json"
REPEATS = 9
TARGET_RATIO = 20.0
TARGET_SMALL_US = 15.0

SMALL = {
    "id": "b1328174-a21c-43d3-b303-964dfcc76efc",
    "metadata": {"priority": "high", "timestamp": 1460868253255, "version": "1.0"},
    "headers": {
        "request_id": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "tenant": "acme",
        "trace": "t-1",
    },
    "task": "tasks.send_email",
    "args": ["email@example.com", "Hello!"],
    "kwargs": {"from_email": "spam@example.com"},
}
LARGE = {
    **SMALL,
    "kwargs": {"rows": [{"n": n, "name": f"item {n}", "ok": n % 2 == 0} for n in range(262)]},
}


def measure(functions: dict[str, Callable[[], object]]) -> dict[str, dict[str, float]]:
    """Microseconds per call of each function, timed in interleaved rounds."""
    timers = {name: timeit.Timer(function) for name, function in functions.items()}
    numbers = {name: timer.autorange()[0] for name, timer in timers.items()}
    runs: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(REPEATS):
        for name, timer in timers.items():
            runs[name].append(timer.timeit(numbers[name]) / numbers[name] * 1e6)
    return {
        name: {"median_us": statistics.median(times), "min_us": min(times)}
        for name, times in runs.items()
    }


def oracle() -> Callable[[str], None]:
    schema = json.loads((ROOT / "schema" / "message" / "1.0" / "consume.json").read_text())
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    validator = jsonschema.Draft202012Validator(schema, format_checker=checker)
    return lambda text: validator.validate(json.loads(text))


def run() -> dict[str, Any]:
    validate = oracle()
    rows: dict[str, Any] = {}
    for label, data in (("300B", SMALL), ("10KB", LARGE)):
        text = json.dumps(data, separators=(",", ":"))
        message = wire.decode(text)
        figures = measure(
            {
                "decode": functools.partial(wire.decode, text),
                "encode": functools.partial(wire.encode, message),
                "jsonschema": functools.partial(validate, text),
            }
        )
        rows[label] = {
            "bytes": len(text),
            **figures,
            "decode_speedup": figures["jsonschema"]["median_us"] / figures["decode"]["median_us"],
        }
    return {"python": platform.python_version(), "repeats": REPEATS, "messages": rows}


def report(results: dict[str, Any]) -> list[str]:
    lines = [
        f"{'message':<8} {'operation':<22} {'median us':>10} {'min us':>9} {'x jsonschema':>13}"
    ]
    for label, row in results["messages"].items():
        base = row["jsonschema"]["median_us"]
        for name in ("decode", "encode", "jsonschema"):
            figure = row[name]
            ratio = base / figure["median_us"]
            title = f"{name} ({row['bytes']} B)" if name == "decode" else name
            lines.append(
                f"{label:<8} {title:<22} {figure['median_us']:>10.2f} {figure['min_us']:>9.2f}"
                f" {ratio:>12.1f}x"
            )
    small = results["messages"]["300B"]
    ratio_ok = small["decode_speedup"] >= TARGET_RATIO
    time_ok = small["decode"]["median_us"] <= TARGET_SMALL_US
    lines.append(
        f"target decode(300 B) >= {TARGET_RATIO:.0f}x jsonschema: {small['decode_speedup']:.1f}x "
        f"{'met' if ratio_ok else 'MISSED'}; <= {TARGET_SMALL_US:.0f} us: "
        f"{small['decode']['median_us']:.2f} us {'met' if time_ok else 'MISSED'}"
    )
    return lines


def main() -> int:
    results = run()
    print("\n".join(report(results)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0
