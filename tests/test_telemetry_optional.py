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


# With the API and no SDK: no span is made, but the context passes through, as a no-op span
# would pass it: a dispatch made under a context carries it, and a task runs under its message's
# (so what it dispatches carries that on).
PASS_THROUGH = """
import json
from opentelemetry import context, propagate, trace
import taskhawk
from taskhawk.consume.sqs import Consumer
from taskhawk.transport import Destination, OutgoingMessage
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
INCOMING = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
taskhawk.configure(TASKHAWK_QUEUE="OPT")
seen = []
@taskhawk.task(name="opt.inner")
def inner() -> None:
    pass
@taskhawk.task(name="opt.outer")
def outer() -> None:
    seen.append(format(trace.get_current_span().get_span_context().span_id, "016x"))
    inner.dispatch()
memory = MemoryTransport()
memory.create_queue("TASKHAWK-OPT")
with use_transport(memory):
    token = context.attach(propagate.extract({"traceparent": INCOMING}))
    outer.dispatch()
    context.detach(token)
    Consumer([taskhawk.Priority.default]).poll(0, 0)
print(json.dumps({"sent": [dict(o.attributes) for _, o in memory.sent], "seen": seen,
                  "provider": type(trace.get_tracer_provider()).__name__}))
"""


def test_without_an_sdk_no_span_is_made_but_the_context_passes_through() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PASS_THROUGH],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert result["provider"] == "ProxyTracerProvider"
    assert [sent.get("traceparent") for sent in result["sent"]] == [incoming, incoming]
    assert result["seen"] == ["b7ad6b7169203331"]
