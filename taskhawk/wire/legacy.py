"""Legacy message shapes that real publishers send, turned into the canonical form.

Each is a recorded decision (schema/README.md): messages without `args` (Taskhawk Go),
RFC 3339 string timestamps (the CloudWatch scheduler), and non-string header values (upstream
Taskhawk Python). The consume schema has already accepted the input when these run.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from taskhawk.exceptions import ValidationError

__all__ = ["normalize_legacy_shapes", "parse_rfc3339_ms"]

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)


def normalize_legacy_shapes(data: dict[str, Any], text: str) -> dict[str, Any]:
    """Return `data` itself when already canonical, else a canonical copy. `text` is the body
    `data` was parsed from: a number in a header is read as written there."""
    metadata = data["metadata"]
    headers = data["headers"]
    timestamp_is_string = type(metadata["timestamp"]) is str
    headers_are_strings = {type(value) for value in headers.values()} <= {str}
    if "args" in data and not timestamp_is_string and headers_are_strings:
        return data
    canonical = dict(data)
    canonical.setdefault("args", [])
    if timestamp_is_string:
        canonical["metadata"] = {**metadata, "timestamp": parse_rfc3339_ms(metadata["timestamp"])}
    if not headers_are_strings:
        written = _header_lexemes(text)
        canonical["headers"] = {
            name: value if type(value) is str else written.get(name, json.dumps(value))
            for name, value in headers.items()
        }
    return canonical


class _Lexeme(str):
    """A number as written in the text: `1e3`, `1.50`, `-0`."""


# Parses numbers into their text; booleans stay booleans (their JSON text is fixed).
_LEXEME_DECODER = json.JSONDecoder(parse_float=_Lexeme, parse_int=_Lexeme)


def _header_lexemes(text: str) -> dict[str, str]:
    """Header values that are numbers, as written (decision legacy-non-string-header); read
    only on this rare legacy path, from a second parse that keeps each number's text."""
    headers = _LEXEME_DECODER.decode(text).get("headers", {})
    return {name: str(value) for name, value in headers.items() if type(value) is _Lexeme}


def parse_rfc3339_ms(text: str) -> int:
    """Epoch milliseconds of an RFC 3339 date-time (any offset, up to nanosecond digits)."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValidationError("$.metadata.timestamp", f"{text!r} is not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, offset = match.group(7) or "", match.group(8)
    zone = timezone.utc
    if offset not in ("Z", "z"):
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise ValidationError(
                "$.metadata.timestamp", f"{text!r}: the UTC offset {offset} is out of range"
            )
        sign = 1 if offset[0] == "+" else -1
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError as error:
        raise ValidationError("$.metadata.timestamp", f"{text!r}: {error}") from None
    millis = int((fraction + "000")[:3])
    return int(moment.timestamp()) * 1000 + millis
