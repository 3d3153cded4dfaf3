"""The cost of `--order N`: Taylor mode (engine/taylor.py) against the nested backward passes it
replaces (agrad.run(..., taylor=False)), seconds and peak memory of a fresh process each. Nested
passes run only where they finish in seconds (their graphs grow exponentially with N). Prints
figures; asserts nothing.

    python bench/order.py

The machine's other load shows in the figures: run it twice and take the better run.
"""

from __future__ import annotations

import os
import subprocess
import sys

# (expression, x, orders in Taylor mode, orders with nested passes too)
CASES = [
    ("x^x", 0.7, (6, 12, 30, 100), (6, 10, 12)),
    ("sin(x)*exp(x)/(1+x^2)", 0.7, (6, 8, 12, 30, 100), (6, 8)),
    ("tanh(tanh(tanh(x)))", 0.3, (6, 30, 100), (6,)),
    ("log(1+x^2)/sqrt(x) + atan(x)^3", 1.3, (6, 30, 100), (6,)),
]

CHILD = ("import agrad, sys, time; t = time.perf_counter(); agrad.run(sys.argv[1], {'x': float(sys.argv[2])}, "
         "order=int(sys.argv[3]), taylor=sys.argv[4] == '1', max_nodes=10**9, max_backward_steps=10**9); "
         "print(time.perf_counter() - t)")


def measure(source: str, x: float, order: int, taylor: bool) -> tuple[float, float]:
    """Seconds of agrad.run (start-up apart) and peak RSS (MB) of a child process that runs it."""
    p = subprocess.Popen([sys.executable, "-c", CHILD, source, str(x), str(order), "1" if taylor else "0"],
                         stdout=subprocess.PIPE)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{source} --order {order} failed")
    return float(out), usage.ru_maxrss / 1024


def main() -> None:
    print(f"{'expression':34} {'order':>5} {'Taylor s':>9} {'MB':>6} {'nested s':>9} {'MB':>7}")
    for source, x, orders, nested_orders in CASES:
        for order in orders:
            t_s, t_mb = measure(source, x, order, True)
            n = measure(source, x, order, False) if order in nested_orders else None
            nested = f"{n[0]:9.2f} {n[1]:7.0f}" if n else f"{'-':>9} {'-':>7}"
            print(f"{source:34} {order:5d} {t_s:9.4f} {t_mb:6.0f} {nested}", flush=True)


if __name__ == "__main__":
    main()
