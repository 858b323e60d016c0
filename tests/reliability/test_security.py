"""Security properties: tasks come only from the registry of decorated functions (nothing a
message says is imported, evaluated or unpickled), secrets stay out of logs, reprs and errors,
decoding is bounded in memory, and the taskhawk_ header prefix is reserved."""

from __future__ import annotations

import ast
import json
import logging
import sys
import threading
import traceback
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk import Priority
from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from taskhawk.consume.sqs import Consumer
from taskhawk.exceptions import ValidationError
from taskhawk.registry import registered_tasks
from taskhawk.settings import get_settings
from taskhawk.transport import Destination, OutgoingMessage
from taskhawk.transport.aws import AWSTransport
from taskhawk.transport.current import use_transport
from taskhawk.transport.limits import SQS_MAX_BYTES as MAX_BODY_BYTES
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from taskhawk.wire import decode
from tests.conftest import SECRET_KEY, aws_settings, create_queues
from tests.reliability.conftest import memory_app
from tests.reliability.hostile_cases import CANARY_MARK, PWNED, hostile_cases
from tests.reliability.proxy import CountingProxy
from tests.reliability.tasks import EVENTS, record
from tests.support.figures import record_figures
from tests.support.hostile import GOOD

ROOT = Path(__file__).resolve().parents[2]
APP = "DEV-SECURITY"
MAIN, DLQ = queue_name(APP, Priority.default), dead_letter_queue_name(APP, Priority.default)
SESSION_TOKEN = "test-session-token-never-logged"

# What running, importing or unpickling something named by a message would raise.
DANGEROUS_EVENTS = frozenset(
    {"import", "exec", "compile", "pickle.find_class", "marshal.loads", "os.system",
     "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "ctypes.dlopen"}
)  # fmt: skip


class _Audit:
    """One process-wide audit hook (they cannot be removed), recording only while armed."""

    def __init__(self) -> None:
        self.armed = False
        self.events: list[tuple[str, str]] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.armed and event in DANGEROUS_EVENTS:
            self.events.append((event, repr(args)[:200]))


_audit: _Audit | None = None


@pytest.fixture
def audit() -> Iterator[_Audit]:
    global _audit  # noqa: PLW0603 - one hook per process, installed on first use
    if _audit is None:
        _audit = _Audit()
    _audit.events.clear()
    yield _audit
    _audit.armed = False


@pytest.fixture
def memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryTransport]:
    with memory_app(APP, tmp_path, monkeypatch, backoff_s=1) as transport:
        yield transport


def consume_all(transport: MemoryTransport) -> None:
    consumer = Consumer([Priority.default], num_messages=10)
    while transport.bodies(MAIN) and consumer.poll(0, wait_s=0):
        pass


def put(transport: MemoryTransport, body: str, attributes: dict[str, str] | None = None) -> None:
    transport.send(Destination("queue", MAIN), [OutgoingMessage("m", body, attributes or {})])


def names_an_unregistered_task(body: str) -> bool:
    try:
        message = decode(body)
    except ValidationError:
        return False
    return message.task not in registered_tasks()


CORPUS_ATTACKS = ("corpus:import-path-task", "corpus:dunder-task", "corpus:unknown-task")
NEAR_NAMES = ("rel.record ", "REL.RECORD", "tests.reliability.tasks.record", "record", "rel")


