"""Benchmark: a vector of 1,000,000 elements through the whole command line.

Writes a file of 1,000,000 random numbers (one per line, as repr writes them), then times
`agrad eval "sum(sin(x)*x^2)" --x @big.txt --format json` as a separate process, start to end:
Python's start-up, the imports, reading and parsing the file, forward, backward, and writing
the 1,000,000 gradients as JSON. Prints each run and the best and median against the target.

    python bench/vectors.py [--runs 5] [--size 1000000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TARGET = 2.0  # seconds, on the project's 2-core machine
EXPR = "sum(sin(x)*x^2)"


def agrad_command() -> list[str]:
    exe = shutil.which("agrad", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "agrad"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()

    rng = random.Random(4)
    xs = [rng.uniform(-3.0, 3.0) for _ in range(args.size)]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.txt")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(map(repr, xs)) + "\n")
        size_mb = os.path.getsize(path) / 1e6
        command = agrad_command() + ["eval", EXPR, "--x", f"@{path}", "--format", "json"]
        print(f"agrad eval \"{EXPR}\" --x @big.txt --format json  ({args.size:,} elements, {size_mb:.1f} MB file)")
        times = []
        for run in range(args.runs):
            start = time.perf_counter()
            out = subprocess.run(command, capture_output=True, text=True, cwd=tmp)
            elapsed = time.perf_counter() - start
            if out.returncode != 0:
                print(out.stderr, file=sys.stderr)
                return 1
            times.append(elapsed)
            print(f"  run {run + 1}: {elapsed:.3f} s")
        record = json.loads(out.stdout)
        # Check the answer, so a fast wrong result does not pass: d/dx sin(x) x^2 = cos(x) x^2 + 2x sin(x).
        expected = math.fsum(math.sin(x) * x * x for x in xs)
        grads = record["grads"]["x"]
        assert len(grads) == args.size
        assert math.isclose(record["value"], expected, rel_tol=1e-9, abs_tol=1e-6), (record["value"], expected)
        for i in range(0, args.size, max(1, args.size // 1000)):
            x = xs[i]
            assert math.isclose(grads[i], math.cos(x) * x * x + 2 * x * math.sin(x), rel_tol=1e-9, abs_tol=1e-12)
    best, median = min(times), statistics.median(times)
    verdict = "within" if median < TARGET else "OVER"
    print(f"best {best:.3f} s, median {median:.3f} s: {verdict} the {TARGET:.1f} s target")
    return 0 if median < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
