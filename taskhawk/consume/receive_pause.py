"""The consumers' wait after a receive failed (SQS unreachable, an outage): doubling from 1 s up
to MAX_RECEIVE_PAUSE_S, back to nothing after a receive that worked, so an outage is neither
hammered nor outlasted by long."""

from __future__ import annotations

import logging
import time
from typing import Protocol

__all__ = ["MAX_RECEIVE_PAUSE_S", "ReceivePause", "ShutdownEvent", "left_alone"]

logger = logging.getLogger("taskhawk.consumer")

MAX_RECEIVE_PAUSE_S = 30.0


class ShutdownEvent(Protocol):
    """threading.Event or multiprocessing.Event."""

    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


class ReceivePause:
    """One per consumer loop."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def reset(self) -> None:
        """A receive worked."""
        self.seconds = 0.0

    def after_error(
        self, queue: str, error: Exception, shutdown_event: ShutdownEvent | None
    ) -> None:
        """Say the receive failed, and wait (less, when shutdown is asked for meanwhile)."""
        self.seconds = min(max(1.0, self.seconds * 2), MAX_RECEIVE_PAUSE_S)
        logger.error(
            "receive from %s failed, next try in %.0fs: %s", queue, self.seconds, error,
            extra={"queue": queue},
        )  # fmt: skip
        if shutdown_event is not None:
            shutdown_event.wait(self.seconds)
        else:
            time.sleep(self.seconds)


def left_alone(error: Exception) -> bool:
    """A message whose handling failed is left alone: it comes back after its visibility."""
    return False
