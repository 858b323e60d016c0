"""OpenTelemetry is optional: without `opentelemetry-api` nothing of it is imported and no span
is made; with it, importing taskhawk imports none of it until a message is dispatched or
consumed with TASKHAWK_OPENTELEMETRY on. Each case runs in a fresh interpreter, since a module
once imported stays in `sys.modules`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.support.worker_rig import ROOT

# Makes `opentelemetry` unimportable, as in an environment without the [otel] extra.
BLOCK = """
import importlib.abc, sys
class NoOpenTelemetry(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, NoOpenTelemetry())
"""

# Imports taskhawk, then dispatches and consumes one message through the in-memory transport;
# prints which opentelemetry modules were imported after each step, and the attributes sent.
SCRIPT = """
import json, sys
def otel():
    return sorted(name for name in sys.modules if name.startswith("opentelemetry"))
import taskhawk
after_import = otel()
from taskhawk.consume.sqs import Consumer
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
taskhawk.configure(TASKHAWK_QUEUE="OPT", TASKHAWK_OPENTELEMETRY=ON)
ran = []
@taskhawk.task(name="opt.work")
def work(value: int) -> None:
    ran.append(value)
memory = MemoryTransport()
memory.create_queue("TASKHAWK-OPT")
with use_transport(memory):
    work.dispatch(7)
    Consumer([taskhawk.Priority.default]).poll(0, 0)
print(json.dumps({"after_import": after_import, "after_use": otel(), "ran": ran,
                  "attributes": dict(memory.sent[0][1].attributes)}))
"""


def run(*, blocked: bool, on: bool) -> dict[str, object]:
    code = (BLOCK if blocked else "") + SCRIPT.replace("=ON", f"={on}")
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_without_the_package_nothing_is_imported_and_the_message_has_no_context() -> None:
    result = run(blocked=True, on=True)
    assert result["after_import"] == [] and result["after_use"] == []
    assert result["ran"] == [7]
    assert result["attributes"] == {"taskhawk_task": "opt.work"}


def test_with_the_package_importing_taskhawk_imports_none_of_it() -> None:
    result = run(blocked=False, on=True)
    assert result["after_import"] == []
    assert "opentelemetry.trace" in result["after_use"]  # type: ignore[operator]
    assert result["ran"] == [7]


def test_turned_off_nothing_is_imported_even_with_the_package_installed() -> None:
    result = run(blocked=False, on=False)
    assert result["after_import"] == [] and result["after_use"] == []
    assert result["attributes"] == {"taskhawk_task": "opt.work"}
