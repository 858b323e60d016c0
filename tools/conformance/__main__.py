"""`python -m tools.conformance ...`: see contract-tests/README.md."""

from __future__ import annotations

import sys

from tools.conformance.command_line import main

__all__: list[str] = []

sys.exit(main())
