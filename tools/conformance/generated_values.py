"""Ids and timestamps a publisher makes itself, checked across a whole run.

A case without `id` or `timestamp_ms` asks the publisher for its own, as in real use. An id must
be a fresh RFC 9562 UUID: none the harness gave in any case, none seen earlier in the run. A
timestamp must be the publisher's clock while it answered, within CLOCK_SLACK_MS of the
harness's own clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["CLOCK_SLACK_MS", "GeneratedValues"]

CLOCK_SLACK_MS = 2_000  # the testee runs on the harness's machine; this only absorbs scheduling
# Lower-case, hyphenated, version 1-8 and the RFC 9562 variant (10xx): what UUID libraries make.
_RFC_9562 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


class GeneratedValues:
    """Remembers every id of the run, given or generated, to tell fresh ids from reused ones."""

    def __init__(self, given_ids: Iterable[str]) -> None:
        self.given = set(given_ids)
        self.generated: dict[str, str] = {}  # id -> the case that produced it

    def id_problems(self, case_id: str, value: object) -> list[str]:
        if not isinstance(value, str) or not _RFC_9562.fullmatch(value):
            return [f"generated id {value!r} is not an RFC 9562 UUID (version 1-8, variant 10xx)"]
        if value in self.given:
            return [f"generated id {value} is one the harness gave in a case: ids must be fresh"]
        earlier = self.generated.setdefault(value, case_id)
        if earlier != case_id:
            return [f"generated id {value} was already generated for {earlier}: ids must be unique"]
        return []

    @staticmethod
    def timestamp_problems(value: object, sent_ms: int, answered_ms: int) -> list[str]:
        low, high = sent_ms - CLOCK_SLACK_MS, answered_ms + CLOCK_SLACK_MS
        if type(value) is not int:
            return [f"generated timestamp {value!r} is not integer milliseconds"]
        if not low <= value <= high:
            off = value - sent_ms
            return [
                f"generated timestamp {value} is {off:+d} ms from the harness's clock "
                f"(allowed: {-CLOCK_SLACK_MS} to {high - sent_ms:+d}): not the time of publishing"
            ]
        return []
