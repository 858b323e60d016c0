"""The vector corpus: contract-tests/v<MAJOR>/<group>/*.json, checked against its meta-schemas.

Groups: `required` and `decisions` hold consumer vectors (message text -> verdict), `publish`
holds publisher cases (inputs -> expected message). contract-tests/README.md is the reference.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskhawk.transport.naming import FIFO_SUFFIX
from tools.conformance import CONTRACT_DIR, ROOT
from tools.conformance.case_values import expand_repeats

__all__ = [
    "CONSUMER_GROUPS",
    "GROUPS",
    "Case",
    "Corpus",
    "VectorFile",
    "case_protocol",
    "load_corpus",
    "payload",
]

CONSUMER_GROUPS = ("required", "decisions")
GROUPS = (*CONSUMER_GROUPS, "publish")
META_SCHEMAS = {
    "required": "vectors.schema.json",
    "decisions": "vectors.schema.json",
    "publish": "publish-cases.schema.json",
}
_SCHEMA_PATH = re.compile(r"^schema/message/(?P<version>[0-9]+\.[0-9]+)/(publish|consume)\.json$")
_DECISION_ROW = re.compile(r"^\| `([a-z0-9-]+)` \|", re.M)


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    format_version: str
    data: dict[str, Any]
    file: str


@dataclass(frozen=True)
class VectorFile:
    relative: str  # from contract-tests/, with forward slashes
    group: str
    document: dict[str, Any]

    @property
    def format_version(self) -> str:
        match = _SCHEMA_PATH.match(str(self.document.get("schema", "")))
        return match.group("version") if match else "?"


@dataclass(frozen=True)
class Corpus:
    contract_dir: Path
    files: list[VectorFile]

    def cases(self, *groups: str) -> list[Case]:
        return [
            Case(case["id"], file.group, file.format_version, case, file.relative)
            for file in self.files
            if not groups or file.group in groups
            for case in file.document.get("cases", [])
        ]

    def problems(self, schema_root: Path = ROOT) -> list[str]:
        """Everything wrong with the corpus files: meta-schema violations and cross-file rules."""
        import jsonschema  # noqa: PLC0415 - the installed kit loads a corpus without jsonschema

        found: list[str] = []
        for file in self.files:
            meta = json.loads((self.contract_dir / META_SCHEMAS[file.group]).read_text("utf-8"))
            for error in jsonschema.Draft202012Validator(meta).iter_errors(file.document):
                where = "".join(f"[{part!r}]" for part in error.absolute_path)
                found.append(f"{file.relative}{where}: {error.message}")
            found.extend(_file_rules(file, schema_root))
        ids = [case.id for case in self.cases()]
        found.extend(
            f"case id {i} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})
        )
        return found


def load_corpus(contract_dir: Path = CONTRACT_DIR) -> Corpus:
    files = []
    for path in sorted(contract_dir.glob("v[0-9]*/*/*.json")):
        relative = path.relative_to(contract_dir).as_posix()
        group = path.parent.name
        document = json.loads(path.read_text(encoding="utf-8"))
        files.append(
            VectorFile(relative, group if group in GROUPS else f"unknown:{group}", document)
        )
    return Corpus(contract_dir, files)


def payload(case: Case) -> str | bytes:
    """The exact message body of a consumer vector (bytes when it is not valid UTF-8)."""
    if "payload_base64" in case.data:
        return base64.b64decode(case.data["payload_base64"])
    if "payload_parts" in case.data:
        return "".join(expand_repeats(part) for part in case.data["payload_parts"])
    text: str = case.data["payload_text"]
    return text


def case_protocol(case: Case) -> int:
    """The lowest testee protocol that can run a publisher case."""
    return int(case.data.get("protocol", 1))


def _file_rules(file: VectorFile, schema_root: Path) -> list[str]:
    if file.group not in GROUPS:
        return [f"{file.relative}: unknown group folder (one of {', '.join(GROUPS)})"]
    found = []
    schema = str(file.document.get("schema", ""))
    kind = "publish" if file.group == "publish" else "consume"
    if not schema.endswith(f"/{kind}.json") or not (schema_root / schema).is_file():
        found.append(f"{file.relative}: schema {schema!r} is not an existing {kind}.json")
    major = file.relative.split("/")[0]
    if f"v{file.format_version.split('.')[0]}" != major:
        found.append(f"{file.relative}: schema version {file.format_version} is not in {major}/")
    decisions = set(_DECISION_ROW.findall((schema_root / "schema" / "README.md").read_text()))
    for case in file.document.get("cases", []):
        in_decisions = "decision" in case
        if in_decisions != (file.group == "decisions"):
            found.append(f"{case.get('id')}: `decision` belongs in decisions/ and only there")
        if in_decisions and case["decision"] not in decisions:
            found.append(f"{case.get('id')}: decision {case['decision']!r} not in schema/README.md")
        if file.group == "publish":
            found.extend(_publish_case_rules(case))
    return found


def _publish_case_rules(case: dict[str, Any]) -> list[str]:
    """What the meta-schema cannot say: protocol 1 cases are complete and use nothing protocol 2
    added, an expected message leaves out exactly the values the publisher is to make itself,
    and an expected destination's FIFO name and ids follow from the app and the input."""
    found = []
    given = case.get("input", {})
    if case.get("protocol", 1) == 1:
        if not {"id", "timestamp_ms"} <= given.keys():
            found.append(f"{case.get('id')}: a protocol 1 case gives id and timestamp_ms")
        if expand_repeats(given) != given:
            found.append(f"{case.get('id')}: $repeat needs protocol 2")
        if _PROTOCOL_2_INPUTS & given.keys() or _PROTOCOL_2_APP & case.get("app", {}).keys():
            needs = "delays, expiries, FIFO ids, Lambda and FIFO apps need protocol 2"
            found.append(f"{case.get('id')}: {needs}")
    found += _protocol_3_rules(case)
    message = case.get("expected", {}).get("message")
    if isinstance(message, dict):
        if ("id" in message) != ("id" in given):
            found.append(f"{case.get('id')}: expected id must be given exactly when input.id is")
        stamped = "timestamp" in message.get("metadata", {})
        if stamped != ("timestamp_ms" in given):
            found.append(f"{case.get('id')}: expected timestamp only when input.timestamp_ms is")
        found += _schedule_rules(case.get("id"), given, message.get("metadata", {}))
        destination = case["expected"].get("destination", {})
        found += _fifo_rules(case.get("id"), case.get("app", {}), given, destination)
    return found


