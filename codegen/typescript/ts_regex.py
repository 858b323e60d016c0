"""Schema `pattern`s as JavaScript regexes in Unicode mode (the `u` flag).

JSON Schema patterns are ECMA-262 regexes, so the text is used as written. The `u` flag is what
makes JavaScript agree with Python and with JSON Schema: strings are matched by code point (a
surrogate pair is one character, so `[^\\uD800-\\uDFFF]` refuses only unpaired surrogates, as
Python's `re` does on `str`). Unicode mode is stricter about syntax than the legacy grammar, so a
pattern it would reject (`\\-` outside a class, a lone `]` or `{`) is refused here, at
generation, rather than at the first import.
"""

from __future__ import annotations

import json
import re

from codegen.ecma_regex import to_python_regex
from codegen.errors import UnportableRegex, UnsupportedSchema

__all__ = ["regex_expression"]

SYNTAX_CHARACTERS = frozenset("^$\\.*+?()[]{}|/")
QUANTIFIER = re.compile(r"\{[0-9]+(,[0-9]*)?\}")


def regex_expression(pattern: str, where: str) -> str:
    """A TypeScript expression building the regex; UnsupportedSchema naming `where` if the
    pattern is not portable or not valid in Unicode mode."""
    try:
        to_python_regex(pattern)
        _check_unicode_mode(pattern)
    except UnportableRegex as error:
        raise UnsupportedSchema(f"{where}: unportable regex {pattern!r}: {error}") from None
    return f'new RegExp({json.dumps(pattern)}, "u")'


def _check_unicode_mode(pattern: str) -> None:
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            _check_escape(pattern[index + 1 : index + 2], in_class)
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "]":
            raise UnportableRegex("a lone ']' outside a class (invalid in Unicode mode)")
        elif char == "{":
            quantifier = QUANTIFIER.match(pattern, index)
            if quantifier is None or index == 0:
                raise UnportableRegex("a '{' that is not a quantifier (invalid in Unicode mode)")
            index = quantifier.end()
            continue
        elif char == "}":
            raise UnportableRegex("a lone '}' (invalid in Unicode mode)")
        index += 1


def _check_escape(letter: str, in_class: bool) -> None:
    """ecma_regex has vetted letters and digits; only identity escapes remain to check."""
    if letter.isalnum() or letter in SYNTAX_CHARACTERS or (in_class and letter == "-"):
        return
    raise UnportableRegex(f"escape \\{letter} (an identity escape Unicode mode refuses)")
