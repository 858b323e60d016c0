"""Harness for the cross-language contract suite in contract-tests/.

Runs the consumer vectors through the reference oracle and the generated code, drives publisher
testees in any language over the line protocol in contract-tests/README.md, replays old vectors
against newer schemas and keeps the corpus pinned by MANIFEST.json. A development tool: it is not
part of the taskhawk distribution.
"""

from __future__ import annotations

from tools import ROOT

__all__ = ["CONTRACT_DIR", "FAILURE_LISTS", "ROOT", "SCHEMA_DIR"]

CONTRACT_DIR = ROOT / "contract-tests"
SCHEMA_DIR = ROOT / "schema"
FAILURE_LISTS = CONTRACT_DIR / "failure-lists"
