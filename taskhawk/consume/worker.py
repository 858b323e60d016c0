"""`taskhawk worker`: N consumer processes over one or more priorities, supervised.

Processes are started with the *spawn* method: a child begins from a fresh interpreter instead
of a copy of the parent, so no lock held by a parent thread (logging, botocore's connection
pools) is inherited in a locked state, and the behaviour is the same on Linux and macOS. Each
child loads settings, imports the task modules, then consumes every given priority.

The parent restarts a child that dies (after 1, 2, 4 ... 30 s when it keeps dying), and settles
the messages it held (`taskhawk.consume.crash_watch`). The first
SIGTERM or SIGINT sets a shared shutdown flag: children stop receiving, finish the messages
they hold and exit; the parent exits 0 once all did. After `grace_seconds`, or on a second
signal, the children are killed and the parent exits 1: unfinished messages reappear after their
visibility timeout. A child whose parent disappears stops the same graceful way. With
`health_file`, the parent keeps that file as old as the least lively child's last progress
(`taskhawk.consume.health_file`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from taskhawk.consume.banner import show_start
from taskhawk.consume.concurrent import MAX_CONCURRENCY, ConcurrentConsumer
from taskhawk.consume.crash_watch import (
    BatchSlot,
    CrashLedger,
    crash_limit,
    describe_exit,
    read_dead_child,
    settle_dead_children,
)
from taskhawk.consume.health_file import HealthFile, ProgressStamp, StampingObserver
from taskhawk.consume.heartbeat_hook import heartbeat_hook_interval
from taskhawk.consume.heartbeat_interval import heartbeat_interval
from taskhawk.consume.preflight import check_worker_start
from taskhawk.consume.slot_pool import SlotPool
from taskhawk.consume.sqs import BatchObserver, Consumer
from taskhawk.consume.startup import prepare_process
from taskhawk.logs import configure_logging
from taskhawk.priority import Priority
from taskhawk.settings import get_settings
from taskhawk.transport.current import current_transport
from taskhawk.transport.limits import check_batch_size, check_visibility

__all__ = ["WorkerOptions", "load_tasks", "run_worker"]

logger = logging.getLogger("taskhawk.worker")

_TICK_S = 0.2
_STABLE_S = 60.0  # a child that lived this long resets its restart backoff
_MAX_RESTART_DELAY_S = 30.0


@dataclass(frozen=True)
class WorkerOptions:
    priorities: tuple[str, ...] = ("default",)
    processes: int = 1
    concurrency: int = 1  # messages each process runs at once (taskhawk.consume.concurrent)
    num_messages: int = 1
    visibility_timeout_s: int | None = None
    grace_seconds: float = 30.0
    settings_module: str | None = None
    imports: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object per line (taskhawk.logs)
    log_config: str | None = None  # the user's own logging configuration file, if any
    health_file: str | None = None  # kept as old as the least lively process's progress


def load_tasks(options: WorkerOptions) -> list[str]:
    """Point at the settings, set Django up if in use, import task modules (from --import and
    the setting); their names. Runs in the parent first, so a typo fails the command at once
    instead of a restart loop."""
    _, modules = prepare_process(options.paths, options.settings_module, options.imports)
    return modules


def _child_main(
    options: WorkerOptions,
    shared_stop: Any,
    batch_slots: tuple[BatchSlot, ...],
    ledger: CrashLedger,
    stamp: ProgressStamp,
) -> None:
    """One consumer process. SIGINT is ignored (a terminal's Ctrl-C reaches the whole process
    group; the parent decides), SIGTERM stops it gracefully."""
    configure_logging(options.log_level, options.log_format, options.log_config)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    terminated = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: _note(terminated))
    load_tasks(options)
    stop = threading.Event()
    parent = os.getppid()
    watcher = threading.Thread(
        target=_watch, args=(stop, shared_stop, terminated, parent), daemon=True
    )
    watcher.start()
    priorities = [Priority.parse(name) for name in options.priorities]
    for batch_slot in batch_slots:
        batch_slot.ledger = ledger
    watched = options.health_file is not None
    pool = SlotPool(batch_slots) if options.concurrency > 1 else None
    recorder: BatchObserver = batch_slots[0] if pool is None else pool
    consumer = Consumer(
        priorities,
        num_messages=options.num_messages,
        visibility_timeout_s=options.visibility_timeout_s,
        observer=StampingObserver(recorder, stamp) if watched else recorder,
    )
    progress = stamp if watched else None
    if pool is None:
        consumer.run(shutdown_event=stop, progress=progress)
    else:
        ConcurrentConsumer(consumer, options.concurrency, pool).run(stop, progress)


def _note(flag: threading.Event) -> None:
    # Only the watcher thread waits on this event, so setting it here cannot deadlock.
    flag.set()


def _watch(stop: threading.Event, shared: Any, terminated: threading.Event, parent: int) -> None:
    """Signal handlers only note; this thread turns parent shutdown, SIGTERM or the parent's
    death into the consumer's stop event."""
    while not (shared.value or terminated.is_set() or os.getppid() != parent):
        terminated.wait(_TICK_S)
    stop.set()


@dataclass
class _Slot:
    index: int
    batches: tuple[BatchSlot, ...]  # one, or one per message in flight (--concurrency)
    stamp: ProgressStamp
    process: BaseProcess | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float = 0.0


