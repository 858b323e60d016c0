"""Logging set-up for the `taskhawk` command only: the library itself never adds handlers.

Outcome lines carry their ids and names in `extra`; the CLI's formatter appends them as
`key=value` so a terminal or a log shipper sees the same fields.
"""

from __future__ import annotations

import logging
import logging.config
import re
from typing import Any

__all__ = ["KeyValueFormatter", "configure_logging", "logging_config"]

_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class KeyValueFormatter(logging.Formatter):
    """The usual line, then every `extra` field as key=value (values with spaces quoted)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{key}={_text(value)}"
            for key, value in vars(record).items()
            if key not in _STANDARD and key[0] != "_"
        ]
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
