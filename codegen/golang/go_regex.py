"""Schema `pattern`s as Go (RE2) regexes that match exactly the strings the ECMA-262 text does.

Within the portable subset (codegen.ecma_regex refuses the rest) the dialects differ in spelling
only: `\\uXXXX` is `\\x{XXXX}` in RE2, `\\0` is `\\x{0}`, and `.` (which in ECMA excludes every
line terminator) is spelled out as a class. `$` without the multi-line flag means the end of the
text in both. Go strings are UTF-8, so RE2 matches by code point as JavaScript's `u` mode does;
a string that is not valid UTF-8 never reaches a validator (the decoder and the publisher refuse
it first, decision unicode-text).
"""

from __future__ import annotations

from codegen.ecma_regex import to_python_regex
from codegen.errors import UnportableRegex, UnsupportedSchema

__all__ = ["go_regex", "regex_expression"]

DOT = "[^\\n\\r\\x{2028}\\x{2029}]"


def regex_expression(pattern: str, where: str) -> str:
    """A Go expression compiling the pattern once; UnsupportedSchema naming `where` if the
    pattern is not portable."""
    try:
        to_python_regex(pattern)  # the portable-subset check, shared with Python and TypeScript
        text = go_regex(pattern)
    except UnportableRegex as error:
        raise UnsupportedSchema(f"{where}: unportable regex {pattern!r}: {error}") from None
    return f"regexp.MustCompile(`{text}`)"


def go_regex(pattern: str) -> str:
    out: list[str] = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            letter = pattern[index + 1 : index + 2]
            if letter == "u":
                out.append(f"\\x{{{pattern[index + 2 : index + 6]}}}")
                index += 6
            elif letter == "0":
                out.append("\\x{0}")
                index += 2
            else:
                out.append(pattern[index : index + 2])
                index += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        else:
            out.append(DOT if char == "." else char)
        index += 1
    text = "".join(out)
    if "`" in text:
        raise UnportableRegex("a backquote (Go raw strings cannot hold one)")
    return text
