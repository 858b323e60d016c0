"""`python -m codegen [--check]`: write taskhawk/_generated/, the TypeScript package's
bindings/typescript/src/generated/, the Go package's bindings/go/wire/*_gen.go and the AsyncAPI
description asyncapi/, or fail when any has drifted from schema/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen.asyncapi import generate_asyncapi
from codegen.errors import GenerationFailed
from codegen.generate import GeneratedFile, generate_package
from codegen.golang import generate_go
from codegen.golang.package import GO_SUFFIX
from codegen.output import compare_tree, write_tree
from codegen.typescript import generate_typescript

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--schema-dir", type=Path, default=ROOT / "schema")
    parser.add_argument("--out", type=Path, default=ROOT / "taskhawk" / "_generated")
    parser.add_argument(
        "--ts-out", type=Path, default=ROOT / "bindings" / "typescript" / "src" / "generated"
    )
    parser.add_argument("--go-out", type=Path, default=ROOT / "bindings" / "go" / "wire")
    parser.add_argument("--asyncapi-out", type=Path, default=ROOT / "asyncapi")
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory and exit 1 if the committed output differs",
    )
    options = parser.parse_args(argv)
    try:
        trees = [
            (generate_package(options.schema_dir), options.out, ".py"),
            (generate_typescript(options.schema_dir), options.ts_out, ".ts"),
            (generate_go(options.schema_dir), options.go_out, GO_SUFFIX),
            (generate_asyncapi(options.schema_dir), options.asyncapi_out, ".json"),
        ]
    except GenerationFailed as failure:
        print(f"codegen: {failure}", file=sys.stderr)
        return 2
    return _check(trees) if options.check else _write(trees)


def _check(trees: list[tuple[list[GeneratedFile], Path, str]]) -> int:
    differences = [
        line for files, out, suffix in trees for line in compare_tree(files, out, suffix)
    ]
    for line in differences:
        print(line, file=sys.stderr)
    if differences:
        print("codegen: generated code is out of date; run `make generate`", file=sys.stderr)
        return 1
    count = sum(len(files) for files, _, _ in trees)
    print(f"codegen: {count} generated files match schema/")
    return 0


def _write(trees: list[tuple[list[GeneratedFile], Path, str]]) -> int:
    for files, out, suffix in trees:
        write_tree(files, out, suffix)
        print(f"codegen: wrote {len(files)} files to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
