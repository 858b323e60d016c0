"""Start-up warnings about redrive policies: the failure line's "last attempt" is only true when
TASKHAWK_MAX_RECEIVE_COUNT is what the queue's redrive policy counts; and about a retention too
short for a message held back until its eta."""

from __future__ import annotations

from taskhawk.consume.preflight import redrive_warnings, retention_warnings
from taskhawk.priority import Priority
from taskhawk.transport.aws_checks import QueuesFound

QUEUES = ((Priority.default, "TASKHAWK-APP", "TASKHAWK-APP-DLQ"),)


def test_a_matching_policy_is_no_warning() -> None:
    found = QueuesFound("us-east-1", {"TASKHAWK-APP": 4, "TASKHAWK-APP-DLQ": None})
    assert redrive_warnings(QUEUES, found, 4) == ()


def test_a_queue_without_a_policy_never_dead_letters() -> None:
    found = QueuesFound("us-east-1", {"TASKHAWK-APP": None})
    (warning,) = redrive_warnings(QUEUES, found, 4)
    assert warning.startswith("queue TASKHAWK-APP has no redrive policy")
    assert "never reaches TASKHAWK-APP-DLQ" in warning


def test_a_different_limit_names_both_numbers_and_both_fixes() -> None:
    found = QueuesFound("us-east-1", {"TASKHAWK-APP": 2})
    (warning,) = redrive_warnings(QUEUES, found, 4)
    assert "after 2 receives but TASKHAWK_MAX_RECEIVE_COUNT is 4" in warning
    assert "set it to 2, or run taskhawk provision to apply 4" in warning


def test_a_queue_keeping_messages_less_than_twelve_hours_is_a_warning() -> None:
    found = QueuesFound("us-east-1", {"TASKHAWK-APP": 4}, {"TASKHAWK-APP": 3600})
    (warning,) = retention_warnings(QUEUES, found)
    assert warning.startswith("queue TASKHAWK-APP keeps a message only 3600s")
    default = QueuesFound("us-east-1", {"TASKHAWK-APP": 4}, {"TASKHAWK-APP": 345_600})
    assert retention_warnings(QUEUES, default) == ()
