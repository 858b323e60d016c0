"""The wire and transport rules a JSON Schema cannot express, as schema/README.md states them.

The Python library spells each of these once (`taskhawk/transport/limits.py`, `naming.py`,
`wire/json_values.py`, `wire/attributes.py`, `ordering.py`); codegen does not import the library
(its generated package may be the very thing being regenerated), so the values are stated here and
`tests/test_typescript_bindings.py` checks that they equal the library's, one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["WIRE_RULES", "WireRules"]


@dataclass(frozen=True)
class WireRules:
    max_depth: int = 32  # decision bounded-input: the body's own object is level 1
    max_safe_integer: int = 2**53 - 1  # decision safe-integers
    sqs_max_bytes: int = 1_048_576  # decision size-limits, and the consumer's body bound
    sns_max_bytes: int = 262_144
    max_attributes: int = 10  # per message; taskhawk_task is one of them
    max_batch: int = 10  # entries per SendMessageBatch / PublishBatch
    max_delay_s: int = 900  # SQS's longest DelaySeconds
    task_attribute: str = "taskhawk_task"
    attribute_data_type: str = "String"
    queue_prefix: str = "TASKHAWK-"  # upper-cased setting follows
    topic_prefix: str = "taskhawk-"  # lower-cased setting follows
    dead_letter_suffix: str = "-DLQ"
    fifo_suffix: str = ".fifo"  # a FIFO app's queues and topics, dead-letter queues included
    # A FIFO message group or deduplication id, as SQS takes it: 1-128 letters, digits or ASCII
    # punctuation, `!` to `~` (taskhawk/ordering.py).
    fifo_id_first: str = "!"
    fifo_id_last: str = "~"
    fifo_id_max_length: int = 128
    # Queue suffix per priority; topics use the lower-case form (schema/README.md, "Where a
    # message goes").
    priority_suffixes: dict[str, str] = field(
        default_factory=lambda: {
            "default": "",
            "high": "-HIGH-PRIORITY",
            "low": "-LOW-PRIORITY",
            "bulk": "-BULK",
        }
    )

    @property
    def max_header_attributes(self) -> int:
        """Decision header-attributes: all headers when this many or fewer, else none."""
        return self.max_attributes - 1


WIRE_RULES = WireRules()
