"""Building `taskhawk-conformance`, the contract suite as one wheel another repository installs
(contract-tests/kit/, docs/conformance-kit.md).

The wheel is assembled from this repository at build time, so it can never drift from it: the
harness modules of tools/conformance that run a testee (the publisher suite and the consumer
vectors), the pure part of the library they check messages with (the wire format and the
validators generated from schema/, the transport's limits and names), with imports moved under
`taskhawk_conformance`, and the corpus (every file MANIFEST.json pins, with the READMEs) as
package data. All of it needs the standard library alone, which the build checks. The wheel is
written with `zipfile` (contract-tests/kit/build_backend.py is the PEP 517 hook), so building
needs nothing from a package index either.

    python -m tools.conformance.kit_build DIR    (writes the wheel into DIR)
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from tools.conformance import CONTRACT_DIR, ROOT
from tools.conformance.manifest import MANIFEST, corpus_files

if sys.version_info >= (3, 11):
    import tomllib

__all__ = ["KIT_DIR", "PACKAGE", "build_wheel", "kit_project", "stage"]

KIT_DIR = CONTRACT_DIR / "kit"
PACKAGE = "taskhawk_conformance"
# What the kit runs a testee with: tools/conformance modules, and the library's pure modules.
HARNESS = ("case_results", "case_values", "consumer_suite", "corpus", "generated_values",
           "jsontext", "kit_cli", "manifest", "negotiation", "publisher_suite", "reply_checks",
           "report", "schema_checks", "size_fill", "suite_commands", "testee_process",
           "testee_session", "transport_checks")  # fmt: skip
LIBRARY = ("exceptions.py", "priority.py", "_generated", "wire", "transport/__init__.py",
           "transport/limits.py", "transport/naming.py")  # fmt: skip
# The library's typed fast decode needs msgspec. The kit decodes by the strict path alone, which
# gives every verdict (the fast path only ever answers what the strict path would): its copy of
# wire/fast_decode.py vouches for nothing, and the Structs that module reads are left out.
LEFT_OUT = ("_generated/structs.py",)
_FAST_DECODE = "wire/fast_decode.py"
_NO_FAST_DECODE = '''"""The kit's fast decode vouches for nothing: every message takes the strict
path (wire/codec.py), which alone gives verdicts, and the kit needs nothing installed."""

from __future__ import annotations

from taskhawk_conformance._taskhawk._generated import Message

__all__ = ["fast_decode"]


def fast_decode(text: str) -> Message | None:
    """None: the strict path decodes `text`."""
    return None
'''
DOCUMENTS = ("contract-tests/README.md", "schema/README.md")
_IMPORT = re.compile(r"^(\s*)from (tools\.conformance|taskhawk)(\.| import )", re.M)
# A module-level import the kit cannot satisfy (a lazy one, in a function the kit never calls,
# such as Corpus.problems's jsonschema, is left: it says why where it stands).
_FOREIGN = re.compile(r"^(from|import) (tools|taskhawk|codegen|jsonschema|msgspec)\b", re.M)
_INIT = '''"""taskhawk-conformance {version}: the Taskhawk contract suite (publisher testees and
consumer vectors) for message formats {formats}, built from the taskhawk repository. `corpus/`
holds the cases; `corpus/contract-tests/README.md` describes the testee protocols."""

from pathlib import Path

__all__ = ["CONTRACT_DIR", "CORPUS_SHA256", "FORMAT_VERSIONS", "ROOT", "SCHEMA_DIR", "VERSION"]

ROOT = Path(__file__).resolve().parent / "corpus"
CONTRACT_DIR = ROOT / "contract-tests"
SCHEMA_DIR = ROOT / "schema"
VERSION = {version!r}
FORMAT_VERSIONS = {formats_tuple!r}
CORPUS_SHA256 = {corpus!r}
'''


def kit_project() -> dict[str, Any]:
    """contract-tests/kit/pyproject.toml, parsed (building the kit needs Python 3.11+)."""
    if sys.version_info >= (3, 11):
        with (KIT_DIR / "pyproject.toml").open("rb") as file:
            return tomllib.load(file)
    raise RuntimeError("building taskhawk-conformance needs Python 3.11 or newer (tomllib)")


def format_versions() -> tuple[str, ...]:
    found = {path.parent.name for path in (ROOT / "schema" / "message").glob("*/publish.json")}
    return tuple(sorted(found, key=lambda v: tuple(int(part) for part in v.split("."))))


def stage(out: Path) -> Path:
    """Write the package tree under `out`; its folder."""
    package = out / PACKAGE
    shutil.rmtree(package, ignore_errors=True)
    (package / "_taskhawk").mkdir(parents=True)
    for name in HARNESS:
        _copy(ROOT / "tools" / "conformance" / f"{name}.py", package / f"{name}.py")
    for part in LIBRARY:
        for source in _python_files(ROOT / "taskhawk" / part):
            name = source.relative_to(ROOT / "taskhawk").as_posix()
            if name not in (*LEFT_OUT, _FAST_DECODE):
                _copy(source, package / "_taskhawk" / name)
    (package / "_taskhawk" / _FAST_DECODE).write_text(_NO_FAST_DECODE, encoding="utf-8")
    (package / "_taskhawk" / "__init__.py").write_text(
        '"""The pure part of the taskhawk library the kit checks messages with (a copy)."""\n'
    )
    for path in [*corpus_files(), MANIFEST, *(ROOT / d for d in DOCUMENTS)]:
        target = package / "corpus" / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (package / "__init__.py").write_text(_init_text())
    (package / "__main__.py").write_text(
        "import sys\n\nfrom taskhawk_conformance.kit_cli import main\n\nsys.exit(main())\n"
    )
    return package


def _python_files(path: Path) -> list[Path]:
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _copy(source: Path, target: Path) -> None:
    """A module with its imports moved under the package; anything left outside it is refused."""
    under = {"tools.conformance": PACKAGE, "taskhawk": f"{PACKAGE}._taskhawk"}
    text = _IMPORT.sub(
        lambda m: f"{m[1]}from {under[m[2]]}{m[3]}", source.read_text(encoding="utf-8")
    )
    foreign = _FOREIGN.search(text)
    if foreign:
        raise RuntimeError(f"{source.relative_to(ROOT)} imports {foreign[0].strip()!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _init_text() -> str:
    project = kit_project()
    formats = format_versions()
    corpus = re.search(r'"corpus_sha256": "([0-9a-f]{64})"', MANIFEST.read_text())
    return _INIT.format(
        version=project["project"]["version"],
        formats=", ".join(formats),
        formats_tuple=formats,
        corpus=corpus[1] if corpus else "",
    )


def build_wheel(wheel_directory: Path) -> str:
    """Stage and zip the wheel into `wheel_directory`; its file name (PEP 517's answer)."""
    project = kit_project()["project"]
    name, version = project["name"].replace("-", "_"), project["version"]
    wheel_name = f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    with tempfile.TemporaryDirectory() as staging:
        package = stage(Path(staging))
        files = {
            path.relative_to(package.parent).as_posix(): path.read_bytes()
            for path in sorted(package.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts
        }
    files[f"{info}/METADATA"] = _metadata(project).encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tools.conformance.kit_build\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n"
    )
    scripts = "".join(f"{k} = {v}\n" for k, v in project.get("scripts", {}).items())
    files[f"{info}/entry_points.txt"] = f"[console_scripts]\n{scripts}".encode()
    wheel_directory.mkdir(parents=True, exist_ok=True)
    _write_zip(wheel_directory / wheel_name, files, f"{info}/RECORD")
    return wheel_name


def _metadata(project: dict[str, Any]) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project['description']}",
        f"Requires-Python: {project['requires-python']}",
        f"License: {project['license']['text']}",
        *(f"Requires-Dist: {dependency}" for dependency in project.get("dependencies", [])),
        "Description-Content-Type: text/markdown",
    ]
    readme = (KIT_DIR / str(project["readme"])).read_text(encoding="utf-8")
    return "\n".join(lines) + "\n\n" + readme


def _write_zip(path: Path, files: dict[str, bytes], record: str) -> None:
    """The wheel, with RECORD listing every file's digest (fixed dates: reproducible)."""
    rows = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            rows.append(f"{name},sha256={digest.decode()},{len(data)}")
            wheel.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
        rows.append(f"{record},,")
        wheel.writestr(zipfile.ZipInfo(record, (2020, 1, 1, 0, 0, 0)), "\n".join(rows) + "\n")


if __name__ == "__main__":
    print(build_wheel(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "kit"))
