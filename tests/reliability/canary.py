"""A module no task lives in. Importing it leaves a mark, so a test can prove that a message
naming `tests.reliability.canary.<anything>` never made a consumer import it. Tests must not
import it themselves (hostile_cases.CANARY_MARK is the mark's name)."""

from __future__ import annotations

import os
from pathlib import Path

IMPORTED_MARK = "canary-imported"  # == hostile_cases.CANARY_MARK

_state = os.environ.get("TASKHAWK_REL_STATE")
if _state:
    (Path(_state) / IMPORTED_MARK).write_text(str(os.getpid()))


def boom() -> None:
    raise AssertionError("a message ran a function that is not a registered task")
