"""The `taskhawk` command (worker, tasks, requeue-dlq, provision, stats, purge, dev-server,
validate)."""

from __future__ import annotations

from taskhawk.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
