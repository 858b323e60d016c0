"""jinja2 templates that wrap generated code: the header, the modules and the registry."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import jinja2

from codegen.pinned_tools import run_pinned_tool
from codegen.schemas import SchemaFile
from codegen.structs import StructModule
from codegen.validators import ValidatorSource

__all__ = ["GeneratorVersions", "Renderer", "format_python", "template_environment"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class GeneratorVersions:
    datamodel_code_generator: str

    @classmethod
    def installed(cls) -> GeneratorVersions:
        return cls(version("datamodel-code-generator"))


def template_environment() -> jinja2.Environment:
    """codegen/templates as every generator renders them: strict about undefined names, and
    nothing escaped (the output is code, not HTML)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )


class Renderer:
    def __init__(self, generators: GeneratorVersions) -> None:
        self.generators = generators
        self.env = template_environment()

    def _render(self, template: str, **context: object) -> str:
        return self.env.get_template(template).render(generators=self.generators, **context)

    def errors_module(self) -> str:
        return self._render("errors.py.jinja")

    def models_module(self, schema: SchemaFile, body: str) -> str:
        return self._render("models.py.jinja", schema=schema, body=body)

    def validator_module(self, schema: SchemaFile, source: ValidatorSource) -> str:
        return self._render(
            "validator.py.jinja",
            schema=schema,
            compiled=source.compiled,
            helpers=source.helpers,
            uses_re=source.uses_re,
        )

    def structs_module(self, module: StructModule, sources: list[SchemaFile]) -> str:
        return self._render("structs.py.jinja", module=module, sources=sources)

    def registry_module(self, publish: list[SchemaFile], sources: list[SchemaFile]) -> str:
        return self._render(
            "registry.py.jinja",
            versions=publish,
            latest=publish[-1],
            sources=sorted(sources, key=lambda s: s.relative_path),
        )


def format_python(text: str) -> str:
    """Sort imports and format with the pinned ruff, so output passes the project's lint."""
    sorted_imports = _ruff(["check", "--fix-only", "--quiet", "--select", "I", "--exit-zero"], text)
    return _ruff(["format"], sorted_imports)


def _ruff(arguments: list[str], text: str) -> str:
    # Run from the repository root so ruff reads the project's configuration.
    stdin_name = ["--stdin-filename", "taskhawk/_generated/module.py", "-"]
    return run_pinned_tool("ruff", [*arguments, *stdin_name], stdin=text, cwd=ROOT)
