"""The benchmark's bookkeeping: target verdicts from one run's figures, and the endpoint fill."""

from __future__ import annotations

import os
from typing import Any

from tools import ROOT
from tools.bench import libonly
from tools.bench.local import Queued, fill_entry
from tools.bench.peers import peer_common, timing
from tools.bench.targets import Figure, Target, evaluate


def _verdicts(**found: Any) -> dict[str, dict[str, Any]]:
    figures = found.get("figures", {})
    library = found.get("library", [])
    return {row["target"]: row for row in evaluate([], figures, library, found.get("memory", []))}


def test_a_ratio_meets_or_misses_its_threshold_with_the_larger_spread() -> None:
    met = Target("x", Figure(30.0, 0.1), Figure(20.0, 0.3), 1.5).verdict()
    assert (met["value"], met["status"], met["spread"], met["threshold"]) == (
        1.5,
        "met",
        0.3,
        ">= 1.5",
    )
    missed = Target("x", Figure(29.0, 0.0), Figure(20.0, 0.0), 1.5).verdict()
    assert missed["status"] == "MISSED"


def test_an_upper_bound_is_strict_only_when_it_says_so() -> None:
    assert Target("x", Figure(5.0, 0.0), None, 5.0, op="<=").verdict()["status"] == "met"
    assert Target("x", Figure(5.0, 0.0), None, 5.0, op="<").verdict()["status"] == "MISSED"


def test_a_missing_figure_is_not_measured_and_no_threshold_is_only_reported() -> None:
    assert Target("x", None, Figure(1.0, 0.0), 2.0).verdict()["status"] == "not measured"
    assert Target("x", Figure(2.0, 0.0), Figure(0.0, 0.0), 2.0).verdict()["status"] == (
        "not measured"
    )
    assert Target("x", Figure(2.0, 0.0), Figure(4.0, 0.0), None).verdict()["status"] == "reported"


def test_cpu_library_only_and_memory_targets_read_their_rows() -> None:
    consume = "consume: poll of 10, worker logging"
    cpu = {
        consume: {"median_us": 20.0, "spread": 0.05},
        f"upstream 4.7 {consume}": {"median_us": 80.0, "spread": 0.1},
    }
    library = [
        {"row": libonly.OURS, "median_per_cpu_s": 9000.0, "spread": 0.02},
        {"row": libonly.UPSTREAM, "median_per_cpu_s": 5000.0, "spread": 0.04},
    ]
    memory = [{"row": "RSS: taskhawk worker --num-messages 10 --processes 1",
               "growth_mib": 6.0, "rss_after_mib": 40.0}]  # fmt: skip
    verdicts = _verdicts(figures=cpu, library=library, memory=memory)
    assert verdicts[f"CPU us, {consume}"]["status"] == "met"
    ratio = verdicts[f"CPU, {consume}: taskhawk / upstream 4.7"]
    assert (ratio["value"], ratio["status"], ratio["spread"]) == (0.25, "met", 0.1)
    library_only = [v for name, v in verdicts.items() if name.startswith("library-only")]
    assert [(v["value"], v["status"]) for v in library_only] == [(1.8, "met")]
    growth = [v for name, v in verdicts.items() if name.startswith("RSS growth")]
    assert [v["status"] for v in growth] == ["MISSED"]
    prefixes = ("RSS", "library-only", "CPU", "taskhawk", "instructions")
    assert all(name.startswith(prefixes) for name in verdicts)


def test_fifo_fills_carry_their_group_and_a_new_deduplication_id_each_time() -> None:
    message = Queued("{}", {}, "customer-1")
    first, second = fill_entry("0", message), fill_entry("0", message)
    assert first["MessageGroupId"] == second["MessageGroupId"] == "customer-1"
    assert first["MessageDeduplicationId"] != second["MessageDeduplicationId"]
    assert "MessageGroupId" not in fill_entry("0", Queued("{}", {}))


def test_instruction_targets_read_their_counts() -> None:
    consume, dispatch = "consume: poll of 10, worker logging", "publish: dispatch (SNS)"
    counted = [
        {"row": consume, "taskhawk": 150_000, "upstream 4.7": 500_000},
        {"row": dispatch, "taskhawk": 250_000, "upstream 4.7": 240_000},
        {"row": "library-only", "taskhawk": 600_000, "upstream 4.7": 400_000},
    ]
    verdicts = {row["target"]: row for row in evaluate([], {}, [], [], counted)}
    found = {name: (v["value"], v["status"]) for name, v in verdicts.items() if "instr" in name}
    assert list(found.values()) == [(0.3, "met"), (1.042, "MISSED"), (0.667, "MISSED")]
    assert all(verdicts[name]["spread"] == 0.0 for name in found)


def test_counted_calls_run_inside_the_counted_function_and_nothing_else_uses_it() -> None:
    calls: list[int] = []
    timing.counted(lambda: calls.append(1), 5)
    assert calls == [1] * 5
    assert timing.COUNTED_FUNCTION == "starmap_next"
    for path in (ROOT / "taskhawk").rglob("*.py"):  # a nested starmap would stop the count
        assert "starmap" not in path.read_text(), path


def test_upstream_cpu_rows_go_through_its_aws_backends_and_library_rows_in_memory() -> None:
    cpu_row = peer_common.parse(["cpu"])
    assert not peer_common.in_memory_backends(cpu_row.command, cpu_row.row)
    consume = peer_common.parse(["instructions", "--row", "consume: poll of 10, worker logging"])
    assert not peer_common.in_memory_backends(consume.command, consume.row)
    assert peer_common.in_memory_backends("library-only", None)
    assert peer_common.in_memory_backends("instructions", "library-only")


def test_the_async_rows_compare_with_the_plain_row_and_count_cpu_per_message() -> None:
    from tools.bench.asyncrow import Row, _record
    from tools.bench.consumers import Consumer, process_tree_cpu_s

    consumer = Consumer([], {}, "q")
    plain = Row("taskhawk worker --num-messages 10 --processes 2 (plain def)", consumer, [])
    ours = Row("taskhawk worker --concurrency 50 --processes 1 (async def)", consumer, [])
    plain.rates, plain.cpu_s = [10.0, 20.0, 30.0], [1.0, 1.0, 1.0]
    ours.rates, ours.cpu_s = [100.0, 90.0, 110.0], [0.5, 0.7, 0.6]
    record = _record(ours, 1000, [ours, plain])
    assert record["median_per_s"] == 100.0 and record["x_plain_processes"] == 5.0
    assert record["cpu_us_per_message"] == 600.0
    assert process_tree_cpu_s(os.getpid()) > 0
