"""TASKHAWK_SYNC: tasks run at dispatch, in this process, through the real codec."""

from datetime import datetime

import settings

import taskhawk

taskhawk.configure(settings, TASKHAWK_SYNC=True)


@taskhawk.task(name="hello.greet")
def greet(name: str, *, metadata: taskhawk.Metadata | None = None) -> None:
    assert metadata is not None
    print(f"hello {name} (message {metadata.id})")


message_id = greet.dispatch("Ada")  # runs greet before returning
print(f"dispatch returned {message_id}")

try:
    greet.dispatch(datetime(2030, 1, 1))  # type: ignore[arg-type]  # not JSON: refused
except taskhawk.ValidationError as error:
    print(f"refused: {error.path}")
