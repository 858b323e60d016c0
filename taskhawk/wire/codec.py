"""The wire codec: message text <-> generated message models. Pure functions, no I/O.

Everything the runtime reads or writes goes through `decode` and `encode`, which use only the
code generated from schema/. Decisions that go beyond plain JSON Schema are documented in
schema/README.md and named in the errors they raise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from taskhawk._generated import (
    FORMAT_VERSIONS,
    LATEST_VERSION,
    FormatVersion,
    Message,
    SchemaViolation,
)
from taskhawk.exceptions import ValidationError
from taskhawk.transport.limits import SQS_MAX_BYTES
from taskhawk.wire.fast_decode import fast_decode
from taskhawk.wire.json_values import to_json_value
from taskhawk.wire.legacy import normalize_legacy_shapes
from taskhawk.wire.models import fill, message_to_dict
from taskhawk.wire.strict_json import check_unicode_text, parse_strict

__all__ = ["body_text", "decode", "decode_strict", "encode", "validation_errors"]


def decode(body: str | bytes, max_bytes: int = SQS_MAX_BYTES) -> Message:
    """Parse and validate one message body; raise ValidationError naming the path and reason.
    `max_bytes` is the most its source can carry (a queue's limit, or a large payload's). The
    typed pass (taskhawk.wire.fast_decode) reads canonical messages; anything it does not vouch
    for takes the strict path, which alone gives verdicts."""
    text = body_text(body, max_bytes)
    message = fast_decode(text)
    if message is not None:
        return message
    return _decode_strict(text)


def decode_strict(body: str | bytes, max_bytes: int = SQS_MAX_BYTES) -> Message:
    """`decode` without the typed pass: the reference its fast path is tested against."""
    return _decode_strict(body_text(body, max_bytes))


def _decode_strict(text: str) -> Message:
    data = parse_strict(text)
    if type(data) is not dict:
        raise ValidationError("$", f"a message must be a JSON object, not {_json_type(data)}")
    format_version = _format_version(data)
    _validate(format_version.validate_consume, data)
    check_unicode_text(text, data)  # after the schema, which names the header or task it hits
    canonical = normalize_legacy_shapes(data, text)
    if canonical is not data:
        _validate(format_version.validate_publish, canonical)
    return _to_model(format_version, canonical)


def validation_errors(body: str | bytes) -> list[ValidationError]:
    """Every reason `decode` would refuse `body` for (empty when it decodes), for tools that
    report them all. Parse-level problems stop at the first, as the parser does."""
    try:
        decode(body)
    except ValidationError as first:
        try:
            data = parse_strict(body_text(body))
            format_version = _format_version(data) if type(data) is dict else None
        except ValidationError:
            return [first]
        if format_version is None:
            return [first]
        found = [
            ValidationError(*_path_and_reason(violation))
            for violation in format_version.iter_errors_consume(data)
        ]
        return found or [first]
    return []


def encode(message: Message) -> str:
    """Serialise a message after checking it against the publish schema (canonical form)."""
    data = message_to_dict(message)
    format_version = FORMAT_VERSIONS.get(message.metadata.version)
    if format_version is None:
        raise ValidationError("$.metadata.version", f"unknown format {message.metadata.version!r}")
    _validate(format_version.validate_publish, data)
    try:
        return _ENCODER.encode(data)
    except (TypeError, ValueError):
        # A model built around build_message: find and name the value JSON cannot carry.
        to_json_value(data["args"], "$.args")
        to_json_value(data["kwargs"], "$.kwargs")
        raise


def body_text(body: str | bytes, max_bytes: int = SQS_MAX_BYTES) -> str:
    """The text of a body within its source's limit, or ValidationError saying why not."""
    # Nothing larger than its source's limit (in UTF-8 bytes) can arrive: anything larger is
    # hostile.
    if len(body) > max_bytes:  # a str has at least as many bytes as characters
        raise ValidationError("$", f"body is {len(body)} long, over the {max_bytes} limit")
    if isinstance(body, str):
        if not body.isascii():
            size = len(body.encode("utf-8", "surrogatepass"))
            if size > max_bytes:
                raise ValidationError(
                    "$", f"body is {size} bytes of UTF-8, over the {max_bytes} limit"
                )
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationError("$", f"body is not valid UTF-8 (byte {error.start})") from None


# Times in metadata: JSON Schema's "integer" allows 1.0, typed readers do not (integer-timestamp).
_TIMES = ("timestamp", "eta", "expires")
_ENCODER = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def _format_version(data: dict[str, Any]) -> FormatVersion:
    metadata = data.get("metadata")
    version = metadata.get("version") if type(metadata) is dict else None
    if type(version) is str and version not in FORMAT_VERSIONS:
        known = ", ".join(sorted(FORMAT_VERSIONS))
        raise ValidationError(
            "$.metadata.version",
            f"unsupported message format {version!r}; this consumer reads {known}"
            " (upgrade consumers before publishers)",
        )
    if type(version) is str:
        return FORMAT_VERSIONS[version]
    # Missing or mistyped versions (even unhashable ones) are reported by the newest schema.
    return FORMAT_VERSIONS[LATEST_VERSION]


def _validate(validate: Callable[[Any], None], data: dict[str, Any]) -> None:
    try:
        validate(data)
    except SchemaViolation as error:
        raise ValidationError(*_path_and_reason(error)) from None


def _path_and_reason(error: SchemaViolation) -> tuple[str, str]:
    """The generated validators already speak in JSON paths and plain reasons."""
    return error.path, error.message


def _to_model(format_version: FormatVersion, data: dict[str, Any]) -> Message:
    metadata = data["metadata"]
    for name in _TIMES:
        if name in metadata and type(metadata[name]) is not int:
            raise ValidationError(
                f"$.metadata.{name}",
                "must be an integer number of milliseconds, written without a fraction or "
                "exponent (1460868253255, not 1460868253255.0)",
            )
    return fill(format_version, metadata, data)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
