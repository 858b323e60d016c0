"""Schedule expressions as EventBridge Scheduler reads them, checked when a schedule is declared.

`rate(5 minutes)` fires every five minutes from the moment the schedule is created; `cron(0 9 ?
* MON-FRI *)` fires at the listed times in the schedule's time zone. Scheduler refuses a bad
expression only at `taskhawk provision`; checking here makes it an error at import, naming the
expression and what is wrong with it. One-time `at(...)` expressions are not periodic and are
refused.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Rate", "check_expression", "check_timezone", "cron_matches"]

_RATE = re.compile(r"rate\(\s*(\d+)\s+([a-z]+)\s*\)")
_CRON = re.compile(r"cron\((.*)\)")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT"


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    words: str = ""  # names allowed as values (JAN, MON)
    extra: str = ""  # characters allowed beyond `, - * /` (`?`, `L`, `W`, `#`)


_FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31, extra="?LW"),
    _Field("month", 1, 12, words=_MONTHS),
    _Field("day-of-week", 1, 7, words=_DAYS, extra="?L#"),
    _Field("year", 1970, 2199),
)


@dataclass(frozen=True, slots=True)
class Rate:
    """A `rate(...)` expression: fires every `seconds`."""

    seconds: int


def check_expression(expression: str) -> Rate | None:
    """The rate of a `rate(...)` expression, None for a valid `cron(...)` one; ValueError naming
    the expression and the problem otherwise."""
    if not isinstance(expression, str):
        raise TypeError(f"a schedule expression is a string, not {expression!r}")
    rate = _RATE.fullmatch(expression)
    if rate is not None:
        return _rate(expression, int(rate.group(1)), rate.group(2))
    cron = _CRON.fullmatch(expression)
    if cron is not None:
        _cron(expression, cron.group(1).split())
        return None
    raise ValueError(
        f"schedule expression {expression!r}: expected rate(VALUE UNIT), e.g. rate(5 minutes), "
        "or cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR), e.g. cron(0 9 ? * MON-FRI *)"
    )


def check_timezone(name: str) -> str:
    """`name` when it is an IANA time zone Scheduler knows (`Europe/Paris`, `UTC`)."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"time zone {name!r} is not an IANA time zone name") from None
    return name


def _rate(expression: str, value: int, unit: str) -> Rate:
    singular = unit.removesuffix("s")
    if singular not in _UNITS:
        raise ValueError(
            f"schedule expression {expression!r}: the unit is minute(s), hour(s) or day(s), "
            f"not {unit!r}"
        )
    if value < 1:
        raise ValueError(f"schedule expression {expression!r}: the rate must be at least 1")
    if (value == 1) != (unit == singular):  # Scheduler's own rule: rate(1 minute), rate(5 minutes)
        wanted = singular if value == 1 else f"{singular}s"
        raise ValueError(f"schedule expression {expression!r}: write rate({value} {wanted})")
    return Rate(value * _UNITS[singular])


def _cron(expression: str, fields: list[str]) -> None:
    if len(fields) != len(_FIELDS):
        raise ValueError(
            f"schedule expression {expression!r}: cron takes 6 fields (minutes hours "
            f"day-of-month month day-of-week year), not {len(fields)}"
        )
    for spec, text in zip(_FIELDS, fields, strict=True):
        problem = _field_problem(spec, text)
        if problem is not None:
            raise ValueError(f"schedule expression {expression!r}: {spec.name} {problem}")
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ValueError(
            f"schedule expression {expression!r}: exactly one of day-of-month and day-of-week "
            "must be ?, e.g. cron(0 9 ? * MON-FRI *) or cron(0 9 1 * ? *)"
        )


def _field_problem(spec: _Field, text: str) -> str | None:
    """What is wrong with one cron field, or None."""
    if text in ("*", "?"):
        return None if text == "*" or "?" in spec.extra else "cannot be ?"
    allowed = re.escape(spec.extra.replace("?", ""))
    words = f"|{spec.words}" if spec.words else ""
    if not re.fullmatch(rf"(?:[0-9]+{words}|[-,*/{allowed}])+", text, re.IGNORECASE):
        return f"{text!r} is not a valid value"
    for number in re.findall(r"(?<![#/])\b[0-9]+\b", text):
        if not spec.low <= int(number) <= spec.high:
            return f"{number} is outside {spec.low}..{spec.high}"
    return None


def cron_matches(expression: str, moment: datetime) -> bool:
    """Whether a checked `cron(...)` expression fires at `moment` (a local time of its zone, to
    the minute). Lists, ranges, steps, `*`, `?` and names are read; `L`, `W` and `#` never match
    (the local emulation's limit, documented)."""
    found = _CRON.fullmatch(expression)
    if found is None:
        raise ValueError(f"{expression!r} is not a cron expression")
    fields = found.group(1).split()
    weekday = moment.isoweekday() % 7 + 1  # Scheduler's day-of-week: 1 is Sunday
    values = (moment.minute, moment.hour, moment.day, moment.month, weekday, moment.year)
    columns = zip(_FIELDS, fields, values, strict=True)
    return all(_matches(spec, text, value) for spec, text, value in columns)


def _matches(spec: _Field, text: str, value: int) -> bool:
    return any(_part_matches(spec, part, value) for part in text.upper().split(","))


def _part_matches(spec: _Field, part: str, value: int) -> bool:
    if part in ("*", "?"):
        return True
    if any(mark in part for mark in "LW#"):
        return False
    base, _, step = part.partition("/")
    if base == "*":
        low, high = spec.low, spec.high
    else:
        start, _, end = base.partition("-")
        low = _number(spec, start)
        high = _number(spec, end) if end else (spec.high if step else low)
    return low <= value <= high and (value - low) % int(step or 1) == 0


def _number(spec: _Field, text: str) -> int:
    words = spec.words.split("|") if spec.words else []
    return words.index(text) + spec.low if text in words else int(text)
