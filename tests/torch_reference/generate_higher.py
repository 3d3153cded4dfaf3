"""Generate tests/torch_reference/higher_cases.json: every public function of agrad's op table
differentiated once and twice by PyTorch (float64, CPU), at ordinary and at special points.

Run with torch installed:  python tests/torch_reference/generate_higher.py

For a function F each case is `grad(F, x)` (first order) or `grad(grad(F, x), x)` (second order;
for a vector x, `grad(sum(grad(F, x)), x)`), and torch's answer for it as agrad shows one: the
expression's value, its grad_fn name (the node torch's backward formulas made: TanhBackward-
Backward0, MulBackward1, ...) and each variable's .grad after backward from it (with a gradient
of ones for a vector; None where torch leaves it None, as when the derivative is a constant).
A second variable w is a leaf too where the function takes two arguments. The torch side is
built with torch.autograd.grad(..., create_graph=True), as agrad's grad() is.

"exact" is False where torch used a kernel that is not correctly rounded (generate.INEXACT) in
the function or in its derivatives: those cases are compared within a relative tolerance.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

from agrad.engine import ops

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("torch_reference_generate", HERE / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

CASES = HERE / "higher_cases.json"
INF, NAN = math.inf, math.nan
ORDINARY = (-1.7, -0.45, 0.35, 0.8, 2.3)
SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, 20.0, 20.5, 30.0, 1000.0, -1000.0, INF, -INF, NAN)
W = 0.7  # the second argument of a two-argument function
# the functions whose derivatives use a kernel of INEXACT (beyond their own name)
DERIVATIVE_USES = {"sigmoid": "exp", "softplus": "exp", "gelu": "exp", "asinh": "sqrt", "acosh": "sqrt",
                   "sinh": "cosh", "cosh": "sinh", "norm": "sqrt", "atan2": "atan2", "hypot": "hypot"}
VECTORS = {
    "sum": [[0.35, -1.7, 0.8], [0.0, INF, 2.0]],
    "mean": [[0.35, -1.7, 0.8], [1.0, NAN]],
    "prod": [[0.35, -1.7, 0.8, 2.3], [0.0, INF, 2.0], [0.0, 3.0, 2.0], [0.0, 0.0, 2.0], [0.0, NAN, 2.0],
             [2.0, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0], [INF, 2.0], [NAN, 0.0]],
    "norm": [[0.35, -1.7, 0.8], [0.0, 0.0], [3.0, 4.0]],
    "max": [[0.35, -1.7, 0.8], [1.0, 3.0, 3.0]],
    "min": [[0.35, -1.7, 0.8], [1.0, 1.0, 3.0]],
    "dot": [[0.35, -1.7, 0.8]],
}
# Compositions the issue names (a broadcast operand's gradient, a mean's 1/n, clamped and relu
# paths), each with its torch computation (F: the leaves to the function's output).
EXTRA = [
    ("sum(x*w)", "w", {"x": [1.0, 2.0, 3.0], "w": 2.0}, lambda t, v: t.sum(v["x"] * v["w"])),
    ("sum(x*w^2)", "w", {"x": [1.0, 2.0, 3.0], "w": 2.0}, lambda t, v: t.sum(v["x"] * v["w"] ** 2)),
    ("sum(x*w)", "w", {"x": [1.0, 2.0, 3.0], "w": [2.0]}, lambda t, v: t.sum(v["x"] * v["w"])),
    ("sum(x*w^2)", "w", {"x": [1.0, 2.0, 3.0], "w": [2.0]}, lambda t, v: t.sum(v["x"] * v["w"] ** 2)),
    ("sum(x*w)", "x", {"x": [1.0, 2.0, 3.0], "w": [2.0]}, lambda t, v: t.sum(v["x"] * v["w"])),
    ("max(x)^2", "x", {"x": [1.0, 3.0, 2.0]}, lambda t, v: t.max(v["x"]) ** 2),
    ("min(x)^2", "x", {"x": [1.0, 1.0, 2.0]}, lambda t, v: t.min(v["x"]) ** 2),
    ("mean(x)^2", "x", {"x": [1.0, 3.0, 2.0]}, lambda t, v: t.mean(v["x"]) ** 2),
    ("sum(x)*w", "x", {"x": [1.0, 3.0, 2.0], "w": 2.0}, lambda t, v: t.sum(v["x"]) * v["w"]),
    ("x[0]*x[1]", "x", {"x": [1.0, 3.0, 2.0]}, lambda t, v: v["x"][0] * v["x"][1]),
    ("mean(x^2)", "x", {"x": [1.0, 2.0, 3.0]}, lambda t, v: t.mean(v["x"] ** 2)),
    ("clamp(x, 0, 1)^2", "x", {"x": 0.5}, lambda t, v: t.clamp(v["x"], 0, 1) ** 2),
    ("relu(x)^2", "x", {"x": 1.5}, lambda t, v: t.relu(v["x"]) ** 2),
    ("relu(x)^2", "x", {"x": NAN}, lambda t, v: t.relu(v["x"]) ** 2),
    ("relu(x)*x", "x", {"x": NAN}, lambda t, v: t.relu(v["x"]) * v["x"]),
    ("max(x, w)^2", "x", {"x": 0.5, "w": 0.3}, lambda t, v: t.maximum(v["x"], v["w"]) ** 2),
    ("log2(x)", "x", {"x": 2.0}, lambda t, v: t.log2(v["x"])),
]


def torch_function(torch, name: str, op: ops.Op):
    """The torch function behind an entry (torch.maximum for max(a, b), torch.max for max(v))."""
    if op.name in ("max", "min"):
        return torch.maximum if name == "max" else torch.minimum
    if op.name in ("max_reduce", "min_reduce"):
        return torch.max if name == "max" else torch.min
    fn = torch
    for part in generate.TORCH_FUNCTIONS[name].split("."):
        fn = getattr(fn, part)
    return fn


def function_cases(name: str, op: ops.Op) -> list[tuple]:
    """(F's text, the variable differentiated, bindings, F in torch) for one public function at
    each of its points."""
    def call(args):
        return lambda t, v: torch_function(t, name, op)(*[v[a] if isinstance(a, str) else a for a in args])

    if not op.elementwise:
        args = ("x", "w") if op.arity == 2 else ("x",)
        text = f"{name}({', '.join(args)})"
        return [(text, "x", {"x": x, "w": [W] * len(x)} if op.arity == 2 else {"x": x}, call(args))
                for x in VECTORS[name]]
    args = ("x", -1, 1) if name == "clamp" else ("x", "w") if op.arity == 2 else ("x",)
    text = f"{name}({', '.join(str(a) for a in args)})"
    return [(text, "x", {"x": x, "w": W} if op.arity == 2 else {"x": x}, call(args)) for x in ORDINARY + SPECIAL]


def all_functions() -> list[tuple]:
    cases = []
    for name, op in ops.public_functions().items():
        cases += function_cases(name, op)
        if name in ("max", "min"):
            cases += function_cases(name, ops.TABLE[f"{name}_reduce"])
    return cases + EXTRA


def sources(text: str, var: str, vector: bool) -> tuple[str, str]:
    """agrad's first- and second-order expressions for F."""
    first = f"grad({text}, {var})"
    return first, (f"grad(sum({first}), {var})" if vector else f"grad({first}, {var})")


# -- running a case in torch -----------------------------------------------------------------

def run_torch(fn, var: str, bindings: dict, order: int) -> dict:
    """grad(F, var) (order 1) or its derivative (order 2; summed first for a vector), as agrad's
    grad() computes it (create_graph), then backward from it with a gradient of ones."""
    import torch

    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in bindings.items()}
    (out,) = torch.autograd.grad(fn(torch, leaves), leaves[var], create_graph=True)
    if order == 2:
        (out,) = torch.autograd.grad(out.sum() if out.dim() else out, leaves[var], create_graph=True)
    grad_fn = None if out.grad_fn is None else out.grad_fn.name()
    if out.requires_grad:
        out.backward(torch.ones_like(out))
    return {"value": out.detach().clone().tolist(), "grad_fn": grad_fn,
            "grads": {k: None if t.grad is None else t.grad.clone().tolist() for k, t in leaves.items()}}


