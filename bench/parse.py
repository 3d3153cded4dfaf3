"""The parser's figures: microseconds per generated expression (bench/expressions.py, about 50
characters and 26 tokens each), and seconds for the deep chain `sin(sin(...x))` and the wide sum
`x+x+...+x`. Prints; asserts nothing (tests never assert times).

    python bench/parse.py           # expressions, then both shapes at 100,000 and 1,000,000
    python bench/parse.py --quick   # expressions, then both shapes at 10,000

Each expression figure is the median of several runs over 5,000 expressions (CPU time of this
process, so another process's load shows less); run it on a quiet machine, and twice.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import expressions  # noqa: E402

from agrad.language.parser import parse  # noqa: E402


def per_expression(runs: int = 7) -> tuple[float, float]:
    sources = [source for source, _ in expressions.generate(5000, seed=1)]
    parse(sources[0])  # builds the driver once, as every process does
    times = []
    for _ in range(runs):
        start = time.process_time()
        for source in sources:
            parse(source)
        times.append((time.process_time() - start) / len(sources) * 1e6)
    return statistics.median(times), min(times)


def deep(n: int) -> dict:
    shapes = {"chain": "sin(" * n + "x" + ")" * n, "sum": "+".join(["x"] * n)}
    out = {}
    for name, source in shapes.items():
        start = time.process_time()
        parse(source)
        out[name] = time.process_time() - start
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small deep shapes only")
    args = ap.parse_args()
    median, best = per_expression()
    print(f"parse: {median:.1f} us per expression (median; best {best:.1f})")
    for n in (10_000,) if args.quick else (100_000, 1_000_000):
        figures = deep(n)
        print(f"  {n:>9,}  chain {figures['chain']:6.2f} s   sum {figures['sum']:6.2f} s")


if __name__ == "__main__":
    main()
