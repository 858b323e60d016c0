"""Testing code that dispatches tasks, with the `taskhawk_recorder` fixture (no AWS needed)."""

import taskhawk
from taskhawk.testing import Recorder

welcomed: list[str] = []


@taskhawk.task
def send_welcome(email: str) -> None:
    welcomed.append(email)


def sign_up(email: str) -> None:
    """The code under test: it dispatches a task."""
    send_welcome.with_headers(request_id="req-42").dispatch(email)


def test_sign_up_sends_a_welcome_email(taskhawk_recorder: Recorder) -> None:
    sign_up("ada@example.com")

    message = taskhawk_recorder.assert_dispatched(
        send_welcome, args=["ada@example.com"], headers={"request_id": "req-42"}
    )
    assert message.metadata.priority == "default"

    assert taskhawk_recorder.run_all() == 1  # runs it as a worker would: decode, hooks, task
    assert welcomed == ["ada@example.com"]
