"""How taskhawk's log lines carry their fields, and the logging set-up of the `taskhawk` command.

Outcome lines carry their ids and names as `extra` fields. The library itself never adds
handlers. The command writes each line to stderr either as text with the fields appended as
`key=value`, or (`--log-format json`) as one JSON object per line with the same fields, so a
terminal and a log shipper see the same thing. A user's own configuration (`--log-config FILE`)
replaces the command's set-up entirely, in the parent and in every worker process.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from taskhawk.exceptions import ConfigurationError

__all__ = [
    "LOG_FORMATS",
    "LOG_LEVELS",
    "RECORD_ATTRIBUTES",
    "JsonFormatter",
    "KeyValueFormatter",
    "LineHandler",
    "configure_logging",
    "extra_fields",
    "load_logging_config",
    "logging_config",
    "with_user_fields",
]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")

# LogRecord's own attributes, plus those formatters add: never `extra` fields.
RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
}


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The `extra` fields of a record, in the order they were given."""
    attributes = vars(record)
    return {key: attributes[key] for key in _extra_names(attributes)}


# Records of one call site have the same attribute names in the same order (the worker's
# outcome lines, a few shapes in all), so which of them are `extra` is worked out once per shape.
_EXTRA_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}
_EXTRA_SHAPES_KEPT = 256


def _extra_names(attributes: dict[str, Any]) -> tuple[str, ...]:
    shape = tuple(attributes)
    names = _EXTRA_NAMES.get(shape)
    if names is None:
        names = tuple(key for key in shape if key not in RECORD_ATTRIBUTES and key[0] != "_")
        if len(_EXTRA_NAMES) >= _EXTRA_SHAPES_KEPT:  # a bound, should call sites be many
            _EXTRA_NAMES.clear()
        _EXTRA_NAMES[shape] = names
    return names


def with_user_fields(
    fields: Mapping[str, Any], user: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Our fields plus a task's own (LoggingException.extra), which win; a user field named like
    a record attribute is logged as extra_<name> instead of making logging raise KeyError."""
    extra = dict(fields)
    for key, value in (user or {}).items():
        extra[f"extra_{key}" if key in RECORD_ATTRIBUTES else key] = value
    return extra


class _SecondCache(logging.Formatter):
    """formatTime without a localtime and a strftime per record: a worker writes a line per
    task, many a second, so the text of the current second is kept and only the milliseconds
    are added. Any other date format or converter takes the usual path."""

    _second: tuple[int, str] = (-1, "")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._uses_time = self.usesTime()  # the format is fixed: asked once, not per line

    def _line(self, record: logging.LogRecord) -> str:
        """Formatter.format's text; a record without traceback or stack (most of them) takes
        the short way."""
        if record.exc_info or record.exc_text or record.stack_info:
            return super().format(record)
        record.message = record.getMessage()
        if self._uses_time:
            record.asctime = self.formatTime(record, self.datefmt)
        return self.formatMessage(record)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        msec_format = self.default_msec_format
        if datefmt is not None or self.converter is not time.localtime or not msec_format:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        cached_second, text = self._second
        if second != cached_second:
            text = time.strftime(self.default_time_format, time.localtime(second))
            self._second = (second, text)
        return msec_format % (text, record.msecs)


class KeyValueFormatter(_SecondCache):
    """The usual line, then every `extra` field as key=value (values with spaces quoted)."""

    def format(self, record: logging.LogRecord) -> str:
        line = self._line(record)
        attributes = vars(record)
        names = _extra_names(attributes)
        if not names:
            return line
        extras = " ".join([_field(key, attributes[key]) for key in names])
        if "\n" not in line:
            return f"{line} | {extras}"
        head, newline, rest = line.partition("\n")  # keep a traceback below the fields
        return f"{head} | {extras}{newline}{rest}"


_SPACE = re.compile(r"\s")
_NO_SPACE_TYPES = (int, float)  # their text is never empty and never has a space


def _field(key: str, value: Any) -> str:
    """`key=value`, the value quoted when it is empty or holds whitespace. Printable text has
    no whitespace but the space itself, so most ids and names need two C scans, no pattern."""
    if type(value) in _NO_SPACE_TYPES:
        return f"{key}={value}"
    text = value if type(value) is str else str(value)
    if text and text.isprintable() and " " not in text:
        return f"{key}={text}"
    return f"{key}={repr(text) if not text or _SPACE.search(text) else text}"


class LineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The command's handler: StreamHandler, writing and flushing a line in one step under the
    lock `handle` already holds, where StreamHandler.flush would take it again."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = self.stream
            stream.write(self.format(record) + self.terminator)
            if stream and hasattr(stream, "flush"):
                stream.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


class JsonFormatter(_SecondCache):
    """One JSON object per line: the text format's fields (time, level, process, logger,
    message), then every `extra` field, then the traceback if there is one. An extra field
    named like one of the first five is written as extra_<name>. The time is RFC 3339 in UTC
    with milliseconds (2026-12-07T02:39:33.556Z), which log shippers parse without a pattern."""

    _utc_second: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.utc_time(record),
            "level": record.levelname,
            "process": record.processName,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extra_fields(record).items():
            entry[f"extra_{key}" if key in entry else key] = _jsonable(value)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)

    def utc_time(self, record: logging.LogRecord) -> str:
        """`record.created` in RFC 3339 UTC; the text of the current second is kept, as in
        formatTime, so only the milliseconds are formatted per line."""
        second = int(record.created)
        cached_second, text = self._utc_second
        if second != cached_second:
            text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._utc_second = (second, text)
        return f"{text}.{int(record.msecs):03d}Z"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


_TEXT_FORMAT = "%(asctime)s %(levelname)-7s [%(processName)s] %(name)s: %(message)s"


def logging_config(level: str = "INFO", log_format: str = "text") -> dict[str, Any]:
    formatter = JsonFormatter if log_format == "json" else KeyValueFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"taskhawk": {"()": formatter, "format": _TEXT_FORMAT}},
        "handlers": {
            "stderr": {
                "class": "taskhawk.logs.LineHandler",
                "formatter": "taskhawk",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "botocore": {"level": "WARNING"},
            "boto3": {"level": "WARNING"},
            "urllib3": {"level": "WARNING"},
            "werkzeug": {"level": "WARNING"},
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
    }


def configure_logging(
    level: str = "INFO", log_format: str = "text", config_file: str | None = None
) -> None:
    """The command's logging: `config_file` (the user's own) when given, else taskhawk's."""
    if config_file is not None:
        load_logging_config(config_file)
    else:
        logging.config.dictConfig(logging_config(level, log_format))


def load_logging_config(path: str) -> None:
    """Apply a logging configuration file: JSON for `logging.config.dictConfig` (`.json`), or
    the INI format of `logging.config.fileConfig` (any other name). ConfigurationError saying
    why when it cannot be read or applied."""
    try:
        if Path(path).suffix.lower() == ".json":
            config = json.loads(Path(path).read_text(encoding="utf-8"))
            config.setdefault("disable_existing_loggers", False)
            logging.config.dictConfig(config)
        else:
            if not Path(path).is_file():
                raise FileNotFoundError(f"no such file: {path!r}")
            logging.config.fileConfig(path, disable_existing_loggers=False)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, ImportError) as error:
        raise ConfigurationError(
            f"--log-config {path}: cannot be applied: {type(error).__name__}: {error}"
        ) from None
