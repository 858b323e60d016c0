"""The TypeScript package's generated sources (bindings/typescript/src/generated/), from the same
schema files as the Python package: types, compiled validators, and the wire and transport rules.

Development-time only, like the rest of codegen: the output is plain TypeScript that needs no
validation library at run time.
"""

from codegen.typescript.package import generate_typescript

__all__ = ["generate_typescript"]
