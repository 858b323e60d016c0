"""Words for each regex the schemas use, so a validation error states the rule, not the regex.

Errors are read by whoever sent or debugs a message, and a character-class regex tells them
nothing. Every `pattern`, and every `not: {pattern}`, in schema/ needs an entry here: `python -m
codegen` refuses a schema file with one that has none (`codegen.schemas`), so a new schema cannot
bring a raw regex back into the errors. Other documents (the compiler's own tests) get a plain
"does not match" message. The messages are sentences without a subject: the error's path (or,
for an object key, `name "x"`) comes first.
"""

from __future__ import annotations

__all__ = ["NEGATED_PATTERN_WORDS", "PATTERN_WORDS", "has_words", "words_for"]

_UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_ATTRIBUTE_NAME = r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$"
_SQS_CHARACTERS = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]+$"
_RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"(\.[0-9]{1,9})?([Zz]|[+\-][0-9]{2}:[0-9]{2})$"
)
_RESERVED_PREFIXES = (
    r"^([Aa][Ww][Ss]|[Aa][Mm][Aa][Zz][Oo][Nn])\.|^[Tt][Aa][Ss][Kk][Hh][Aa][Ww][Kk]_"
)

PATTERN_WORDS = {
    _UUID: "must be a lower-case UUID with hyphens, such as 0d3d8132-07cb-41ee-bcc3-840b8d5e77d6",
    _ATTRIBUTE_NAME: (
        "may use only letters, digits, _, - and . (no leading, trailing or double period)"
    ),
    _SQS_CHARACTERS: (
        "must not hold control characters other than tab, line feed and carriage return, "
        "unpaired surrogates, U+FFFE or U+FFFF (SQS refuses them)"
    ),
    _RFC3339: (
        "must be integer milliseconds or an RFC 3339 date-time with its offset, such as "
        "2018-04-27T10:00:00Z"
    ),
}
NEGATED_PATTERN_WORDS = {
    _RESERVED_PREFIXES: (
        "is reserved: names starting taskhawk_ belong to the transport, and names starting "
        "AWS. or Amazon. (in any case) to AWS"
    ),
}


def has_words(pattern: str, *, negated: bool = False) -> bool:
    return pattern in (NEGATED_PATTERN_WORDS if negated else PATTERN_WORDS)


def words_for(pattern: str, *, negated: bool = False) -> str:
    """The message for a value that fails `pattern` (or, `negated`, that matches it)."""
    if negated:
        return NEGATED_PATTERN_WORDS.get(pattern, f"must not match the pattern {pattern}")
    return PATTERN_WORDS.get(pattern, f"does not match the pattern {pattern}")
