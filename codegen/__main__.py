"""`python -m codegen [--check]`: write taskhawk/_generated/, or fail when it has drifted."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen.errors import GenerationFailed
from codegen.generate import generate_package
from codegen.output import compare_tree, write_tree

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--schema-dir", type=Path, default=ROOT / "schema")
    parser.add_argument("--out", type=Path, default=ROOT / "taskhawk" / "_generated")
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory and exit 1 if the committed output differs",
    )
    options = parser.parse_args(argv)
    try:
        files = generate_package(options.schema_dir)
    except GenerationFailed as failure:
        print(f"codegen: {failure}", file=sys.stderr)
        return 2
    if options.check:
        differences = compare_tree(files, options.out)
        for line in differences:
            print(line, file=sys.stderr)
        if differences:
            print("codegen: generated code is out of date; run `make generate`", file=sys.stderr)
            return 1
        print(f"codegen: {len(files)} generated files match schema/")
        return 0
    write_tree(files, options.out)
    print(f"codegen: wrote {len(files)} files to {options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
