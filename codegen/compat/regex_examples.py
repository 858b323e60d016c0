"""Strings a pattern matches, built from the pattern itself: the shortest first, then ones of a
requested length, with a few variants (other characters, other alternatives).

Patterns are ECMA-262; within the portable subset `codegen.ecma_regex` gives the Python
spelling, whose parse tree (the `re` module's own parser) is walked here. Every string is only
a candidate: callers keep the ones their validators accept.
"""

from __future__ import annotations

import importlib
from typing import Any

from codegen.ecma_regex import to_python_regex
from codegen.errors import UnportableRegex

__all__ = ["pattern_examples"]

# The `re` parser's modules (`sre_parse` before 3.11; importing that one warns from 3.11 on).
try:
    _parser: Any = importlib.import_module("re._parser")
    _ops: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - Python 3.10
    _parser = importlib.import_module("sre_parse")
    _ops = importlib.import_module("sre_constants")

_PREFERRED = "".join(dict.fromkeys("0aA_-.zZ9 " + "".join(map(chr, range(0x21, 0x7F))) + "é€"))
_LINE_ENDS = frozenset("\n\r\u2028\u2029")


class _Unsupported(Exception):
    """A construct this walker does not render (never in the portable subset)."""


def pattern_examples(pattern: str, length: int | None = None, variants: int = 3) -> list[str]:
    """Up to `variants` distinct strings matching `pattern` (of `length` characters, if given)."""
    try:
        tree = _parser.parse(to_python_regex(pattern))
    except (UnportableRegex, ValueError):
        return []
    found: list[str] = []
    for variant in range(variants):
        try:
            text = _of_length(tree, length, variant)
        except _Unsupported:
            return found
        if text is not None and text not in found:
            found.append(text)
    return found


def _of_length(tree: Any, length: int | None, variant: int) -> str | None:
    shortest = _render(tree, variant, {})
    if length is None or length == len(shortest):
        return shortest
    if length < len(shortest):
        return None
    extra = length - len(shortest)
    for repeat, unit in _repeats(tree, variant):
        low, high = repeat[0], repeat[1]
        if unit and extra % unit == 0 and low + extra // unit <= high:
            return _render(tree, variant, {id(repeat): low + extra // unit})
    return None


def _repeats(items: Any, variant: int) -> list[tuple[Any, int]]:
    """Repeats that can grow, in pattern order, with the length one more repetition adds."""
    found: list[tuple[Any, int]] = []
    for op, value in items:
        if op in (_ops.MAX_REPEAT, _ops.MIN_REPEAT):
            if value[1] > value[0]:
                found.append((value, len(_render(value[2], variant, {}))))
            found += _repeats(value[2], variant)
        elif op is _ops.SUBPATTERN:
            found += _repeats(value[3], variant)
        elif op is _ops.BRANCH:
            found += _repeats(_branch(value, variant), variant)
    return found


def _branch(value: Any, variant: int) -> Any:
    alternatives = value[1]
    return alternatives[variant % len(alternatives)]


def _render(items: Any, variant: int, counts: dict[int, int]) -> str:
    out: list[str] = []
    for op, value in items:
        if op is _ops.LITERAL:
            out.append(chr(value))
        elif op is _ops.NOT_LITERAL:
            out.append(_pick(lambda c, v=value: ord(c) != v, variant))
        elif op is _ops.ANY:
            out.append(_pick(lambda c: c not in _LINE_ENDS, variant))
        elif op is _ops.IN:
            out.append(_pick(lambda c, v=value: _in_class(v, c), variant))
        elif op is _ops.BRANCH:
            out.append(_render(_branch(value, variant), variant, counts))
        elif op is _ops.SUBPATTERN:
            out.append(_render(value[3], variant, counts))
        elif op in (_ops.MAX_REPEAT, _ops.MIN_REPEAT):
            out.append(_render(value[2], variant, counts) * counts.get(id(value), value[0]))
        elif op is not _ops.AT:
            raise _Unsupported(str(op))
    return "".join(out)


def _pick(allowed: Any, variant: int) -> str:
    choices = [c for c in _PREFERRED if allowed(c)]
    if not choices:
        raise _Unsupported("no preferred character fits")
    return choices[variant % len(choices)]


def _in_class(items: Any, char: str) -> bool:
    negated = bool(items) and items[0][0] is _ops.NEGATE
    code = ord(char)
    hit = False
    for op, value in items:
        if op is _ops.LITERAL:
            hit = hit or code == value
        elif op is _ops.RANGE:
            hit = hit or value[0] <= code <= value[1]
        elif op is _ops.CATEGORY:
            raise _Unsupported("character class shorthand")
    return hit != negated
