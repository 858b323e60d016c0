"""Turns the JSON Schema files in schema/ into the generated package taskhawk/_generated/.

Development-time only: the runtime never imports this package, jinja2 or the generators.
"""

from codegen.generate import GeneratedFile, SchemaProblem, generate_package

__all__ = ["GeneratedFile", "SchemaProblem", "generate_package"]
