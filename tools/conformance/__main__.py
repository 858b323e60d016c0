"""`python -m contract_tests ...`: see contract-tests/README.md."""

from __future__ import annotations

import sys

from contract_tests.cli import main

__all__: list[str] = []

sys.exit(main())
