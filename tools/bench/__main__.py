"""`python -m tools.bench [section ...]`: run the named sections, or all of them when none is named.

Sections: codec (wire codec micro-benchmarks), cpu (library CPU per message, with profiles),
throughput (messages per second against a local endpoint: raw boto3, taskhawk and its peers).
`make bench` runs them all and writes tools/bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import sys

from tools.bench import codec, report

SECTIONS = ("codec", "cpu", "throughput")


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
    parser.add_argument("--rounds", type=int, default=3, help="rounds; figures are medians (3)")
    parser.add_argument("--no-peers", action="store_true", help="skip upstream, Celery, dramatiq")
    args = parser.parse_args(argv)
    chosen = list(dict.fromkeys(args.sections)) or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; choose from {list(SECTIONS)}")
    if min(args.rounds, args.messages, args.single_messages, args.peer_messages) < 1:
        parser.error("--rounds and message counts must be positive")
    status = 0
    if "codec" in chosen:
        status = max(status, codec.main())
    if "cpu" in chosen or "throughput" in chosen:
        status = max(status, report.main(chosen, args))
    return status


if __name__ == "__main__":
    sys.exit(main())
