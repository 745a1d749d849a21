"""`python -m bench NAME [ARGS...]` runs bench/bench_NAME.py's main(args); `all` runs every one."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem[len("bench_") :] for p in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = available()
    if not argv or argv[0] in {"-h", "--help"}:
        print("usage: python -m bench NAME [ARGS...] | all\nbenchmarks: " + ", ".join(names))
        return 0
    name, args = argv[0], argv[1:]
    todo = names if name == "all" else [name]
    for n in todo:
        if n not in names:
            print(f"bench: no benchmark {n!r} (have: {', '.join(names)})", file=sys.stderr)
            return 2
        print(f"\n# bench {n}")
        importlib.import_module(f"bench.bench_{n}").main(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
