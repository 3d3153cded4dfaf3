"""Benchmark: what --check costs. For n input elements the check runs the program 2n+1 times
(the analytic run, then f(x + eps) and f(x - eps) for each element), and --check 2 another 2n+1
(the Hessian's run and the gradient at x +- eps for each element); this prints the evaluations
counted and the time, for n = 1, 10, 100 and 1000 elements of one vector, next to one plain
evaluation of the same program.

    python bench/check.py [--sizes 1,10,100,1000] [--second 1,10,100]
"""

from __future__ import annotations

import argparse
import random

import agrad
from timing import timed  # (bench/ is on sys.path when a script here runs)

EXPR = "sum(sin(v) * v^2) + prod(cos(v/10))"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,1000")
    parser.add_argument("--second", default="1,10,100", help="sizes for --check 2 (n^2 Hessian entries)")
    args = parser.parse_args()
    rng = random.Random(17)
    agrad.check(EXPR, {"v": [0.5, 1.5]}, order=2)  # warm up: numpy's import, the first parse
    print(f"expression: {EXPR}")
    print(f"{'order':>5} {'n':>6} {'evaluations':>11} {'expected':>9} {'check s':>9} {'one eval ms':>11} "
          f"{'ms per eval':>11}  ok")
    for order, sizes in ((1, args.sizes), (2, args.second)):
        for n in [int(s) for s in sizes.split(",") if s]:
            v = [rng.uniform(-2, 2) for _ in range(n)]
            one = min(timed(lambda: agrad.run(EXPR, {"v": v}))[1] for _ in range(5))
            check, seconds = timed(lambda: agrad.check(EXPR, {"v": v}, order=order))
            expected = (2 * n + 1) * order
            print(f"{order:>5} {n:>6} {check.evaluations:>11,} {expected:>9,} {seconds:>9.3f} {one * 1e3:>11.2f} "
                  f"{seconds / check.evaluations * 1e3:>11.2f}  {check.ok}")
            if check.evaluations != expected or not check.ok:
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
