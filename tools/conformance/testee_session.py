"""The testee process of one publisher run, started again after a crash or a timeout (a few
times at most), so that one bad case cannot hide the others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.conformance.testee_process import Testee, TesteeFailure

__all__ = ["SessionOptions", "TesteeSession"]


@dataclass(frozen=True)
class SessionOptions:
    command: Sequence[str]
    timeout: float = 10.0  # per request
    exit_grace: float = 5.0  # after stdin is closed
    restarts: int = 3
    cwd: Path | None = None


class TesteeSession:
    def __init__(self, options: SessionOptions) -> None:
        self.options = options
        self.restarts_left = options.restarts
        self.stderr: list[str] = []
        self.problems: list[str] = []
        self.testee: Testee | None = self._start()

    def _start(self) -> Testee | None:
        try:
            return Testee(self.options.command, self.options.cwd)
        except TesteeFailure as failure:
            self.problems.append(str(failure))
            self.restarts_left = 0
            return None

    def ask(self, line: str) -> bytes:
        """One request line, one reply line; TesteeFailure (after a restart) when none came."""
        if self.testee is None:
            raise TesteeFailure("not run: the testee could not be (re)started")
        try:
            return self.testee.request(line, self.options.timeout)
        except TesteeFailure:
            self.stop(grace=0.5)
            if self.restarts_left > 0:
                self.restarts_left -= 1
                self.stderr.append("[harness] restarting the testee")
                self.testee = self._start()
            raise

    def stop(self, grace: float) -> int | None:
        if self.testee is None:
            return None
        code, extra = self.testee.close(grace)
        self.stderr.append(self.testee.stderr)
        self.testee = None
        if extra:
            self.problems.append(f"testee wrote {len(extra)} line(s) nobody asked for: {extra[0]}")
        return code
