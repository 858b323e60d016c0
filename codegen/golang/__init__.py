"""The Go package's generated sources (bindings/go/wire/), from the same schema files as the
Python and TypeScript packages: message types, compiled validators, and the wire and transport
rules.

Development-time only, like the rest of codegen: the output is plain Go that needs nothing but
the standard library at run time.
"""

from codegen.golang.package import generate_go

__all__ = ["generate_go"]
