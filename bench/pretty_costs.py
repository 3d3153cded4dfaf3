"""What pretty output costs against JSON (issue 14): a pretty --hessian of sum(x^2) with 1,000
elements, and a pretty --trace of 100 KB of source, each beside the same run as JSON. Whole
processes, output to a file (a pipe's layout: PIPE_WIDTH), under a 60 s timeout each.

    python bench/pretty_costs.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time


def timed(args: list) -> float:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        subprocess.run([sys.executable, "-m", "agrad", "eval", *args], stdout=sink, check=True, timeout=60,
                       env=env)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        vector = os.path.join(tmp, "x.txt")
        with open(vector, "w") as fh:
            fh.write(",".join(str(1 + k / 1000) for k in range(1000)))
        program = os.path.join(tmp, "sum.agrad")
        with open(program, "w") as fh:
            fh.write("+".join(["x"] * 51_200))  # 100 KB
        cases = [("--hessian of sum(x^2), 1,000 elements", ["sum(x^2)", "--x", f"@{vector}", "--hessian"]),
                 ("--trace of 100 KB of source", ["-f", program, "--x", "1.5", "--trace"])]
        for what, args in cases:
            pretty = timed(args)
            as_json = timed(args + ["--format", "json"])
            print(f"{what}: pretty {pretty:.2f} s, json {as_json:.2f} s")


if __name__ == "__main__":
    main()
