"""Send one task: run with SETTINGS_MODULE=settings."""

import tasks

message_id = tasks.send_email.dispatch("ada@example.com", "Welcome!")
print(f"dispatched {message_id}")
