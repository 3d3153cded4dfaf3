"""`agrad plot`'s cost: the sweep (batch/sweep.py) and each output, in process, then the whole
command line once per size. Prints figures; the target (issue 18) is 10,000 points in under
0.5 s for f and df/dx on the vectorized path.

    python bench/plot.py            # 1e3, 1e4, 1e5 points
    python bench/plot.py --quick    # 1e3, 1e4 (what bench/perf.py --quick runs)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import timed  # noqa: E402

EXPR = "sin(x)*exp(-x^2*w) + log1p(x^2)"


def in_process(n: int, show: bool = True) -> None:
    from agrad.batch.sweep import parse_range, sweep
    from agrad.render.plot import output_bytes

    span = parse_range("x", f"-3:3:{n}")
    columns, t_sweep = timed(lambda: sweep(EXPR, span, {"w": 0.5}))
    csv, t_csv = timed(lambda: output_bytes(columns, "csv"))
    _, t_json = timed(lambda: output_bytes(columns, "json"))
    _, t_text = timed(lambda: output_bytes(columns, "text", (100, 30), to_stdout=False))
    _, t_html = timed(lambda: output_bytes(columns, "html"))
    if show:
        print(f"  {n:>7} points  sweep {t_sweep:6.3f} s   csv {t_csv:6.3f} s ({len(csv) / 1e6:5.1f} MB)   "
              f"json {t_json:6.3f} s   terminal drawing {t_text:6.3f} s   html {t_html:6.3f} s")


def order_two(n: int) -> None:
    from agrad.batch.sweep import parse_range, sweep

    _, t = timed(lambda: sweep(EXPR, parse_range("x", f"-3:3:{n}"), {"w": 0.5}, order=2))
    print(f"  {n:>7} points  --order 2 (one Taylor-mode evaluation a point): {t:6.3f} s ({t / n * 1e6:.0f} us a point)")


def command_line(n: int, repeat: int) -> None:
    base = [sys.executable, "-m", "agrad", "plot", EXPR, "--x", f"-3:3:{n}", "--w", "0.5"]
    env = {**os.environ, "COLUMNS": "100", "LINES": "30"}
    runs = {"terminal drawing": [], "--format csv": ["--format", "csv"]}
    figures = []
    for label, extra in runs.items():
        t = min(timed(lambda: subprocess.run(base + extra, stdout=subprocess.DEVNULL, env=env, check=True))[1]
                for _ in range(repeat))
        figures.append(f"{label} {t:6.3f} s")
    print(f"  {n:>7} points  agrad plot, whole process (start-up included, best of {repeat}): " + "   ".join(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1e3 and 1e4 points only")
    sizes = [1_000, 10_000] if parser.parse_args().quick else [1_000, 10_000, 100_000]
    print(f"agrad plot \"{EXPR}\" --x -3:3:N --w 0.5   (target: 10,000 points in under 0.5 s)")
    in_process(10, show=False)  # (warm: numpy, plotext and the parser imported once, not charged to the first size)
    for n in sizes:
        in_process(n)
    order_two(1_000)
    for n in sizes:
        command_line(n, 1 if n > 10_000 else 3)


if __name__ == "__main__":
    main()
