"""Generate tests/torch_reference/error_cases.json: agrad programs that torch refuses, and torch's text.

Run with torch installed:  python tests/torch_reference/generate_errors.py

Each case is an agrad program (source, bindings, agrad.run options) and the same computation
written here with torch (float64 leaves that require grad, unless the options say --no-grad),
which raises; the case records the first line of torch's message. tests/test_torch_errors.py
checks, without torch, that agrad refuses the program with a message that contains torch's
text (agrad may add its own words around it). A few cases are calls of agrad's Python API
(`api`), which mirrors torch's: the test makes the same call on agrad's engine.

No text is evaluated: each case's torch side is a function below.
"""

from __future__ import annotations

import json
from pathlib import Path

CASES = Path(__file__).with_name("error_cases.json")
X3, Y2 = [1.0, 2.0, 3.0], [1.0, 2.0]


def _leaves(torch, bindings: dict, no_grad=()):
    return {name: torch.tensor(value, dtype=torch.float64, requires_grad=name not in no_grad)
            for name, value in bindings.items()}


def _stack_vector_and_number(torch, v):
    return torch.stack([v["x"], torch.tensor(1.0, dtype=torch.float64)]).sum()


# (source, bindings, agrad.run options, the torch computation on the leaves v)
PROGRAMS = [
    ("sum([x, 1])", {"x": X3}, {}, _stack_vector_and_number),
    ("[1, x]", {"x": X3}, {}, lambda torch, v: torch.stack([torch.tensor(1.0, dtype=torch.float64), v["x"]])),
    ("sum([x, y])", {"x": X3, "y": Y2}, {}, lambda torch, v: torch.stack([v["x"], v["y"]]).sum()),
    ("x*2", {"x": X3}, {"hessian": True},
     lambda torch, v: torch.autograd.functional.hessian(lambda x: x * 2, v["x"])),
    ("x^2 + 1", {"x": X3}, {"hessian": True},
     lambda torch, v: torch.autograd.functional.hessian(lambda x: x ** 2 + 1, v["x"])),
    ("grad(w*x, x)", {"x": 1.0, "w": 2.0}, {"no_grad": ["x"]},
     lambda torch, v: torch.autograd.grad(v["w"] * v["x"], [v["x"]])),
    ("grad(x*x, x)", {"x": 1.0}, {"no_grad": ["x"]}, lambda torch, v: torch.autograd.grad(v["x"] * v["x"], [v["x"]])),
    ("x*2", {"x": X3}, {}, lambda torch, v: (v["x"] * 2).backward()),
    ("x", {"x": X3}, {}, lambda torch, v: v["x"].backward()),
    ("x + y", {"x": X3, "y": Y2}, {}, lambda torch, v: v["x"] + v["y"]),
    ("x * y", {"x": X3, "y": Y2}, {}, lambda torch, v: v["x"] * v["y"]),
    ("dot(x, 2)", {"x": X3}, {}, lambda torch, v: torch.dot(v["x"], torch.tensor(2.0, dtype=torch.float64))),
    ("x[3]", {"x": X3}, {}, lambda torch, v: v["x"][3]),
    ("x[-4]", {"x": X3}, {}, lambda torch, v: v["x"][-4]),
    ("x*2", {"x": X3}, {"gradient": [1.0, 2.0]},
     lambda torch, v: (v["x"] * 2).backward(torch.tensor([1.0, 2.0], dtype=torch.float64))),
    ("x*w", {"x": 1.0, "w": 2.0}, {"no_grad": ["x"], "retain_grad": ["x"]},
     lambda torch, v: v["x"].retain_grad()),
    ("x*w", {"x": 1.0, "w": 2.0}, {"no_grad": ["x"], "hooks": [("x", "g*2")]},
     lambda torch, v: v["x"].register_hook(lambda g: g * 2)),
    ("no_grad(grad(x^3, x))*x", {"x": 2.0}, {}, lambda torch, v: _under_no_grad(torch, v)),
    ("dot(x, y)", {"x": X3, "y": Y2}, {}, lambda torch, v: torch.dot(v["x"], v["y"])),
    ("max([])", {}, {}, lambda torch, v: torch.max(torch.tensor([], dtype=torch.float64))),
    ("min([])", {}, {}, lambda torch, v: torch.min(torch.tensor([], dtype=torch.float64))),
    ("clamp(x, 0, y)", {"x": X3, "y": Y2}, {},
     lambda torch, v: torch.clamp(v["x"], torch.tensor(0.0, dtype=torch.float64), v["y"])),
    ("atan2(x, y)", {"x": X3, "y": Y2}, {}, lambda torch, v: torch.atan2(v["x"], v["y"])),
    ("x[sin(0)]", {"x": X3}, {}, lambda torch, v: v["x"][torch.sin(torch.tensor(0.0, dtype=torch.float64))]),
]


def _under_no_grad(torch, v):
    with torch.no_grad():
        return torch.autograd.grad(v["x"] ** 3, [v["x"]], create_graph=True)


# agrad's Python API (agrad.tensor, agrad.engine.autograd.grad), which mirrors torch's: name -> torch
API = {
    "grad_unused_second": lambda torch, v: torch.autograd.grad(v["x"] * 2, [v["x"], v["w"]]),
    "grad_unused_first": lambda torch, v: torch.autograd.grad(v["x"] * 2, [v["w"], v["x"]]),
    "grad_unused_third": lambda torch, v: torch.autograd.grad(v["x"] * v["w"], [v["x"], v["w"], v["z"]]),
    "grad_not_requiring": lambda torch, v: torch.autograd.grad(v["x"] * v["w"], [v["n"]]),
    "backward_of_constant": lambda torch, v: (v["n"] * 2).backward(),
}


def torch_text(torch, function, bindings: dict, no_grad=()) -> str:
    try:
        function(torch, _leaves(torch, bindings, no_grad))
    except (RuntimeError, IndexError, ValueError) as exc:
        return str(exc).splitlines()[0]
    raise AssertionError("torch did not refuse it")


def main() -> None:
    import torch

    cases = []
    for source, bindings, options, function in PROGRAMS:
        text = torch_text(torch, function, bindings, options.get("no_grad", ()))
        cases.append({"source": source, "bindings": bindings, "options": options, "torch": text})
    scalars = {"x": 1.0, "w": 2.0, "z": 3.0, "n": 4.0}
    for name, function in API.items():
        cases.append({"api": name, "torch": torch_text(torch, function, scalars, ("n",))})
    lines = ",\n".join(json.dumps(case) for case in cases)
    CASES.write_text(f'{{"torch": "{torch.__version__}", "cases": [\n{lines}\n]}}\n', encoding="utf-8")
    print(f"wrote {len(cases)} cases to {CASES}")


if __name__ == "__main__":
    main()
