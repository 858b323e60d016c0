"""The crash ledger shared by a worker's parent and children: a counted crasher outlives a
crowd of suspects, and the ledger always loads (whole entries are dropped, never a cut JSON)."""

from __future__ import annotations

import copy
import multiprocessing

from taskhawk.consume.concurrent import MAX_CONCURRENCY
from taskhawk.consume.crash_watch import LEDGER_BYTES, CrashLedger


def ledger() -> CrashLedger:
    return CrashLedger(multiprocessing.get_context("spawn"), limit=1)


def child_view(parent: CrashLedger) -> CrashLedger:
    """A reader sharing the parent's memory that has loaded nothing yet, as a child starts."""
    reader = copy.copy(parent)
    reader._entries, reader._seen_version = {}, 0
    return reader


def test_a_death_with_every_place_taken_keeps_the_counted_crasher() -> None:
    crashes = ledger()
    crashes.record("killer", "killed by SIGSEGV")
    for n in range(MAX_CONCURRENCY):  # one death of a process running as many as it may
        crashes.record(f"suspect-{n}", "killed by SIGKILL", alone=False)
    assert "killed its worker process 1 times" in (child_view(crashes).refusal("killer") or "")
    assert child_view(crashes).suspected(f"suspect-{MAX_CONCURRENCY - 1}")


def test_suspects_go_before_crashers_when_the_ledger_is_full() -> None:
    crashes = ledger()
    crashes.record("killer", "killed by SIGSEGV")
    for n in range(2 * MAX_CONCURRENCY + 10):
        crashes.record(f"suspect-{n}", "killed by SIGKILL", alone=False)
    assert child_view(crashes).refusal("killer") is not None


def test_a_ledger_over_its_bytes_drops_whole_entries_and_still_loads() -> None:
    crashes = ledger()
    how = "killed by signal " + "9" * 2000  # entries far larger than usual
    count = LEDGER_BYTES // 1000
    for n in range(count):
        crashes.record(f"id-{n}", how)
    reader = child_view(crashes)
    assert reader.suspected(f"id-{count - 1}")  # the newest is there: the JSON loaded
    assert not reader.suspected("id-0")  # the oldest were dropped to make room
    assert 0 < crashes.length.value <= LEDGER_BYTES
