"""``python -m fuzz [--minutes M | --examples N] [--target all|decode|repair|jsonl] [--out DIR]``.

Prints the inputs run per target and every distinct finding; each finding's minimised
reproducer is written to ``--out`` (run it with ``python FILE`` from the repository root).
Exit status 1 when a crash or broken property was found (idempotence failures are reported
but are a separate category and do not fail the run), else 0.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from fuzz.harness import run
from fuzz.targets import TARGETS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n\n")[1])
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="wall time for the whole run [default: 1]")
    budget.add_argument("--examples", type=int, help="inputs per target instead of a time budget")
    parser.add_argument("--target", default="all", choices=["all", *TARGETS], help="what to fuzz")
    parser.add_argument("--out", type=Path, default=Path("/tmp/textmend-fuzz"), help="reproducer folder")
    parser.add_argument("--seed", type=int, help="base seed (printed, so a run can be repeated)")
    args = parser.parse_args(argv)
    targets = list(TARGETS) if args.target == "all" else [args.target]
    minutes = args.minutes if args.minutes is not None or args.examples is not None else 1.0

    # Duplicate-id warnings of the JSONL reader are expected on generated files: not news.
    logging.getLogger("textmend.io").setLevel(logging.ERROR)

    def log(line: str) -> None:
        print(line, flush=True)

    report = run(targets, minutes=minutes, examples=args.examples, out_dir=args.out, seed=args.seed, log=log)
    for line in report.summary():
        log(line)
    return 1 if report.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
