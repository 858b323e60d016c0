"""ECMA-262 `pattern` text -> a Python `re` pattern that matches exactly the same strings.

JSON Schema patterns are ECMA-262 regexes. Within the portable subset the dialects differ in two
places only, both rewritten here: `$` (Python's also matches before a final newline, so it
becomes `\\Z`) and `.` (ECMA excludes every line terminator, Python only `\\n`). Anything whose
meaning differs further (look-around, back-references, `\\d\\w\\s\\b`, Unicode property
classes, `\\u{...}`) is refused rather than guessed.
"""

from __future__ import annotations

import re

from codegen.errors import UnportableRegex

__all__ = ["to_python_regex"]

# Escapes with one meaning in both dialects: control characters, hex and Unicode code units.
SAME_ESCAPES = frozenset("nrtfv0xu")
DOT = "[^\\n\\r\\u2028\\u2029]"
HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
HEX2 = re.compile(r"[0-9A-Fa-f]{2}")


def to_python_regex(pattern: str) -> str:
    """Return the Python spelling of `pattern`; raise UnportableRegex naming the construct."""
    out: list[str] = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            escape = _escape(pattern, index)
            out.append(escape)
            index += len(escape)
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            if pattern.startswith(("[]", "[^]"), index):
                raise UnportableRegex(f"empty class {pattern[index : index + 3]!r}")
            in_class = True
            out.append(char)
        elif char == "(" and pattern.startswith("(?", index):
            raise UnportableRegex("groups starting '(?' (look-around, named or inline flags)")
        else:
            out.append({"$": "\\Z", ".": DOT}.get(char, char))
        index += 1
    translated = "".join(out)
    try:
        re.compile(translated)
    except re.error as error:
        raise UnportableRegex(f"not a valid regex: {error}") from None
    return translated


def _escape(pattern: str, index: int) -> str:
    """The escape sequence starting at `index`, unchanged, once known to mean the same."""
    letter = pattern[index + 1 : index + 2]
    if not letter:
        raise UnportableRegex("trailing backslash")
    if letter == "u":
        if not HEX4.fullmatch(pattern, index + 2, index + 6):
            raise UnportableRegex("\\u must be followed by four hex digits (no \\u{...})")
        return pattern[index : index + 6]
    if letter == "x":
        if not HEX2.fullmatch(pattern, index + 2, index + 4):
            raise UnportableRegex("\\x must be followed by two hex digits")
        return pattern[index : index + 4]
    if letter.isalnum() and letter not in SAME_ESCAPES:
        raise UnportableRegex(f"escape \\{letter} (classes, back-references, word boundaries)")
    if letter == "0" and pattern[index + 2 : index + 3].isdigit():
        raise UnportableRegex("octal escapes")
    return pattern[index : index + 2]
