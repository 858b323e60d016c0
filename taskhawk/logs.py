"""How taskhawk's log lines carry their fields, and the logging set-up of the `taskhawk` command.

Outcome lines carry their ids and names as `extra` fields. The library itself never adds
handlers; the command's formatter appends the fields as `key=value`, so a terminal and a log
shipper see the same thing.
"""

from __future__ import annotations

import logging
import logging.config
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "RECORD_ATTRIBUTES",
    "KeyValueFormatter",
    "configure_logging",
    "extra_fields",
    "logging_config",
    "with_user_fields",
]

# LogRecord's own attributes, plus those formatters add: never `extra` fields.
RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
}


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The `extra` fields of a record, in the order they were given."""
    return {
        key: value
        for key, value in vars(record).items()
        if key not in RECORD_ATTRIBUTES and key[0] != "_"
    }


def with_user_fields(
    fields: Mapping[str, Any], user: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Our fields plus a task's own (LoggingException.extra), which win; a user field named like
    a record attribute is logged as extra_<name> instead of making logging raise KeyError."""
    extra = dict(fields)
    for key, value in (user or {}).items():
        extra[f"extra_{key}" if key in RECORD_ATTRIBUTES else key] = value
    return extra


class KeyValueFormatter(logging.Formatter):
    """The usual line, then every `extra` field as key=value (values with spaces quoted)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [f"{key}={_text(value)}" for key, value in extra_fields(record).items()]
        if not extras:
            return line
        head, newline, rest = line.partition("\n")  # keep a traceback below the fields
        return f"{head} | {' '.join(extras)}{newline}{rest}"


_SPACE = re.compile(r"\s")


def _text(value: Any) -> str:
    text = str(value)
    return repr(text) if not text or _SPACE.search(text) else text


def logging_config(level: str = "INFO") -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "taskhawk": {
                "()": KeyValueFormatter,
                "format": "%(asctime)s %(levelname)-7s [%(processName)s] %(name)s: %(message)s",
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
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


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))
