"""agrad minimize's cost: steps per second on Rosenbrock, (1-x)^2 + 100*(y-x^2)^2 from (-1.5, 2),
for each optimizer at 1,000 and 10,000 steps, through evaluation/minimize.py's loop (the loss and
gradients on the compiled scalar path, the update in Python); and the same loop with every
evaluation through the engine (api.run(..., fast=False): the graph path), to show what the
compiled path saves; and the whole command, start to end.

    python bench/minimize.py [--quick]
"""

from __future__ import annotations

import subprocess
import sys
import time

from agrad.evaluation import api, minimize, optimizers

ROSENBROCK = "(1-x)^2 + 100*(y-x^2)^2"
START = {"x": -1.5, "y": 2.0}


def rate(optimizer: str, steps: int) -> float:
    settings = optimizers.settings(optimizer, {"lr": 1e-3})
    start = time.perf_counter()
    count = sum(1 for _ in minimize.descend(ROSENBROCK, START, optimizer, settings, steps, 0.0))
    return count / (time.perf_counter() - start)


def graph_rate(steps: int) -> float:
    """The same descent (SGD) with each evaluation on the engine, building a Tensor graph."""
    update = optimizers.make("sgd", 2, optimizers.settings("sgd", {"lr": 1e-3}))
    params = [START["x"], START["y"]]
    start = time.perf_counter()
    for _ in range(steps):
        r = api.run(ROSENBROCK, {"x": params[0], "y": params[1]}, fast=False)
        update.step(params, [r.grads["x"], r.grads["y"]])
    return steps / (time.perf_counter() - start)


def main() -> None:
    quick = "--quick" in sys.argv
    sizes = [1000] if quick else [1000, 10_000]
    print(f"Rosenbrock {ROSENBROCK} from (-1.5, 2), lr 0.001, tol 0: steps per second (median of 3)")
    for optimizer in optimizers.DEFAULTS:
        figures = []
        for steps in sizes:
            runs = sorted(rate(optimizer, steps) for _ in range(3))
            figures.append(f"{steps:,} steps: {runs[1]:,.0f}/s")
        print(f"  {optimizer:8} " + "; ".join(figures))
    steps = 1000 if quick else 5000
    print(f"  the graph path (api.run fast=False), sgd, {steps:,} steps: {graph_rate(steps):,.0f}/s")
    command = [sys.executable, "-m", "agrad", "minimize", ROSENBROCK, "--x", "-1.5", "--y", "2", "-O", "adam",
               "--lr", "0.01", "--steps", str(sizes[-1]), "--tol", "0", "-F", "json", "--every", str(sizes[-1])]
    start = time.perf_counter()
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    assert f'"step": {sizes[-1]},' in out.splitlines()[-1]  # every step ran
    print(f"  whole command, adam, {sizes[-1]:,} steps, json: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
