"""Parsing message text as JSON under the wire format's rules, or naming the rule it breaks.

Beyond JSON itself (schema/README.md): no duplicate keys (decision duplicate-keys), no NaN or
Infinity (non-finite-numbers), integers within +-(2^53-1) (safe-integers), nesting at most
MAX_DEPTH levels (bounded-input). The stdlib parser enforces them through hooks; large bodies
take a faster route with the same verdicts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from taskhawk.exceptions import ValidationError
from taskhawk.wire.json_values import (
    MAX_DEPTH,
    checked_member_count,
    is_safe_integer,
    is_unicode_text,
    unsafe_integer_path,
    unsafe_integer_reason,
)

__all__ = ["check_unicode_text", "colons_in_strings", "has_lone_surrogate", "parse_strict"]


class _ParseRefused(ValueError):
    """Raised from inside json.loads hooks; turned into a ValidationError by `parse_strict`.
    Hooks do not know where they are: for an integer out of range (`unsafe_digits`), where it
    is is found afterwards."""

    def __init__(self, reason: str, *, unsafe_digits: str | None = None) -> None:
        super().__init__(reason)
        self.unsafe_digits = unsafe_digits


def check_unicode_text(text: str, data: Any) -> None:
    """ValidationError when a string of `data` (parsed from `text`) holds an unpaired surrogate
    (decision unicode-text). Only text with a surrogate escape, or in a str a surrogate itself,
    can decode to one: the walk is skipped for every other body. ASCII text without a `\\u`
    cannot hold either, and saying so takes C-speed scans where the hint's pattern takes many
    times longer."""
    if text.isascii() and "\\u" not in text and "\\U" not in text:
        return
    if _SURROGATE_HINT.search(text) and has_lone_surrogate(data):
        raise ValidationError(
            "$",
            "a string holds an unpaired UTF-16 surrogate (\\ud800-\\udfff alone), which "
            "other languages read differently",
        )


def parse_strict(text: str) -> Any:
    """The JSON value of `text`; ValidationError naming the first reason it breaks the rules."""
    if len(text) >= _PLAIN_PARSE_MIN_CHARS:
        data = _parse_plain(text)
        if data is not _DOUBT:
            return data
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            "$", f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except _ParseRefused as error:
        reason = str(error)
        if error.unsafe_digits is not None:  # the path stays "$" (the contract's); words say where
            reason = unsafe_integer_reason(error.unsafe_digits, _unsafe_integer_path(text))
        raise ValidationError("$", reason) from None
    except RecursionError:
        raise ValidationError("$", f"nested deeper than {MAX_DEPTH} levels") from None
    # Counting brackets is cheap; only a body that could be deep is walked. The hooks have
    # checked every number, so a refusal here can only be the depth.
    if text.count("[") + text.count("{") > MAX_DEPTH and checked_member_count(data) < 0:
        raise ValidationError("$", f"nested deeper than {MAX_DEPTH} levels")
    return data


def _parse_plain(text: str) -> Any:
    """Large bodies: parse at C speed without hooks, then one walk shows whether the strict
    parse would accept them as they are. Any doubt returns _DOUBT, and the strict parse runs
    and names the problem, so verdicts and messages are the same either way."""
    try:
        data = _PLAIN_DECODER.decode(text)
    except (ValueError, RecursionError):  # bad JSON, NaN, an integer too long to convert
        return _DOUBT
    if type(data) is not dict and type(data) is not list:
        return _DOUBT  # a bare value: rare, and the strict parse names its problem best
    members = checked_member_count(data)
    if members < 0:
        return _DOUBT
    # Every object member in the text has one colon, and strings may hold more. With no \u
    # escape a string holds as many colons as its text, so the counts agree exactly when no
    # member was lost to a duplicate key (decision duplicate-keys).
    colons = text.count(":")
    if members == colons:
        return data
    if "\\u" in text or members + colons_in_strings(data) != colons:
        return _DOUBT
    return data


def _unsafe_integer_path(text: str) -> str | None:
    """Where the integer the strict parse refused sits, found by a parse without hooks; None
    when that parse fails too (a later problem in the text, or digits beyond int's limit)."""
    try:
        data = _PLAIN_DECODER.decode(text)
    except (ValueError, RecursionError):
        return None
    return unsafe_integer_path(data)


def has_lone_surrogate(data: Any) -> bool:
    """Whether any string or key of parsed `data` breaks the unicode-text rule."""
    stack = [data]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is str:
            if not is_unicode_text(node):
                return True
        elif kind is dict:
            if not all(map(is_unicode_text, node)):
                return True
            stack.extend(node.values())
        elif kind is list:
            stack.extend(node)
    return False


def colons_in_strings(data: Any) -> int:
    """Colons in every key and string of parsed `data`."""
    colons = 0
    stack = [data]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is str:
            colons += node.count(":")
        elif kind is dict:
            colons += sum(key.count(":") for key in node)
            stack.extend(node.values())
        elif kind is list:
            stack.extend(node)
    return colons


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise _ParseRefused(f"key {duplicate!r} appears twice in one object (readers disagree)")
    return obj


def _refuse_constant(name: str) -> Any:
    raise _ParseRefused(f"{name} is not a JSON number")


def _bounded_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _ParseRefused(f"integer with {len(text)} digits is too long") from None
    if is_safe_integer(value):
        return value
    raise _ParseRefused(unsafe_integer_reason(text), unsafe_digits=text)


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _ParseRefused(f"number {text} is out of range")
    return value


# Built once: json.loads with hooks would build a decoder per call.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_object_without_duplicates,
    parse_constant=_refuse_constant,
    parse_int=_bounded_int,
    parse_float=_finite_float,
)
# Bodies this long are parsed without hooks first (see _parse_plain); below it the hooks cost
# less than the walk that replaces them.
_PLAIN_PARSE_MIN_CHARS = 1024
_PLAIN_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
_DOUBT = object()
_SURROGATE_HINT = re.compile("\\\\[uU][dD][89a-fA-F]|[\ud800-\udfff]")