def _uses_inexact(source: str) -> bool:
    names = {n for n in generate.INEXACT if f"{n}(" in source}
    names |= {DERIVATIVE_USES[n] for n in DERIVATIVE_USES if f"{n}(" in source}
    return bool(names & generate.INEXACT) or "pow(" in source


def _encode(value):
    if isinstance(value, list):
        return [generate.encode(v) for v in value]
    return generate.encode(value)


def record(text: str, var: str, bindings: dict, fn, order: int) -> dict:
    source = sources(text, var, isinstance(bindings[var], list))[order - 1]
    case = {"source": source, "bindings": {k: _encode(v) for k, v in bindings.items()}}
    try:
        result = run_torch(fn, var, bindings, order)
    except RuntimeError as exc:  # a derivative that is a constant: torch raises at the second grad
        return dict(case, error=str(exc).splitlines()[0])
    return dict(case, value=_encode(result["value"]), grad_fn=result["grad_fn"], exact=not _uses_inexact(source),
                grads={k: _encode(g) for k, g in result["grads"].items()})


def main() -> None:
    import torch

    cases = [record(*case, order) for case in all_functions() for order in (1, 2)]
    lines = ",\n".join(json.dumps(case) for case in cases)
    CASES.write_text(f'{{"torch": "{torch.__version__}", "cases": [\n{lines}\n]}}\n', encoding="utf-8")
    print(f"wrote {len(cases)} cases ({sum('error' in c for c in cases)} torch errors) to {CASES}")


if __name__ == "__main__":
    main()
