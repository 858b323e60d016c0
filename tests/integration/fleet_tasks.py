"""The mixed-fleet test's task, as this library declares it (same name and arguments as the
upstream worker's in upstream_fleet_worker.py)."""

from __future__ import annotations

import json
import os

import taskhawk


@taskhawk.task(name="fleet.record")
def record(n: int, label: str) -> None:
    with open(os.environ["FLEET_EVENTS"], "a") as events:
        events.write(json.dumps({"n": n, "label": label, "by": "taskhawk"}) + "\n")
