"""taskhawk-conformance, the installable kit (docs/conformance-kit.md): built from this repository,
installed into a fresh virtualenv without a package index, and run from a folder with no checkout
on its path, against this repository's testees and wrong ones."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.conformance import ROOT
from tools.conformance.kit_build import KIT_DIR, build_wheel, format_versions, kit_project

NODE = shutil.which("node")
GO = shutil.which("go")
GO_TESTEE = ROOT / "contract-tests" / "examples" / "go-testee"
NODE_TESTEE = ROOT / "contract-tests" / "runners" / "node" / "publisher-testee.mjs"
MUTANTS = ROOT / "contract-tests" / "runners" / "node" / "mutants.mjs"
FAILURES = ROOT / "contract-tests" / "failure-lists"
needs_node = pytest.mark.skipif(
    NODE is None or not (ROOT / "bindings" / "typescript" / "dist").is_dir(),
    reason="needs node and the built TypeScript package (make typescript)",
)


def library(module: str) -> list[str]:
    """A testee of this repository's library: a program of the team's, run by its own Python."""
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import runpy; runpy.run_module("
    return [sys.executable, "-c", f"{code}{module!r}, run_name='__main__')"]


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the installed console script, a working folder outside the checkout)."""
    base = tmp_path_factory.mktemp("kit")
    # Through pip and the kit's pyproject (its in-tree backend), as `make kit` users may build it.
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--quiet",
             "--wheel-dir", str(base / "dist"), str(KIT_DIR)]  # fmt: skip
    subprocess.run(build, check=True, env=_clean_env(), timeout=300)
    (wheel,) = (base / "dist").glob("taskhawk_conformance-*-py3-none-any.whl")
    # A virtualenv of its own, installed into by this interpreter's pip (`pip --python`):
    # seeding it with a pip of its own took most of this fixture's time and tested nothing.
    venv.EnvBuilder(with_pip=False).create(base / "venv")
    python = base / "venv" / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
               "--quiet", "--disable-pip-version-check", str(wheel)]  # fmt: skip
    subprocess.run(install, check=True, env=_clean_env(), timeout=300)
    (base / "work").mkdir()
    yield base / "venv" / "bin" / "taskhawk-conformance", base / "work"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}


def run(kit: tuple[Path, Path], *args: str) -> subprocess.CompletedProcess[str]:
    script, work = kit
    return subprocess.run(
        [str(script), *args], cwd=work, env=_clean_env(), capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip


def test_the_wheel_has_no_dependencies_and_carries_the_corpus(tmp_path: Path) -> None:
    wheel = tmp_path / build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("/METADATA"))).decode()
        modules = {n: archive.read(n).decode() for n in names if n.endswith(".py")}
    assert "Requires-Dist" not in metadata
    # The library's fast decode needs msgspec; the kit's copy of the wire layer does without.
    assert [n for n, text in modules.items() if "msgspec" in text] == []
    assert "taskhawk_conformance/_taskhawk/wire/codec.py" in names
    assert "taskhawk_conformance/corpus/contract-tests/MANIFEST.json" in names
    assert "taskhawk_conformance/corpus/contract-tests/v1/publish/trace-context.json" in names
    assert not [n for n in names if n.startswith(("tools/", "taskhawk/"))]


def test_the_version_names_the_newest_format_and_pins_the_corpus() -> None:
    project = kit_project()
    major_minor = ".".join(project["project"]["version"].split(".")[:2])
    assert major_minor == format_versions()[-1], "a new format version needs a new kit MINOR"
    manifest = json.loads((ROOT / "contract-tests" / "MANIFEST.json").read_text())
    recorded = project["tool"]["taskhawk-conformance"]["corpus_sha256"]
    assert recorded == manifest["corpus_sha256"], (
        f"the corpus changed: raise the version in {KIT_DIR.relative_to(ROOT)}/pyproject.toml "
        f"and record corpus_sha256 = {manifest['corpus_sha256']!r} there"
    )


