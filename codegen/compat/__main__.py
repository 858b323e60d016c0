"""`python -m codegen.compat [--against REF]`: check schema/ for changes that would break a
running fleet. Exit 0 when there are none, 1 when there are (each proved by a counterexample
where one exists), 2 when the check cannot run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen.compat.git import default_ref
from codegen.compat.released import check_released
from codegen.compat.report import render
from codegen.compat.tree import check_tree
from codegen.errors import ReleasedSchemasUnavailable
from codegen.schemas import load_schemas

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen.compat", description=__doc__)
    parser.add_argument("--schema-dir", type=Path, default=ROOT / "schema")
    parser.add_argument(
        "--against",
        metavar="REF",
        help="git ref whose schema files count as released (default: the last commit on main "
        "that touched the schema directory)",
    )
    options = parser.parse_args(argv)
    files, problems = load_schemas(options.schema_dir)
    if problems:
        for problem in problems:
            print(f"compat: {problem}", file=sys.stderr)
        return 2
    try:
        ref = options.against or default_ref(options.schema_dir)
        label = options.against or "the last commit on main that touched schema/"
        sections = [*check_tree(files), check_released(options.schema_dir, ref, files, label)]
    except ReleasedSchemasUnavailable as error:
        print(f"compat: {error}", file=sys.stderr)
        return 2
    lines = render(sections)
    print("\n".join(lines))
    return 1 if any(section.breaking for section in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
