"""The two validators every counterexample must convince: the reference validator (jsonschema,
Draft 2020-12, `pattern` as ECMA-262) and the validator codegen compiles from the same document,
loaded in memory exactly as `make generate` would write it. They must agree; when they do not,
that is a bug in codegen, reported as such and never used as evidence."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from codegen.reference_validator import reference_validator
from codegen.render import GeneratorVersions, Renderer
from codegen.schemas import SchemaFile
from codegen.validators import compile_schema

__all__ = ["Judge", "Verdict"]


@dataclass(frozen=True)
class Verdict:
    """What both validators say about one instance, with the first reason each gives."""

    reference: bool
    generated: bool
    reference_reason: str = ""
    generated_reason: str = ""
    reference_path: str = ""

    @property
    def agreed(self) -> bool:
        return self.reference == self.generated

    @property
    def valid(self) -> bool:
        return self.reference and self.generated


class Judge:
    """Both validators for one schema file, the generated one compiled on first use."""

    def __init__(self, schema: SchemaFile) -> None:
        self.schema = schema
        self.reference = reference_validator(schema.document)

    @cached_property
    def _generated(self) -> Callable[[Any], Iterator[Any]]:
        source = compile_schema(self.schema)
        text = Renderer(GeneratorVersions.installed()).validator_module(self.schema, source)
        namespace: dict[str, Any] = {"__name__": f"compat_{self.schema.module_suffix}"}
        exec(compile(text, f"<{self.schema.relative_path}>", "exec"), namespace)
        iter_errors: Callable[[Any], Iterator[Any]] = namespace["iter_errors"]
        return iter_errors

    def accepts(self, instance: Any) -> bool:
        """The reference validator's verdict alone: cheap, for screening candidates."""
        return bool(self.reference.is_valid(instance))

    def verdict(self, instance: Any) -> Verdict:
        reference = sorted(self.reference.iter_errors(instance), key=lambda e: e.json_path)
        generated = list(self._generated(instance))
        return Verdict(
            not reference,
            not generated,
            f"{reference[0].json_path}: {reference[0].message}" if reference else "",
            str(generated[0]) if generated else "",
            reference[0].json_path if reference else "",
        )
