"""`python -m tools.bench [section ...]`: run the named sections, or all of them when none is named.

Sections: async (1,000 tasks awaiting 100 ms each: one worker process with --concurrency
against plain tasks with a process per core, and dramatiq's AsyncIO), codec (wire codec
micro-benchmarks), cpu (CPU per message of this library and of
upstream 4.7, with profiles), library (library-only: messages per CPU second through in-memory
transports, this library and upstream 4.7), instructions (the consume, dispatch and
library-only rows counted in instructions under valgrind, which noise cannot move),
throughput (messages per second against a local endpoint: raw boto3, taskhawk and its peers;
then the memory of one worker process over 5,000 tasks), large-payload (a 5 MiB task through
S3: taskhawk's offload against AWS's SQS Extended Client, one run). `make bench` runs them all
but async and writes tools/bench/results/.
"""

from __future__ import annotations

import argparse
import sys

from tools.bench import asyncrow, codec, large_payload, report

SECTIONS = ("codec", "cpu", "library", "instructions", "throughput", "large-payload")
OPTIONAL = ("async",)  # run only when named


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument("sections", nargs="*", metavar="section", help=f"one of {SECTIONS}")
    parser.add_argument(
        "--messages", type=int, default=1000, help="per batched row and round (1000)"
    )
    parser.add_argument(
        "--single-messages",
        type=int,
        default=200,
        help="per round for rows making one request per message (200)",
    )
    parser.add_argument(
        "--peer-messages", type=int, default=200, help="per peer row and round (200)"
    )
    parser.add_argument(
        "--library-messages", type=int, default=5000, help="per library-only round (5000)"
    )
    parser.add_argument(
        "--memory-tasks", type=int, default=5000, help="tasks of each memory row (5000)"
    )
    parser.add_argument(
        "--async-messages", type=int, default=1000, help="per async row and round (1000)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds; figures are medians (3)")
    parser.add_argument("--no-peers", action="store_true", help="skip upstream, Celery, dramatiq")
    args = parser.parse_args(argv)
    chosen = list(dict.fromkeys(args.sections)) or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS + OPTIONAL]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; choose from {list(SECTIONS + OPTIONAL)}")
    counts = (args.messages, args.single_messages, args.peer_messages, args.library_messages,
              args.memory_tasks, args.async_messages)  # fmt: skip
    if min(args.rounds, *counts) < 1:
        parser.error("--rounds and message counts must be positive")
    status = 0
    if "async" in chosen:
        status = max(status, asyncrow.main(args))
    if "codec" in chosen:
        status = max(status, codec.main())
    if {"cpu", "library", "instructions", "throughput"} & set(chosen):
        status = max(status, report.main(chosen, args))
    if "large-payload" in chosen:
        status = max(status, large_payload.main())
    return status


if __name__ == "__main__":
    sys.exit(main())
