"""Development tools of the taskhawk repository; none of them ship.

`conformance` runs the cross-language contract suite in contract-tests/, `bench` the benchmarks
and `demo` what `make demo` shows. The distribution packages only `taskhawk*` (pyproject.toml),
so nothing here reaches users, and the library never imports it.
"""

from pathlib import Path

__all__ = ["ROOT"]

# The repository root: every path a tool writes or reports is relative to it.
ROOT = Path(__file__).resolve().parent.parent
