"""An AsyncAPI 3.0 description of taskhawk (asyncapi/taskhawk.json), from the same schema files
and wire rules as the generated code, so that AsyncAPI's own tools and catalogues read the same
source of truth: a queue and a topic channel per priority (named by the app's TASKHAWK_QUEUE),
a send and a receive operation on each, one message per format version with its publish.json as
payload (the `$defs` moved under components/schemas) and its transport attributes as headers.

JSON, not YAML, so that it is written without a YAML library and diffs line by line.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from codegen.errors import GenerationFailed
from codegen.generate import GeneratedFile
from codegen.schemas import load_schemas
from codegen.typescript.wire_rules import WIRE_RULES

__all__ = ["ASYNCAPI_FILE", "generate_asyncapi"]

ASYNCAPI_FILE = "taskhawk.json"
_RULES = WIRE_RULES
_QUEUE_PARAMETER = {
    "queue": {
        "description": "The app's TASKHAWK_QUEUE setting, e.g. dev-myapp: upper-cased in queue "
        "names, lower-cased in topic names.",
        "examples": ["dev-myapp"],
    }
}


def generate_asyncapi(schema_dir: Path) -> list[GeneratedFile]:
    files, problems = load_schemas(schema_dir)
    if problems:
        raise GenerationFailed("; ".join(str(problem) for problem in problems))
    publish = {f.version: f.document for f in files if f.kind == "publish"}
    versions = sorted(publish, key=lambda v: tuple(int(part) for part in v.split(".")))
    messages, schemas = {}, {}
    for version in versions:
        key = f"task-v{version.replace('.', '_')}"
        payload, definitions = _payload(publish[version], key)
        schemas.update(definitions)
        schemas[key] = payload
        messages[key] = _message(version, key)
    document = {
        "asyncapi": "3.0.0",
        "info": _info(versions),
        "defaultContentType": "application/json",
        "channels": _channels(list(messages)),
        "operations": _operations(),
        "components": {"messages": messages, "schemas": schemas},
    }
    return [GeneratedFile(ASYNCAPI_FILE, json.dumps(document, indent=2) + "\n")]


def _info(versions: list[str]) -> dict[str, Any]:
    return {
        "title": "Taskhawk",
        "version": versions[-1],
        "description": (
            "Asynchronous tasks over AWS SQS and SNS. Generated from schema/ by `make generate`:"
            " do not edit. The message formats are schema/message/<version>/publish.json (what a"
            " publisher emits; consumers also accept the legacy shapes of consume.json) and the"
            " rules schema/README.md states. A publisher sends the oldest format that carries"
            " the message; a consumer reads every format it knows and sends any other to the"
            f" dead-letter queue. Formats: {', '.join(versions)}."
        ),
    }


def _payload(schema: dict[str, Any], key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The schema without `$schema`/`$id`, its `$defs` as components/schemas named after the
    message, and every `#/$defs/` reference pointed there."""
    body = copy.deepcopy(schema)
    for name in ("$schema", "$id"):
        body.pop(name, None)
    definitions = body.pop("$defs", {})
    moved = {f"{key}-{name}": _repointed(value, key) for name, value in definitions.items()}
    return _repointed(body, key), moved


def _repointed(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return {
            name: (
                f"#/components/schemas/{key}-{item.removeprefix('#/$defs/')}"
                if name == "$ref" and isinstance(item, str) and item.startswith("#/$defs/")
                else _repointed(item, key)
            )
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [_repointed(item, key) for item in value]
    return value


def _message(version: str, key: str) -> dict[str, Any]:
    name = _RULES.task_attribute
    return {
        "name": key,
        "title": f"Task message, format {version}",
        "summary": "One task call: the task's name, its arguments and the caller's headers.",
        "contentType": "application/json",
        "headers": {
            "type": "object",
            "description": (
                "The transport's message attributes, each a String attribute: "
                f"{name} always, every header when there are at most "
                f"{_RULES.max_header_attributes} (decision header-attributes), then a trace "
                f"context while fewer than {_RULES.max_attributes} are set (decision "
                "trace-context). Consumers read headers from the body, never from these."
            ),
            "required": [name],
            "properties": {name: {"type": "string", "minLength": 1}},
            "additionalProperties": {"type": "string", "minLength": 1},
            "maxProperties": _RULES.max_attributes,
        },
        "payload": {"$ref": f"#/components/schemas/{key}"},
    }


def _channels(messages: list[str]) -> dict[str, Any]:
    channels = {}
    for priority, suffix in _RULES.priority_suffixes.items():
        refs = {key: {"$ref": f"#/components/messages/{key}"} for key in messages}
        channels[f"queue-{priority}"] = {
            "address": f"{_RULES.queue_prefix}{{queue}}{suffix}",
            "title": f"SQS queue, {priority} priority",
            "description": (
                f"Up to {_RULES.sqs_max_bytes} bytes per message, body and attributes "
                f"(decision size-limits); a delay up to {_RULES.max_delay_s} s is the send's "
                f"DelaySeconds. Its dead-letter queue is the same name plus "
                f"{_RULES.dead_letter_suffix}; a FIFO app's names end in {_RULES.fifo_suffix}."
            ),
            "parameters": _QUEUE_PARAMETER,
            "messages": refs,
        }
        channels[f"topic-{priority}"] = {
            "address": f"{_RULES.topic_prefix}{{queue}}{suffix.lower()}",
            "title": f"SNS topic, {priority} priority",
            "description": (
                f"Up to {_RULES.sns_max_bytes} bytes per message (decision size-limits); "
                "subscribed by the app's queue of the same priority (raw message delivery) or by "
                "its Lambda function. SNS cannot delay: a delay travels as metadata.eta."
            ),
            "parameters": _QUEUE_PARAMETER,
            "messages": dict(refs),
        }
    return channels


def _operations() -> dict[str, Any]:
    operations = {}
    for priority in _RULES.priority_suffixes:
        for kind in ("queue", "topic"):
            channel = {"$ref": f"#/channels/{kind}-{priority}"}
            operations[f"publish-{kind}-{priority}"] = {
                "action": "send",
                "title": f"Dispatch a task to the {priority} {kind}",
                "channel": channel,
            }
            if kind == "queue":
                operations[f"consume-{kind}-{priority}"] = {
                    "action": "receive",
                    "title": f"Run the tasks of the {priority} queue",
                    "channel": dict(channel),
                }
    return operations
