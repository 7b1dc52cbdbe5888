"""Runs every `bench/bench_*.py` module's `main()` (or only the names given) and prints their figures.

The 30-minute soak runs only when named (`python -m bench soak`).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench

ON_REQUEST = {"bench_soak"}


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in argv] or [
        n for n in names if n not in ON_REQUEST
    ]
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    for name in wanted:
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
