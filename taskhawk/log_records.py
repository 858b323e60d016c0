"""Log records for a line written from one place many times a second: the worker's outcome line.

`Logger.info` walks up the stack to find its caller and builds each record from scratch: the
file's base name and module, the level's name, all the same for every record from one place.
A `CallSite` knows its place, so it skips the walk, and while Python's own record factory is
in use it starts each record from a copy of those attributes and sets only what changes (the
time, thread and process). The record has the same attributes and values a `LogRecord` would;
if this Python's `LogRecord` has any this module does not know, or a user installed their own
factory (`logging.setLogRecordFactory`), every record is made the usual way.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["CallSite"]

# What LogRecord.__init__ sets from the message, time, thread and process; the rest is the
# same for every record of one call site and level. A LogRecord with any other attribute
# (Python 3.12's taskName) is made the usual way.
_CHANGING = frozenset(
    {"msg", "args", "created", "msecs", "relativeCreated", "thread", "threadName"}
    | {"processName", "process"}
)
_KNOWN = _CHANGING | {"name", "levelname", "levelno", "pathname", "filename", "module"} | {
    "exc_info", "exc_text", "stack_info", "lineno", "funcName"
}  # fmt: skip
_FORMATTED = frozenset({"message", "asctime"})  # set by formatters: never `extra` (as logging)
_new_record = logging.LogRecord.__new__


class CallSite:
    """Records at `level` for `logger`, made in `function` (named as their caller)."""

    def __init__(self, logger: logging.Logger, level: int, function: Callable[..., Any]) -> None:
        code = function.__code__
        self.logger = logger
        self.level = level
        self._where = (code.co_filename, code.co_firstlineno, code.co_name)
        path, line, name = self._where
        # Python's own LogRecord, not the factory in use now: a user's factory is never called
        # for a record nobody logs, and the copies are of the standard attributes only.
        sample = logging.LogRecord(logger.name, level, path, line, "", (), None, name)
        self._fixed = {k: v for k, v in vars(sample).items() if k not in _CHANGING}
        self._fast = vars(sample).keys() == _KNOWN

    def log(self, message: str, args: tuple[Any, ...], extra: Mapping[str, Any]) -> None:
        """`logger.log(level, message, *args, extra=extra)`, as that call would make it."""
        logger = self.logger
        if not logger.isEnabledFor(self.level):
            return
        if self._fast and logging.getLogRecordFactory() is logging.LogRecord:
            record = self._copied(message, args)
            attributes = record.__dict__
            if not (attributes.keys().isdisjoint(extra) and _FORMATTED.isdisjoint(extra)):
                taken = next(k for k in extra if k in attributes or k in _FORMATTED)
                raise KeyError(f"Attempt to overwrite {taken!r} in LogRecord")
            attributes.update(extra)
        else:
            record = self._standard(message, args, extra)
        logger.handle(record)

    def _standard(
        self, message: str, args: tuple[Any, ...], extra: Mapping[str, Any] | None = None
    ) -> logging.LogRecord:
        path, line, function = self._where
        return self.logger.makeRecord(
            self.logger.name, self.level, path, line, message, args, None, function, extra
        )

    def _copied(self, message: str, args: tuple[Any, ...]) -> logging.LogRecord:
        """LogRecord.__init__'s work for what changes; the constant attributes copied."""
        record: logging.LogRecord = _new_record(logging.LogRecord)
        attributes = record.__dict__
        attributes.update(self._fixed)
        if args and len(args) == 1 and isinstance(args[0], Mapping) and args[0]:
            args = args[0]  # type: ignore[assignment]  # LogRecord's own rule for a mapping
        now = time.time()
        attributes["msg"] = message
        attributes["args"] = args
        attributes["created"] = now
        attributes["msecs"] = int((now - int(now)) * 1000) + 0.0
        attributes["relativeCreated"] = (now - logging._startTime) * 1000  # type: ignore[attr-defined]
        if logging.logThreads:
            attributes["thread"] = threading.get_ident()
            attributes["threadName"] = threading.current_thread().name
        else:
            attributes["thread"] = attributes["threadName"] = None
        attributes["processName"] = _process_name()
        attributes["process"] = os.getpid() if logging.logProcesses else None
        return record


def _process_name() -> str | None:
    if not logging.logMultiprocessing:
        return None
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None:
        return "MainProcess"
    try:
        return str(multiprocessing.current_process().name)
    except Exception:  # as LogRecord does: a process name is never worth an error
        return "MainProcess"
