"""The tall Jacobian: N outputs of one input, in reverse mode (a backward pass per output
element, torch.autograd.functional.jacobian's way, what --jacobian did for every shape) and in
forward mode (one forward-mode pass per input element, what --jacobian now picks when the
inputs have fewer elements than the output: JAX's jacfwd/jacrev rule). Prints seconds; asserts
nothing but that both modes give the same matrix.

    python bench/jacobian.py            # N = 3,000 (reverse mode takes minutes)
    python bench/jacobian.py --n 500    # a quicker look

Two programs: `[sin(x*1), sin(x*2), ..., sin(x*N)]`, N scalar outputs stacked into a vector (every
backward pass walks the whole graph: reverse mode is quadratic in N), and `sin(x*v)` with v a
constant vector of N elements (one vector node: each backward pass is cheap, but there are N).
The whole command is timed too for the forward mode (`agrad eval ... --jacobian -F json`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import agrad
from agrad.engine.jacobians import jacobian


def programs(n: int) -> dict[str, str]:
    return {
        "stack of N scalars": "[" + ", ".join(f"sin(x*{k + 1})" for k in range(n)) + "]",
        "sin(x*v), v constant": "v = [" + ", ".join(repr(0.001 * k) for k in range(n)) + "]; sin(x*v)",
    }


def timed(source: str, use: str):
    r = agrad.run(source, {"x": 0.5}, jacobian=True, max_backward_steps=10**12, max_nodes=10**9)  # (the graph)
    start = time.perf_counter()
    found = jacobian(r.output, [r.variables["x"]], 10**9, use=use)
    return time.perf_counter() - start, found["x"]


def whole_command(source: str) -> float:
    exe = shutil.which("agrad", path=os.path.dirname(sys.executable)) or "agrad"
    with tempfile.NamedTemporaryFile("w", suffix=".agrad", delete=False) as f:
        f.write(source)
    try:
        start = time.perf_counter()
        subprocess.run([exe, "eval", "-f", f.name, "--x", "0.5", "--jacobian", "-F", "json"], check=True,
                       stdout=subprocess.DEVNULL)
        return time.perf_counter() - start
    finally:
        os.unlink(f.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="output elements (default 3,000)")
    n = parser.parse_args().n
    for title, source in programs(n).items():
        forward_s, forward = timed(source, "forward")
        print(f"{title}, {n} outputs of one input: forward mode {forward_s:.4f} s "
              f"(whole command {whole_command(source):.2f} s)", flush=True)
        reverse_s, reverse = timed(source, "reverse")
        same = "bit for bit" if np.asarray(forward).tobytes() == np.asarray(reverse).tobytes() else \
            f"max difference {np.max(np.abs(np.asarray(forward) - np.asarray(reverse))):.3g}"
        print(f"{title}, {n} outputs of one input: reverse mode {reverse_s:.3f} s "
              f"({reverse_s / forward_s:.0f}x forward); the two Jacobians agree {same}", flush=True)


if __name__ == "__main__":
    main()
