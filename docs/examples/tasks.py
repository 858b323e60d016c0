"""The quickstart's task. Importing this module registers it as `tasks.send_email`."""

import taskhawk


@taskhawk.task
def send_email(to: str, subject: str, *, from_email: str = "noreply@example.com") -> None:
    print(f"sending {subject!r} to {to} from {from_email}")
