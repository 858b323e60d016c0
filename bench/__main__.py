"""`python -m bench [codec]`: run one section, or every section when none is named."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bench import codec

SECTIONS: dict[str, Callable[[], int]] = {"codec": codec.main}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("sections", nargs="*", metavar="section", help=f"one of {list(SECTIONS)}")
    chosen = parser.parse_args(argv).sections or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; choose from {list(SECTIONS)}")
    return max(SECTIONS[name]() for name in chosen)


if __name__ == "__main__":
    sys.exit(main())
