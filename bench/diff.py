"""Benchmark: what `agrad diff` costs on deep chains. The formula is backward run symbolically
over the program's graph, then written with each shared sub-expression named once, so time,
statements and characters should all grow linearly with the depth (never 2^depth); this prints
them for sin(sin(...sin(x)...)) and for a chain of products x*sin(...), at 100, 1,000 and 10,000
levels, with the time agrad eval takes for the gradient itself.

    python bench/diff.py [--depths 100,1000,10000]
"""

from __future__ import annotations

import argparse

import agrad
from timing import timed  # (bench/ is on sys.path when a script here runs)

CHAINS = {
    "sin": lambda d: "sin(" * d + "x" + ")" * d,
    "x*sin": lambda d: "x*sin(" * d + "x" + ")" * d,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", default="100,1000,10000")
    args = parser.parse_args()
    agrad.diff("sin(x)", "x")  # warm up: the imports
    print(f"{'chain':>6} {'depth':>6} {'diff s':>8} {'statements':>10} {'chars':>9} {'chars/depth':>11} "
          f"{'eval grad s':>11}  same")
    for name, make in CHAINS.items():
        for depth in [int(d) for d in args.depths.split(",") if d]:
            source = make(depth)
            texts, seconds = timed(lambda: agrad.diff(source, "x"))
            text = texts["x"]
            result, eval_seconds = timed(lambda: agrad.evaluate(source, x=0.7))
            same = agrad.evaluate(text, x=0.7).value == result.grads["x"]
            print(f"{name:>6} {depth:>6} {seconds:>8.3f} {text.count(';'):>10} {len(text):>9} "
                  f"{len(text) / depth:>11.1f} {eval_seconds:>11.4f}  {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