def test_a_message_can_only_name_a_registered_task(
    memory: MemoryTransport, audit: _Audit, tmp_path: Path
) -> None:
    put(memory, json.dumps({**GOOD, "task": "nobody"}))
    record.dispatch(0)  # warm up: every module the consumer needs is imported by now
    consume_all(memory)
    attacks = [
        case
        for case in hostile_cases(tmp_path)
        if case.name in CORPUS_ATTACKS or not case.name.startswith(("corpus:", "hypothesis:"))
    ]
    for case in attacks:
        put(memory, str(case.body), case.attributes)
    for name in NEAR_NAMES:  # near a registered name is not a registered name
        put(memory, json.dumps({**GOOD, "task": name}))
    expected = len(memory.bodies(MAIN))
    audit.armed = True
    consume_all(memory)
    audit.armed = False

    reasons = [attributes[REASON_ATTRIBUTE] for attributes in memory.attributes(DLQ)][1:]
    unknown = sum(reason.startswith("unknown task: ") for reason in reasons)
    figures = {"messages": expected, "dead_lettered": len(reasons), "unknown_task": unknown,
               "dangerous_audit_events": len(audit.events)}  # fmt: skip
    record_figures("registry_only", figures)
    assert audit.events == []
    assert len(reasons) == expected and memory.bodies(MAIN) == []
    assert unknown == sum(names_an_unregistered_task(str(case.body)) for case in attacks) + len(
        NEAR_NAMES
    )
    assert "tests.reliability.canary" not in sys.modules
    assert not (tmp_path / PWNED).exists() and not (tmp_path / CANARY_MARK).exists()
    ran = [json.loads(line)["n"] for line in (tmp_path / EVENTS).read_text().splitlines()]
    assert ran == [0]  # only the warm-up dispatch of the registered task ran


FORBIDDEN_MODULES = frozenset(
    {"pickle", "_pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "jsonpickle",
     "yaml", "code", "codeop"}
)  # fmt: skip
FORBIDDEN_CALLS = frozenset({"eval", "exec", "compile", "__import__", "execfile"})
# Dynamic imports are for configuration only: settings modules, hooks and task modules named by
# the operator, never by a message.
IMPORTS_ALLOWED_IN = frozenset(
    {"taskhawk/settings/definitions.py", "taskhawk/importing.py", "taskhawk/consume/worker.py"}
)


def test_the_runtime_has_no_pickle_no_eval_and_imports_only_from_configuration() -> None:
    problems = []
    for path in sorted((ROOT / "taskhawk").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), name)):
            if isinstance(node, ast.Import):
                modules = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [(node.module or "").split(".")[0]]
            else:
                modules = []
            line = getattr(node, "lineno", 0)
            problems += [f"{name}:{line} imports {m}" for m in FORBIDDEN_MODULES & {*modules}]
            if isinstance(node, ast.Call):
                called = node.func
                if isinstance(called, ast.Name) and called.id in FORBIDDEN_CALLS:
                    problems.append(f"{name}:{node.lineno} calls {called.id}")
                if isinstance(called, ast.Attribute) and called.attr == "import_module":
                    if name not in IMPORTS_ALLOWED_IN:
                        problems.append(f"{name}:{node.lineno} calls import_module")
    assert problems == []


def test_secrets_never_appear_in_logs_reprs_or_errors(
    moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="taskhawk")
    proxy = CountingProxy(moto_endpoint)
    queue = "SECRETS"
    create_queues(moto_endpoint, queue)
    settings = aws_settings(moto_endpoint, queue, AWS_ENDPOINT_SQS=proxy.url,
                            AWS_SESSION_TOKEN=SESSION_TOKEN, AWS_READ_TIMEOUT_S=1,
                            AWS_CONNECT_TIMEOUT_S=1)  # fmt: skip
    taskhawk.configure(settings)
    texts = [repr(get_settings()), str(get_settings())]
    try:
        transport = AWSTransport(get_settings())
        texts.append(repr(transport))
        with use_transport(transport):
            stopped = threading.Event()
            stopped.set()  # the consumer's pause after a receive error returns at once
            for mode in ("error", "refuse"):
                with proxy.fault(mode):
                    try:
                        record.dispatch(1)
                    except taskhawk.PublishError as error:
                        texts.append("".join(traceback.format_exception(error)))
                    try:
                        transport.receive(queue_name(queue, Priority.default), max_messages=1,
                                          wait_seconds=0)  # fmt: skip
                    except taskhawk.TaskhawkError as error:
                        texts.append("".join(traceback.format_exception(error)))
                    Consumer([Priority.default]).poll(0, 0, stopped)  # logs the receive error
    finally:
        proxy.close()
    texts.append(caplog.text)
    assert len(texts) >= 6 and "receive from" in caplog.text
    for text in texts:
        assert SECRET_KEY not in text and SESSION_TOKEN not in text


