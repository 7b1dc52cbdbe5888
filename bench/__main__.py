"""Runs every `bench/bench_*.py` module's `main()` (or only the names given) and prints their figures.

The 30-minute soak runs only when named (`python -m bench soak`), and so does the coverage check, which
needs other projects' files (`python -m bench nefcov --nef FILE --mixin-rules PATH`): options after the
name go to that one benchmark's `main(options)`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench

ON_REQUEST = {"bench_soak", "bench_nefcov"}


def main(argv: list[str]) -> int:
    first_option = next((i for i, arg in enumerate(argv) if arg.startswith("--")), len(argv))
    argv, options = argv[:first_option], argv[first_option:]
    if options and len(argv) != 1:
        print("options go to one benchmark: python -m bench NAME --option ...", file=sys.stderr)
        return 2
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
        module = importlib.import_module(f"bench.{name}")
        module.main(options) if options else module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
