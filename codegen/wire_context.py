"""What the wire-rule templates of every language share: the versions, the priorities the
schemas name (each with its queue suffix), the scheduling fields the newest format has, and
WIRE_RULES, the rules a JSON Schema cannot express."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from codegen.errors import GenerationFailed
from codegen.schemas import SchemaFile
from codegen.wire_rules import WIRE_RULES

__all__ = ["Version", "attribute_rules", "metadata_properties", "wire_context"]


class Version(Protocol):
    @property
    def publish(self) -> SchemaFile: ...


def wire_context(versions: list[Any], schemas: list[SchemaFile]) -> dict[str, Any]:
    latest = versions[-1].publish
    metadata = metadata_properties(latest)
    # Every priority any version names, in the schema's order: each needs its queue suffix.
    priorities = list(
        dict.fromkeys(
            p
            for v in versions
            for p in metadata_properties(v.publish).get("priority", {}).get("enum", [])
        )
    )
    missing = [p for p in priorities if p not in WIRE_RULES.priority_suffixes]
    if not priorities or missing:
        raise GenerationFailed(
            f"{latest.relative_path}: every priority needs a queue suffix in "
            f"codegen/wire_rules.py (missing: {', '.join(missing) or 'the enum'})"
        )
    return {
        # The scheduling fields the publisher knows how to fill, when the newest format has them.
        "scheduling": [field for field in ("eta", "expires") if field in metadata],
        "versions": versions,
        "latest": latest,
        "sources": sorted(schemas, key=lambda s: s.relative_path),
        "rules": WIRE_RULES,
        "priorities": priorities,
        "suffixes": [(p, WIRE_RULES.priority_suffixes[p]) for p in priorities],
    }


def metadata_properties(schema: SchemaFile) -> dict[str, Any]:
    properties: dict[str, Any] = (
        schema.document.get("$defs", {}).get("Metadata", {}).get("properties", {})
    )
    return properties


def attribute_rules(schema: SchemaFile, regex: Callable[[str, str], str]) -> dict[str, Any]:
    """What SQS accepts as a message attribute, from the schema's rules for a header (headers
    become attributes): a trace context's entries must pass them too (decision trace-context).
    `regex(pattern, where)` spells a pattern in the target language."""
    where = f"{schema.relative_path}#/properties/headers"
    try:
        headers = schema.document["properties"]["headers"]
        names, values = headers["propertyNames"], headers["additionalProperties"]
        return {
            "name": regex(names["pattern"], f"{where}/propertyNames"),
            "reserved": regex(names["not"]["pattern"], f"{where}/propertyNames/not"),
            "value": regex(values["pattern"], f"{where}/additionalProperties"),
            "max_name": int(names["maxLength"]),
        }
    except (KeyError, TypeError) as error:
        raise GenerationFailed(f"{where}: the header rules are missing ({error})") from None
