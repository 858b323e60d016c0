"""The schema compatibility checker (`make compat`): structural comparison finds the changes
between schema files, and a counterexample message, confirmed by two validators, proves each
breaking one. schema/README.md, "Versioning", has the rules it enforces."""

from codegen.compat.changes import Change, Kind
from codegen.compat.outcomes import Outcome, Section

__all__ = ["Change", "Kind", "Outcome", "Section"]