def _protocol_3_rules(case: dict[str, Any]) -> list[str]:
    """A trace context needs protocol 3; a size case at the limit fills one `$repeat` of one
    character that JSON writes as itself, the same in the input and the expected message."""
    found = []
    if "trace_context" in case and case.get("protocol") != 3:
        found.append(f"{case.get('id')}: a trace_context needs protocol 3")
    if "fill_to_limit" in case:
        args = case.get("input", {}).get("args") or [None]
        spec = args[0].get("$repeat") if isinstance(args[0], dict) else None
        expected = case.get("expected", {}).get("message", {"args": args})
        if not (
            isinstance(spec, dict)
            and re.fullmatch("[A-Za-z0-9]", str(spec.get("text")))
            and expected.get("args", [None])[0] == args[0]
            and case.get("protocol", 1) >= 2
        ):
            found.append(
                f"{case.get('id')}: fill_to_limit needs protocol 2 and input.args[0] a $repeat "
                "of one letter or digit, the expected message's args[0] the same"
            )
    return found


_PROTOCOL_2_INPUTS = frozenset(
    {"delay_ms", "expires_after_ms", "group_id", "deduplication_id", "tenant"}
)
_PROTOCOL_2_APP = frozenset({"lambda", "fifo", "content_based_deduplication"})


def _schedule_rules(case_id: Any, given: dict[str, Any], metadata: dict[str, Any]) -> list[str]:
    """An expected `eta` or `expires` is the input's offset from its timestamp, never another."""
    found = []
    start = given.get("timestamp_ms", 0)
    if "expires" in metadata and metadata["expires"] != start + given.get("expires_after_ms", -1):
        found.append(f"{case_id}: expected expires is not timestamp_ms + expires_after_ms")
    if "eta" in metadata and metadata["eta"] != start + given.get("delay_ms", -1):
        found.append(f"{case_id}: expected eta is not timestamp_ms + delay_ms")
    if "expires_after_ms" in given and "expires" not in metadata:
        found.append(f"{case_id}: an expiry always travels as metadata.expires")
    return found


def _fifo_rules(
    case_id: Any, app: dict[str, Any], given: dict[str, Any], destination: dict[str, Any]
) -> list[str]:
    """A FIFO app's destination ends in .fifo and carries the input's group, and as deduplication
    id the input's, else the message id, else none when the queues deduplicate by content; a
    standard app's carries no deduplication id and its tenant, if any, as the group (publisher
    rules `fifo` and `tenants`). When the publisher makes the message
    id, the case cannot write it: its destination leaves the deduplication id out, and the
    harness expects the id of the message the publisher made."""
    fifo = app.get("fifo") is True
    name = str(destination.get("queue", destination.get("topic", "")))
    found = []
    if name.endswith(FIFO_SUFFIX) != fifo:
        found.append(f"{case_id}: the destination ends in .fifo exactly when the app is FIFO")
    if fifo and "deduplication_id" not in given and not app.get("content_based_deduplication"):
        deduplication_id = given.get("id")
    else:
        deduplication_id = given.get("deduplication_id") if fifo else None
    group = given.get("group_id", given.get("tenant")) if fifo else given.get("tenant")
    wanted = {"message_group_id": group, "message_deduplication_id": deduplication_id}
    for field, value in wanted.items():
        if destination.get(field) != value:
            found.append(f"{case_id}: expected {field} must be {value!r} (publisher rule fifo)")
    return found