def test_installed_without_a_checkout_it_reports_its_corpus(kit: tuple[Path, Path]) -> None:
    script, work = kit
    python = script.parent / "python"
    no_checkout = subprocess.run(
        [str(python), "-c", "import tools"], cwd=work, env=_clean_env(), capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    assert "No module named 'tools'" in no_checkout.stderr  # the checkout is not on its path
    done = run(kit, "corpus")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"message formats: {', '.join(format_versions())}" in done.stdout
    assert "site-packages" in done.stdout


@needs_node
def test_the_node_reference_testees_pass(kit: tuple[Path, Path]) -> None:
    done = run(kit, "publisher", "--min-protocol", "3", "--", str(NODE), str(NODE_TESTEE))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "NOTE publisher: the testee speaks protocol 3" in done.stdout
    assert done.stdout.splitlines()[-1].endswith("0 failed, 0 skipped")
    consumer = run(
        kit, "consumer", "--", str(NODE), str(NODE_TESTEE.parent / "consumer-testee.mjs")
    )
    assert consumer.returncode == 0, consumer.stdout[-3000:]


@needs_node
def test_a_wrong_publisher_fails_naming_the_case(kit: tuple[Path, Path]) -> None:
    wrong = [str(NODE), str(MUTANTS), "size-of-body-only"]
    done = run(kit, "publisher", "--junit", "report.xml", "--", *wrong)
    assert done.returncode == 1
    assert (
        "FAIL publish-0143-sqs-one-byte-over-the-limit: published a message; the input must "
        "be refused" in done.stdout
    )
    assert (kit[1] / "report.xml").read_text().count("<failure") >= 2


def test_the_library_publisher_and_consumer_pass(kit: tuple[Path, Path]) -> None:
    publisher = run(kit, "publisher", "--min-protocol", "3", "--failure-list",
                    str(FAILURES / "python-publisher.txt"), "--",
                    *library("tools.conformance.library_testee"))  # fmt: skip
    assert publisher.returncode == 0, publisher.stdout[-3000:]
    consumer = run(kit, "consumer", "--failure-list", str(FAILURES / "python-consumer.txt"), "--",
                   *library("tools.conformance.library_consumer_testee"))  # fmt: skip
    assert consumer.returncode == 0, consumer.stdout[-3000:]
    assert consumer.stdout.splitlines()[-1].endswith(" 0 failed, 0 skipped")


def test_a_consumer_that_only_parses_json_fails_naming_the_cases(
    kit: tuple[Path, Path], tmp_path: Path
) -> None:
    lenient = tmp_path / "lenient.py"
    lenient.write_text(
        "import base64, json, sys\n"
        "for line in sys.stdin:\n"
        "    request = json.loads(line)\n"
        "    if request['protocol'] != 1:\n"
        "        print(json.dumps({'id': request['id'], 'error': 'protocol?'}), flush=True)\n"
        "        continue\n"
        "    try:\n"
        "        body = json.loads(base64.b64decode(request['payload_base64']))\n"
        "        valid = isinstance(body, dict) and 'task' in body\n"
        "    except ValueError:\n"
        "        valid = False\n"
        "    print(json.dumps({'id': request['id'], 'valid': valid, 'decoded': {}}), flush=True)\n"
    )
    done = run(kit, "consumer", "--", sys.executable, str(lenient))
    assert done.returncode == 1
    assert (
        "FAIL reject-0041-duplicate-key: verdict: accepted; the message is invalid at $ "
        "(decision duplicate-keys)" in done.stdout
    )
    assert "FAIL accept-0017-legacy-missing-args: decoded $.id: missing" in done.stdout


@pytest.mark.skipif(GO is None, reason="needs go")
def test_the_go_example_testee_passes_what_it_builds(
    kit: tuple[Path, Path], tmp_path: Path
) -> None:
    """The docs page's example: built, negotiated (protocol 2), and passing the plain
    publishes and every destination as documented."""
    binary = tmp_path / "testee"
    build = [str(GO), "build", "-o", str(binary), "."]
    subprocess.run(
        build, cwd=GO_TESTEE, check=True, timeout=300, env={**_clean_env(), "GOFLAGS": "-mod=mod"}
    )
    cases = ["--case", "publish-00[01]*", "--case", "publish-004[4-9]-*", "--case",
             "publish-005[0-4]-*"]  # fmt: skip
    done = run(kit, "publisher", *cases, "--", str(binary))
    assert done.returncode == 0, done.stdout[-3000:]
    assert "NOTE publisher: the testee speaks protocol 2" in done.stdout
    assert done.stdout.splitlines()[-1] == "publisher: 31 passed, 0 failed, 0 skipped"
    everything = run(kit, "publisher", "--", str(binary))
    assert everything.returncode == 1  # the rest is a real publisher's to pass
    assert "FAIL publish-0080-sqs-body-over-limit: published a message" in everything.stdout
