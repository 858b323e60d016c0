"""The wire and transport rules, shared by every language's generator: see codegen/wire_rules.py."""

from codegen.wire_rules import WIRE_RULES, WireRules

__all__ = ["WIRE_RULES", "WireRules"]
