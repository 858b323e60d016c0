"""Sphinx directives that build pages from the code and data they describe, at build time.

- `taskhawk-settings`: the configuration reference, from `taskhawk.settings.setting_definitions()`.
- `taskhawk-schema`: a field table per message format version, from `schema/message/*/`, and
  what each minor version changes, as `make compat` (codegen.compat) finds it.
- `taskhawk-benchmarks`: the newest table in `tools/bench/results/`, or how to produce one.
- `taskhawk-cli`: `taskhawk --help` and every command's `--help`, from the command's own parser.
- `taskhawk-exit-statuses`: the exit statuses as a table, from the list `--help` prints.

Each directive writes Markdown and hands it to MyST, so the pages that use them are `.md` files.
Nothing generated here is committed: a setting, schema field or result added to the code shows up
in the next build, and one removed disappears.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from codegen.compat.changes import instance_path
from codegen.compat.tree import minor_changes
from codegen.schemas import load_schemas
from taskhawk.cli import build_parser
from taskhawk.cli.parser import EXIT_STATUS_MEANINGS
from taskhawk.settings import setting_definitions

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "schema" / "message"
RESULTS_DIR = ROOT / "tools" / "bench" / "results"


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, one line)."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def code(text: object) -> str:
    """An inline code span that survives any backticks in `text`."""
    value = str(text)
    fence = "``" if "`" in value else "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


class MarkdownDirective(SphinxDirective):
    """A directive whose output is Markdown text parsed in place."""

    has_content = False

    def markdown(self) -> list[str]:
        raise NotImplementedError

    def from_srcdir(self, path: Path) -> str:
        """A path for literalinclude, which reads `/x` as relative to the source directory."""
        return "/" + os.path.relpath(path, self.env.srcdir).replace(os.sep, "/")

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        source = self.get_source_info()[0] or "<generated>"
        self.state.nested_parse(StringList(self.markdown(), source=source), 0, container)
        return list(container.children)


class SettingsDirective(MarkdownDirective):
    """Every setting: upstream name, type, default and meaning, from the Settings dataclass."""

    def markdown(self) -> list[str]:
        rows = []
        for definition in setting_definitions():
            meaning = definition.metadata["doc"]
            notes = []
            if definition.metadata.get("required"):
                notes.append("**Required.**")
            if definition.metadata.get("secret"):
                notes.append("Secret: never logged or shown in `repr`.")
            rows.append(
                [
                    code(definition.name.upper()),
                    code(cell(definition.type)),
                    code(cell(repr(definition.default))),
                    cell(" ".join([meaning, *notes])),
                ]
            )
        return table(["Setting", "Type", "Default", "Meaning"], rows)


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: Mapping[str, Any] = schema["$defs"][ref.removeprefix("#/$defs/")]
        return resolved
    return node


def _type_of(node: Mapping[str, Any]) -> str:
    if "enum" in node:
        return "one of " + ", ".join(code(json.dumps(value)) for value in node["enum"])
    kind = node.get("type", "any JSON value")
    return " or ".join(kind) if isinstance(kind, list) else str(kind)


_CONSTRAINTS = {
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "minimum": "at least {}",
    "maximum": "at most {}",
    "minItems": "at least {} items",
    "maxItems": "at most {} items",
    "maxProperties": "at most {} keys",
}


def _constraints(node: Mapping[str, Any]) -> list[str]:
    found = [text.format(node[key]) for key, text in _CONSTRAINTS.items() if key in node]
    if "pattern" in node:
        found.append("matches " + code(node["pattern"]))
    if node.get("type") == "object" and node.get("additionalProperties") is False:
        found.append("no other keys")
    return found


def _field_rows(
    schema: Mapping[str, Any], node: Mapping[str, Any], path: str
) -> Iterable[list[str]]:
    node = _resolve(schema, node)
    required = set(node.get("required", ()))
    for name, child_node in node.get("properties", {}).items():
        child = _resolve(schema, child_node)
        child_path = f"{path}.{name}" if path else name
        description = child.get("description", "")
        yield [
            code(child_path),
            _type_of(child),
            "yes" if name in required else "no",
            cell("; ".join([description.rstrip("."), *_constraints(child)]).strip("; ")),
        ]
        if "properties" in child:
            yield from _field_rows(schema, child, child_path)
        names = child.get("propertyNames")
        if isinstance(names, Mapping):
            yield [
                code(f"{child_path} (names)"),
                _type_of(names),
                "",
                cell(names.get("description", "")),
            ]
        values = child.get("additionalProperties")
        if isinstance(values, Mapping):
            yield [
                code(f"{child_path} (values)"),
                _type_of(values),
                "",
                cell("; ".join([values.get("description", "").rstrip("."), *_constraints(values)])),
            ]


def _version_key(folder: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in folder.name.split("."))


def _minor_changes() -> dict[str, list[str]]:
    """Version -> bullets of what its publish.json changes from the minor before it."""
    found = {}
    for version, (older, changes) in minor_changes(load_schemas(SCHEMA_DIR.parent)[0]).items():
        bullets = [f"- {code(instance_path(c.steps))}: {cell(c.detail)} ({code(c.kind.name)})"
                   for c in changes]  # fmt: skip
        found[version] = [f"Changes from {older} (checked by `make compat`):", "", *bullets, ""]
    return found


class SchemaDirective(MarkdownDirective):
    """For each format version (newest first): what it changes from the minor before it, then
    the publish and consume field tables."""

    def markdown(self) -> list[str]:
        lines: list[str] = []
        folders = sorted(
            (p for p in SCHEMA_DIR.iterdir() if re.fullmatch(r"\d+\.\d+", p.name)),
            key=_version_key,
            reverse=True,
        )
        changes = _minor_changes()
        for folder in folders:
            lines += [f"### Format {folder.name}", "", *changes.get(folder.name, [])]
            for kind, intro in (
                ("publish", "What a publisher must emit (the canonical form)."),
                ("consume", "What a consumer must accept: the canonical form plus legacy shapes."),
            ):
                path = folder / f"{kind}.json"
                self.env.note_dependency(str(path))
                schema = json.loads(path.read_text(encoding="utf-8"))
                relative = path.relative_to(ROOT).as_posix()
                lines += [f"#### `{relative}`", "", intro, ""]
                lines += table(
                    ["Field", "Type", "Required", "Rules"], _field_rows(schema, schema, "")
                )
                lines += [
                    "",
                    "```{literalinclude} " + self.from_srcdir(path),
                    ":language: json",
                    "```",
                    "",
                ]
        return lines


def result_files(directory: Path = RESULTS_DIR) -> list[Path]:
    """Every stored result, one file per benchmark (each holds that benchmark's latest run)."""
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(value, Mapping):
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, child in value.items():
        flat.update(_flatten(child, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def _rows_of(data: Any) -> list[dict[str, Any]]:
    """Rows of a result: a list of records, or the largest mapping of name -> record."""
    if isinstance(data, list) and data and all(isinstance(row, Mapping) for row in data):
        return [_flatten(row) for row in data]
    if not isinstance(data, Mapping):
        return []
    groups = [
        value
        for value in data.values()
        if isinstance(value, Mapping)
        and value
        and all(isinstance(v, Mapping) for v in value.values())
    ]
    lists = [_rows_of(value) for value in data.values() if isinstance(value, list)]
    best = max([len(g) for g in groups] + [len(rows) for rows in lists] + [0])
    for rows in lists:
        if rows and len(rows) == best:
            return rows
    for group in groups:
        if len(group) == best:
            return [{"name": name, **_flatten(record)} for name, record in group.items()]
    return []


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class BenchmarksDirective(MarkdownDirective):
    """Each `tools/bench/results/*.json` as a table (or as JSON); a how-to when there is none."""

    def markdown(self) -> list[str]:
        if RESULTS_DIR.is_dir():
            self.env.note_dependency(str(RESULTS_DIR))
        files = result_files()
        if not files:
            return [
                "No results are stored in `tools/bench/results/` yet. Run `make bench` to produce"
                " them;",
                "the next documentation build shows them here.",
            ]
        lines: list[str] = []
        for path in files:
            self.env.note_dependency(str(path))
            data = json.loads(path.read_text(encoding="utf-8"))
            relative = path.relative_to(ROOT).as_posix()
            lines += [f"### `{relative}`", ""]
            if isinstance(data, Mapping):
                context = [
                    f"{k}: {code(v)}" for k, v in data.items() if not isinstance(v, (Mapping, list))
                ]
                lines += ["; ".join(context), ""] if context else []
            rows = _rows_of(data)
            if rows:
                headers = list(dict.fromkeys(key for row in rows for key in row))
                body = [[cell(_number(row.get(key, ""))) for key in headers] for row in rows]
                lines += [*table([cell(h) for h in headers], body), ""]
            else:
                include = "```{literalinclude} " + self.from_srcdir(path)
                lines += [include, ":language: json", "```", ""]
        return lines


class CommandLineDirective(MarkdownDirective):
    """The help of `taskhawk` and of each of its commands, as the installed command prints it
    (80 columns), so the reference lists every option with its explanation, choices and default.
    """

    def markdown(self) -> list[str]:
        parser = build_parser()
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        lines: list[str] = []
        previous = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "80"  # argparse wraps to the terminal; pages need one width
        try:
            for name, command in [("taskhawk", parser), *commands.choices.items()]:
                title = name if name == "taskhawk" else f"taskhawk {name}"
                text = command.format_help().rstrip()
                lines += [f"### `{title}`", "", "```text", text, "```", ""]
        finally:
            if previous is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = previous
        return lines


class ExitStatusDirective(MarkdownDirective):
    """The exit statuses every command shares, from the same list as `--help` prints."""

    def markdown(self) -> list[str]:
        rows = [(str(status), cell(meaning)) for status, meaning in EXIT_STATUS_MEANINGS]
        return table(("status", "meaning"), rows)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("taskhawk-settings", SettingsDirective)
    app.add_directive("taskhawk-schema", SchemaDirective)
    app.add_directive("taskhawk-benchmarks", BenchmarksDirective)
    app.add_directive("taskhawk-cli", CommandLineDirective)
    app.add_directive("taskhawk-exit-statuses", ExitStatusDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
