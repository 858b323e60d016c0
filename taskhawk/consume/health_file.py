"""`taskhawk worker --health-file PATH`: a file whose age says whether every consumer loop lives,
for a container orchestrator's liveness probe.

Each consumer process stamps the time into its own slot of shared memory after every poll and
every message it handles (a store, no system call). About once a second the parent sets the
file's modification time to the *oldest* stamp: so the file is as fresh as the least lively
process, and it goes stale when any loop stops moving (a task that hangs, a stopped or dead
process not yet restarted), or when the parent itself does. One file serves all the processes,
and the probe needs nothing but the file's age. A process's slot is stamped when it (re)starts,
so its start-up counts as progress.

The probe's threshold must exceed the longest a task may run: a task is the loop's work, and a
task still running is indistinguishable from one that hangs.
"""

from __future__ import annotations

import ctypes
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from taskhawk.consume.sqs import BatchObserver
from taskhawk.exceptions import ConfigurationError
from taskhawk.transport import ReceivedMessage

__all__ = ["UPDATE_EVERY_S", "HealthFile", "ProgressStamp", "StampingObserver"]

logger = logging.getLogger("taskhawk.worker")

UPDATE_EVERY_S = 1.0


class ProgressStamp:
    """One consumer process's last sign of progress, shared with the parent."""

    def __init__(self, context: Any) -> None:
        self.value: Any = context.RawValue(ctypes.c_double, 0.0)

    def __call__(self) -> None:
        self.value.value = time.time()


class StampingObserver:
    """The consumer's BatchObserver, stamping progress after each message it handles."""

    def __init__(self, inner: BatchObserver, stamp: ProgressStamp) -> None:
        self.inner = inner
        self.stamp = stamp

    def received(self, batch: Sequence[ReceivedMessage]) -> None:
        self.inner.received(batch)

    def starting(self, index: int, received: ReceivedMessage) -> str | None:
        return self.inner.starting(index, received)

    def decided(self, index: int, to_delete: bool) -> None:
        self.inner.decided(index, to_delete)
        self.stamp()


class HealthFile:
    """The parent's side: the file, written from the processes' stamps."""

    def __init__(self, path: str, stamps: Sequence[ProgressStamp]) -> None:
        self.path = Path(path)
        self.stamps = stamps
        self._written = 0.0
        self._failing = False
        try:  # at start: a path that cannot be written is a configuration error, exit 2
            self.path.touch()
        except OSError as error:
            raise ConfigurationError(
                f"--health-file {path}: cannot be written: {error.strerror or error}"
            ) from None

    def update(self, now: float) -> None:
        """Set the file's time to the oldest stamp, at most once a second."""
        if now - self._written < UPDATE_EVERY_S:
            return
        self._written = now
        oldest = min(stamp.value.value for stamp in self.stamps)
        try:
            self.path.touch()
            os.utime(self.path, (oldest, oldest))
        except OSError as error:  # the probe will see a stale file; say why, once
            if not self._failing:
                logger.warning("cannot update the health file %s: %s", self.path, error)
            self._failing = True
            return
        self._failing = False
