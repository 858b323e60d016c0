"""Hostile messages for the worker and Lambda tests: tests.support.hostile's corpus, bodies that
try to make a consumer import or run something, forged transport attributes, and a fixed
sample of its hypothesis strategy. Good messages to interleave with them are built here too."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from tests.support.hostile import GOOD, corpus, hostile_bodies

__all__ = ["CANARY_MARK", "PWNED", "SQS_MAX", "Case", "good_body", "hostile_cases", "sqs_text"]

SQS_MAX = 1_048_576
# What SQS accepts in a message body (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF).
_NOT_SQS_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
HYPOTHESIS_EXAMPLES = 150
PWNED = "pwned"  # a file the import-path bodies would create if anything ran them
CANARY_MARK = "canary-imported"  # the file tests/reliability/canary.py writes when imported


@dataclass(frozen=True)
class Case:
    name: str
    body: str | bytes
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The body as a Lambda event carries it (always text)."""
        if isinstance(self.body, bytes):
            return self.body.decode("utf-8", "replace")
        return self.body


def sqs_text(body: str | bytes) -> str | None:
    """The body as SQS would carry it, or None when SQS refuses it (empty, not UTF-8, characters
    outside its set, over 1 MiB): such bodies can only be tried through the Lambda handler."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not body or _NOT_SQS_TEXT.search(body) or len(body.encode("utf-8")) > SQS_MAX:
        return None
    return body


def _with(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


def _attacks(state: Path) -> list[Case]:
    shell = f"touch {state / PWNED}"
    return [
        Case("os-system", _with(task="os.system", args=[shell])),
        Case("subprocess-run", _with(task="subprocess.run", args=[["sh", "-c", shell]])),
        Case(
            "builtins-eval",
            _with(task="builtins.eval", args=[f"__import__('os').system({shell!r})"]),
        ),
        Case("builtins-exec", _with(task="builtins.exec", args=["open('x', 'w')"])),
        Case("pickle-loads", _with(task="pickle.loads", args=["gASVAAAAAAAAAAAu"])),
        Case("canary-module", _with(task="tests.reliability.canary.boom")),
        Case("registered-function-by-path", _with(task="tests.reliability.tasks.record", args=[1])),
        Case("task-name-with-colon", _with(task="os:system", args=[shell])),
        Case("reserved-header-upper", _with(headers={"TASKHAWK_TASK": "rel.record"})),
        Case("reserved-header-mixed", _with(headers={"Taskhawk_dead_letter_reason": "x"})),
        Case("amazon-header", _with(headers={"amazon.trace": "x"})),
        Case(
            "forged-dead-letter-reason",
            "not json",
            {REASON_ATTRIBUTE: "forged", "taskhawk_task": "rel.record"},
        ),
        Case("ten-attributes", "[]", {f"h{i}": str(i) for i in range(10)}),
        Case(
            "metadata-kwarg-injection", _with(task="rel.record", args=[1], kwargs={"metadata": 1})
        ),
    ]


@cache
def _sampled() -> tuple[str | bytes, ...]:
    """A fixed (derandomized) sample of tests.support.hostile.hostile_bodies()."""
    found: list[str | bytes] = []

    @settings(
        max_examples=HYPOTHESIS_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(hostile_bodies())
    def collect(body: str | bytes) -> None:
        found.append(body)

    collect()
    return tuple(dict.fromkeys(found))


def hostile_cases(state: Path) -> list[Case]:
    """Every hostile message; `state` is where an attack that ran would leave its mark."""
    cases = [Case(f"corpus:{name}", body) for name, body in corpus()]
    cases += _attacks(state)
    cases += [Case(f"hypothesis:{index}", body) for index, body in enumerate(_sampled())]
    return cases


def good_body(n: int) -> str:
    """A valid message for the registered task rel.record(n)."""
    return json.dumps(
        {
            **GOOD,
            "id": str(uuid.uuid4()),
            "headers": {"request_id": f"good-{n}"},
            "task": "rel.record",
            "args": [n],
        }
    )
