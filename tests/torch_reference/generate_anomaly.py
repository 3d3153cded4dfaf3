"""Generate tests/torch_reference/anomaly_cases.json: which backward node torch's anomaly
detection names (torch.autograd.detect_anomaly, float64, CPU) for the programs of
tests/test_anomaly.py, or null where it raises nothing.

Run with torch installed:  python tests/torch_reference/generate_anomaly.py

Each case is an agrad expression, its bindings, the order of derivative it is run to (1: one
backward pass from the output; 2: torch.autograd.grad(create_graph=True), then backward from
that derivative, as agrad's --order 2 does), and torch's node: the NAME of torch's
"Function 'NAME' returned nan values in its 0th output." torch checks backward only; agrad's
forward check (an extra) may stop a run earlier, which the test says case by case.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

HERE = Path(__file__).parent
CASES = HERE / "anomaly_cases.json"
NAN = math.nan

# (agrad expression, bindings, order, the same function written for torch: t is torch, v the leaves)
PROGRAMS = [
    ("sqrt(x - x) * 0", {"x": 1.0}, 1, lambda t, v: t.sqrt(v["x"] - v["x"]) * 0),
    ("x * x", {"x": NAN}, 1, lambda t, v: v["x"] * v["x"]),
    ("x * 2", {"x": NAN}, 1, lambda t, v: v["x"] * 2),
    ("log(x)", {"x": -1.0}, 1, lambda t, v: t.log(v["x"])),
    ("sqrt(x) * 0", {"x": -1.0}, 1, lambda t, v: t.sqrt(v["x"]) * 0),
    ("x / w", {"x": 0.0, "w": 0.0}, 1, lambda t, v: v["x"] / v["w"]),
    ("x^2 + sin(x)", {"x": 1.0}, 1, lambda t, v: v["x"] ** 2 + t.sin(v["x"])),
    ("x^1.5 * 0", {"x": 0.0}, 2, lambda t, v: v["x"] ** 1.5 * 0),
    ("x^1.5 * 0", {"x": 0.0}, 1, lambda t, v: v["x"] ** 1.5 * 0),
    ("sum(sqrt(v) * 0)", {"v": [1.0, 0.0, 2.0]}, 1, lambda t, v: t.sum(t.sqrt(v["v"]) * 0)),
    ("sqrt(sum(v^2))", {"v": [0.0, 0.0]}, 1, lambda t, v: t.sqrt(t.sum(v["v"] ** 2))),
    ("exp(x) * 0", {"x": 1000.0}, 1, lambda t, v: t.exp(v["x"]) * 0),
]


def torch_node(torch, fn, bindings: dict, order: int):
    leaves = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in bindings.items()}
    try:
        with torch.autograd.detect_anomaly(check_nan=True):
            out = fn(torch, leaves)
            if order == 2:
                (out,) = torch.autograd.grad(out, [next(iter(leaves.values()))], create_graph=True)
            out.backward(torch.ones_like(out) if out.dim() else None)
    except RuntimeError as exc:
        found = re.search(r"Function '(\w+)' returned nan values", str(exc))
        if found is None:
            raise
        return found.group(1)
    return None


def main() -> None:
    import warnings

    import torch

    warnings.simplefilter("ignore")  # detect_anomaly's "enabled" warning and its traceback notes
    cases = []
    for expr, bindings, order, fn in PROGRAMS:
        cases.append({"expr": expr, "vars": {k: (v if not isinstance(v, float) or v == v else "nan")
                                             for k, v in bindings.items()},
                      "order": order, "torch_node": torch_node(torch, fn, bindings, order)})
    CASES.write_text(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1) + "\n")
    print(f"{len(cases)} cases -> {CASES}")


if __name__ == "__main__":
    main()
