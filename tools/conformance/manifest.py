"""MANIFEST.json: SHA-256 digests of every corpus file, so another repository can pin the corpus.

`files` maps paths (from the repository root) to digests; `corpus_sha256` is the digest of the
`sha256sum`-style listing `<digest>  <path>\\n`, sorted by path: one value to pin.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tools.conformance import CONTRACT_DIR, ROOT

__all__ = ["MANIFEST", "build_manifest", "corpus_files", "manifest_problems", "write_manifest"]

MANIFEST = CONTRACT_DIR / "MANIFEST.json"
_DESCRIPTION = (
    "SHA-256 of every file of the Taskhawk contract corpus (vectors, publisher cases, their"
    " meta-schemas, the message and pointer schemas). Regenerate:"
    " python -m tools.conformance manifest --write"
)


def corpus_files(root: Path = ROOT) -> list[Path]:
    contract = root / "contract-tests"
    found = [*contract.glob("*.schema.json"), *contract.glob("v[0-9]*/*/*.json")]
    found += (root / "schema" / "message").glob("*/*.json")
    found += [
        *contract.glob("large-payload/*.json"),
        *(root / "schema").glob("payload-pointer/*/*.json"),
    ]
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


def build_manifest(root: Path = ROOT) -> dict[str, Any]:
    files = {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in corpus_files(root)
    }
    listing = "".join(f"{digest}  {path}\n" for path, digest in files.items())
    return {
        "description": _DESCRIPTION,
        "algorithm": "sha256",
        "corpus_sha256": hashlib.sha256(listing.encode("utf-8")).hexdigest(),
        "files": files,
    }


def write_manifest(root: Path = ROOT) -> None:
    text = json.dumps(build_manifest(root), indent=2) + "\n"
    (root / "contract-tests" / "MANIFEST.json").write_text(text, encoding="utf-8")


def manifest_problems(root: Path = ROOT) -> list[str]:
    path = root / "contract-tests" / "MANIFEST.json"
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return [f"{path}: cannot read ({error})"]
    actual = build_manifest(root)
    problems = [
        f"MANIFEST.json: {name} is {digest}, recorded {recorded['files'].get(name)}"
        for name, digest in actual["files"].items()
        if recorded.get("files", {}).get(name) != digest
    ]
    problems += [
        f"MANIFEST.json lists {name}, which is not a corpus file"
        for name in sorted(set(recorded.get("files", {})) - set(actual["files"]))
    ]
    if not problems and recorded != actual:
        problems.append("MANIFEST.json: description or corpus_sha256 out of date")
    return problems
