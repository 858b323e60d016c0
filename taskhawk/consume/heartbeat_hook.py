"""Upstream's heartbeat hook: TASKHAWK_HEARTBEAT_HOOK, called with no arguments from a thread of
each consuming process every TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S seconds while it listens, the
first call when listening starts, as upstream 4.7 does. An error the hook raises is logged and
the next call comes on time: a health check's hook must never stop a worker.

The thread beats whatever the consumer loop is doing, so the hook says the process lives, not
that its loop makes progress (`taskhawk worker --health-file` says that). Nothing here is the
visibility heartbeat (`taskhawk.consume.inflight`, TASKHAWK_HEARTBEAT_INTERVAL_S), which keeps
received messages hidden while they wait and run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import Any

from taskhawk.exceptions import ConfigurationError
from taskhawk.settings import Settings

__all__ = ["HeartbeatHookCalls", "heartbeat_hook_calls", "heartbeat_hook_interval"]

logger = logging.getLogger("taskhawk.consumer")


def heartbeat_hook_interval(settings: Settings) -> float | None:
    """TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S, checked: None when unset; 0 or less refused."""
    interval = settings.taskhawk_heartbeat_hook_sync_call_s
    if interval is not None and not interval > 0:
        raise ConfigurationError(
            f"TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S={interval!r}: the heartbeat hook's interval "
            "must be more than 0 seconds (leave it unset for no calls)"
        )
    return None if interval is None else float(interval)


def heartbeat_hook_calls(settings: Settings) -> AbstractContextManager[Any]:
    """What a consumer holds while it listens: the hook's thread, when both settings are set."""
    interval = heartbeat_hook_interval(settings)
    hook = settings.heartbeat_hook
    if hook is None:
        return nullcontext()
    if interval is None:
        logger.warning(
            "TASKHAWK_HEARTBEAT_HOOK is set but TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S is not: "
            "the hook is never called (set the seconds between calls)"
        )
        return nullcontext()
    return HeartbeatHookCalls(hook, interval)


class HeartbeatHookCalls:
    """Calls `hook()` now and every `interval_s` seconds, from a daemon thread, until the block
    ends (a call under way is not waited for past a second: the hook is the user's)."""

    def __init__(self, hook: Callable[[], Any], interval_s: float) -> None:
        self.hook = hook
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="taskhawk-heartbeat-hook", daemon=True
        )

    def __enter__(self) -> HeartbeatHookCalls:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(1.0)

    def _run(self) -> None:
        while True:
            try:
                self.hook()
            except Exception:  # the user's hook: logged, never fatal
                logger.exception(
                    "heartbeat hook failed; next call in %gs", self.interval_s,
                    extra={"hook": getattr(self.hook, "__qualname__", repr(self.hook))},
                )  # fmt: skip
            if self._stop.wait(self.interval_s):
                return
