"""The demo's tasks. Each appends what it did to $TASKHAWK_DEMO_STATE/ran.txt."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from taskhawk import IgnoreException, Metadata, Priority, periodic, task

STATE = Path(os.environ.get("TASKHAWK_DEMO_STATE", "."))
OUTAGE = STATE / "inventory-outage"


def _ran(line: str) -> None:
    with (STATE / "ran.txt").open("a", encoding="utf-8") as out:
        out.write(f"{line} (worker pid {os.getpid()})\n")


@task
def send_welcome_email(to: str, *, subject: str = "Welcome!") -> None:
    _ran(f"sent {subject!r} to {to}")


@task(priority=Priority.high)
def charge_card(
    order_id: str, amount_cents: int, *, headers: Mapping[str, str] | None = None
) -> None:
    """Taking `headers` (keyword-only, defaulted) asks the worker to fill them in, and keeps
    `dispatch` typed without them."""
    assert headers is not None
    _ran(f"charged {amount_cents / 100:.2f} for order {order_id} (request {headers['request_id']})")


@task(priority=Priority.low)
def build_report(month: str, *, metadata: Metadata | None = None) -> None:
    assert metadata is not None
    metadata.extend_visibility_timeout(120)  # a long task keeps its message hidden
    _ran(f"built the {month} report (message {metadata.id}, {metadata.priority.name} priority)")


@task(priority=Priority.bulk)
def expire_session(session_id: str) -> None:
    raise IgnoreException(f"session {session_id} already expired: nothing to do")


@task
def sync_inventory(sku: str) -> None:
    if OUTAGE.exists():
        raise ConnectionError("inventory service unavailable")
    _ran(f"synced inventory of {sku}")


@periodic("rate(1 minute)", kwargs={"what": "stale carts"})
@task(priority=Priority.low)
def purge_stale(*, what: str, metadata: Metadata | None = None) -> None:
    """A periodic task: EventBridge Scheduler sends it every minute (the dev-server emulates
    Scheduler); its timestamp is the firing's scheduled time."""
    assert metadata is not None
    _ran(f"purged {what} (periodic firing scheduled at {metadata.timestamp} ms)")


@task(priority=Priority.bulk)
def import_catalog(rows: list[str]) -> None:
    """Its argument is larger than an SQS message: the body travels through S3."""
    _ran(f"imported {len(rows)} catalog rows ({sum(map(len, rows)) // 1024} KiB, through S3)")