def _peak(body: str | bytes) -> tuple[int, str]:
    tracemalloc.start()
    try:
        try:
            decode(body)
            outcome = "decoded"
        except ValidationError as error:
            outcome = f"refused: {error.reason[:40]}"
        return tracemalloc.get_traced_memory()[1], outcome
    finally:
        tracemalloc.stop()


def _filled(unit: str, prefix: str = '{"args": [', suffix: str = "]}") -> str:
    room = MAX_BODY_BYTES - len(prefix) - len(suffix) - 200
    return prefix + ",".join([unit] * (room // (len(unit) + 1))) + suffix


PEAK_LIMIT = 64 * 2**20  # no 1 MiB body may make one decode hold more than this


def test_decoding_is_bounded_in_depth_and_size() -> None:
    envelope = json.dumps({**GOOD, "args": []})[:-1]
    head, tail = envelope.split('"args": []')
    bodies: dict[str, str | bytes] = {
        "over-limit-16MiB": "[" * (16 * MAX_BODY_BYTES),
        "over-limit-bytes": b"0" * (MAX_BODY_BYTES + 1),
        "nested-arrays-1MiB": "[" * (MAX_BODY_BYTES // 2) + "]" * (MAX_BODY_BYTES // 2),
        "nested-objects": '{"a":' * 20_000 + "1" + "}" * 20_000,
        "wide-empty-objects": _filled("{}", head + '"args": [', "]" + tail + "}"),
        "wide-strings": _filled('"a"', head + '"args": [', "]" + tail + "}"),
        "many-keys": head + '"args": [], "kwargs": {'
        + ",".join(f'"k{i}":0' for i in range(80_000)) + "}}",
    }  # fmt: skip
    peaks = {name: _peak(body) for name, body in bodies.items()}
    record_figures(
        "decode_memory_peak_mib",
        {name: round(peak / 2**20, 1) for name, (peak, _) in peaks.items()},
    )
    for name in ("over-limit-16MiB", "over-limit-bytes"):
        peak, outcome = peaks[name]
        assert outcome.startswith("refused: body is") and peak < 2**20, (name, peak, outcome)
    for name in ("nested-arrays-1MiB", "nested-objects"):
        assert peaks[name][1].startswith("refused: nested deeper than 32"), peaks[name]
    for name, (peak, outcome) in peaks.items():
        assert len(bodies[name]) <= MAX_BODY_BYTES or outcome.startswith("refused")
        assert peak < PEAK_LIMIT, (name, peak, outcome)


@pytest.mark.parametrize(
    "header",
    ["taskhawk_task", "TASKHAWK_DEAD_LETTER_REASON", "Taskhawk_x", "taskhawk_", "AWS.trace",
     "amazon.x"],
)  # fmt: skip
def test_reserved_header_names_are_refused_when_publishing_and_consuming(
    memory: MemoryTransport, header: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        record.with_headers(**{header: "x"}).dispatch(1)
    assert caught.value.path.startswith("$.headers")
    body = json.dumps({**GOOD, "task": "rel.record", "headers": {header: "x"}})
    with pytest.raises(ValidationError, match=r"\$\.headers"):
        decode(body)
    put(memory, body)
    consume_all(memory)
    [reason] = [attributes[REASON_ATTRIBUTE] for attributes in memory.attributes(DLQ)]
    assert reason.startswith("invalid message: $.headers")
    assert memory.bodies(MAIN) == []