@dataclass
class _Supervisor:
    options: WorkerOptions
    context: Any = field(default_factory=lambda: multiprocessing.get_context("spawn"))
    signals: int = 0
    slots: list[_Slot] = field(default_factory=list)
    health: HealthFile | None = None

    def run(self) -> int:
        # A lock-free shared byte, not multiprocessing.Event: a child killed while holding the
        # Event's lock would leave the parent blocked in set() and unable to stop.
        self.stop = self.context.RawValue("b", 0)
        settings = get_settings()
        self.ledger = CrashLedger(self.context, crash_limit(settings.taskhawk_max_receive_count))
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        self.slots = [
            _Slot(index + 1, self._batch_slots(), ProgressStamp(self.context))
            for index in range(self.options.processes)
        ]
        if self.options.health_file is not None:
            self.health = HealthFile(self.options.health_file, [s.stamp for s in self.slots])
        logger.info(
            "worker starting %d processes on %s",
            self.options.processes, ", ".join(self.options.priorities),
        )  # fmt: skip
        while self.signals == 0:
            self._supervise()
            time.sleep(_TICK_S)
        return self._drain()

    def _batch_slots(self) -> tuple[BatchSlot, ...]:
        return tuple(BatchSlot(self.context) for _ in range(self.options.concurrency))

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1  # handled by the main loop; handlers stay trivial

    def _supervise(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            process = slot.process
            if process is not None and process.is_alive():
                continue
            if process is not None:
                self._schedule_restart(slot, process, now)
            if now >= slot.restart_at:
                self._start(slot)
        if self.health is not None:
            self.health.update(time.time())

    def _schedule_restart(self, slot: _Slot, process: BaseProcess, now: float) -> None:
        self._settle(slot, process, blame=True)
        slot.failures = 0 if now - slot.started >= _STABLE_S else slot.failures + 1
        delay = min(2.0 ** max(slot.failures - 1, 0), _MAX_RESTART_DELAY_S)
        slot.restart_at, slot.process = now + delay, None
        logger.error(
            "worker process %d exited with code %s; restarting in %.0fs",
            slot.index, process.exitcode, delay,
        )  # fmt: skip

    def _start(self, slot: _Slot) -> None:
        process = self.context.Process(
            target=_child_main,
            args=(self.options, self.stop, slot.batches, self.ledger, slot.stamp),
            name=f"taskhawk-worker-{slot.index}",
        )
        slot.stamp()  # its start-up counts as progress
        process.start()
        slot.process, slot.started = process, time.monotonic()

    def _drain(self) -> int:
        self.stop.value = 1
        deadline = time.monotonic() + self.options.grace_seconds
        logger.info(
            "worker stopping: finishing in-flight tasks (grace %.0fs)", self.options.grace_seconds
        )
        while any(s.process is not None and s.process.is_alive() for s in self.slots):
            if self.signals > 1 or time.monotonic() >= deadline:
                why = "second signal" if self.signals > 1 else "grace period over"
                return self._kill(why)
            time.sleep(_TICK_S)
        logger.info("worker stopped")
        return 0

    def _kill(self, why: str) -> int:
        alive = [s.process for s in self.slots if s.process is not None and s.process.is_alive()]
        logger.warning(
            "%s: killing %d processes; their unfinished messages reappear after the visibility "
            "timeout", why, len(alive),
        )  # fmt: skip
        for process in alive:
            process.kill()
        for process in alive:
            process.join(5)
        for slot in self.slots:
            if slot.process is not None:
                self._settle(slot, slot.process, blame=False)
        return 1

    def _settle(self, slot: _Slot, process: BaseProcess, *, blame: bool) -> None:
        """Clean up after a child that died holding messages (`blame`: on its own, so the
        task it was running is counted in the crash ledger)."""
        found = [read_dead_child(batch) for batch in slot.batches]
        deads = [dead for dead in found if dead is not None]
        if not deads:
            return
        how = describe_exit(process.exitcode)
        try:
            transport = current_transport()
        except Exception as error:  # they reappear after their visibility timeout instead
            logger.warning("cannot settle the messages of a dead worker process: %s", error)
            return
        settle_dead_children(transport, deads, self.ledger if blame else None, how)


def run_worker(options: WorkerOptions) -> int:
    """Supervise the consumer processes until a signal; the exit status (0 on a clean stop)."""
    if options.processes < 1:
        raise ValueError("processes must be at least 1")
    if not 1 <= options.concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be 1..{MAX_CONCURRENCY}")
    for name in options.priorities:
        Priority.parse(name)
    check_batch_size(options.num_messages, "--num-messages")
    settings, _ = prepare_process(options.paths, options.settings_module, options.imports)
    visibility = options.visibility_timeout_s
    visibility = settings.taskhawk_visibility_timeout_s if visibility is None else visibility
    heartbeat_interval(settings.taskhawk_heartbeat_interval_s, check_visibility(visibility))
    heartbeat_hook_interval(settings)
    if options.health_file is not None:
        HealthFile(options.health_file, [])  # a path that cannot be written: exit 2, now
    # Everything a consumer process would find by crashing, found once here (one line, exit 2).
    start = check_worker_start(options, settings)
    show_start(start, options.processes, options.num_messages, sys.stdout, options.concurrency)
    return _Supervisor(options).run()
