"""Random vector expressions, and PyTorch's values and gradients for them.

The expressions are trees (nested tuples) written out in agrad's language by `source`; PyTorch
evaluates the same tree with `torch_value`, so no text is ever evaluated. They cover every
elementwise operator and function, the reductions, dot, norm, indexing, vector literals, and
broadcasting of a scalar variable (`s`) and of a one-element vector (`u`) against vectors of
length n (`x`, `y`). A vector output is either summed or backpropagated from a random seed
(the vector-Jacobian product); a list of hand-picked edge cases (ties, zeros, nan) follows.

Run with torch installed to record the cases the tests compare against:

    PYTHONPATH=src /work/tvenv/bin/python tests/torch_reference/generate_vectors.py

which writes tests/torch_reference/vector_cases.json. tests/test_vector_torch_reference.py
also runs fresh random cases against the installed torch when there is one.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from agrad.engine import ops

try:  # the tests import this module as torch_reference.generate_vectors
    from torch_reference.generate import torch_path
except ImportError:  # run as a script, from this folder
    from generate import torch_path

HERE = Path(__file__).resolve().parent
CASES = HERE / "vector_cases.json"

# every one-argument elementwise function of the op table, and the torch call each mirrors
UNARY = [name for name, op in ops.public_functions().items() if op.arity == 1 and op.elementwise]
OPERATORS = ["+", "-", "*", "/", "^"]
ELEMENTWISE2 = ["max", "min", "atan2", "hypot", "pow"]
REDUCTIONS = ["sum", "mean", "prod", "norm", "max", "min"]
NUMBERS = [2.0, 0.5, 3.0, -1.5, 1.25]
EXPONENTS = [2.0, 3.0, 0.5, -1.0]


# -- trees ------------------------------------------------------------------------------------

def random_case(rng: random.Random, n: int | None = None) -> dict:
    """One case: a tree, bindings for x, y (length n), s (a scalar) and u (length 1), and a
    seed when the output is a vector and is not summed."""
    n = n if n is not None else rng.choice([1, 2, 3, 5, 8])
    want = rng.choice([0, n, n])
    tree = _tree(rng, want, n, rng.randint(1, 4))
    bindings = {"x": _values(rng, n), "y": _values(rng, n), "s": round(rng.uniform(-2, 2), 3),
                "u": _values(rng, 1)}
    gradient = None
    if want:
        if rng.random() < 0.5:
            tree = ("red", "sum", tree)
        else:
            gradient = _values(rng, n)
    return {"expr": source(tree), "tree": tree, "bindings": bindings, "gradient": gradient}


def _values(rng, n):
    return [round(rng.uniform(-2.5, 2.5), 3) for _ in range(n)]


def _tree(rng, shape: int, n: int, depth: int):
    """A tree whose value has `shape` (0: scalar, else a vector of that length)."""
    if depth == 0:
        if shape == 0:
            return rng.choice([("var", "s"), ("idx", ("var", rng.choice("xy")), rng.randrange(-n, n)),
                               ("red", rng.choice(REDUCTIONS), ("var", "x"))])
        return ("var", rng.choice("xy")) if shape == n else ("var", "u")
    kind = rng.random()
    if kind < 0.3:
        return ("un", rng.choice(UNARY), _tree(rng, shape, n, depth - 1))
    if kind < 0.6:
        return ("bin", rng.choice(OPERATORS), *_operands(rng, shape, n, depth))
    if kind < 0.75:
        return ("call2", rng.choice(ELEMENTWISE2), *_operands(rng, shape, n, depth))
    if shape == 0:
        if kind < 0.85:
            return ("red", rng.choice(REDUCTIONS), _tree(rng, n, n, depth - 1))
        if kind < 0.93:
            return ("call2", "dot", _tree(rng, n, n, depth - 1), _tree(rng, n, n, depth - 1))
        return ("idx", _tree(rng, n, n, depth - 1), rng.randrange(-n, n))
    if shape <= 3:
        return ("vec", [_tree(rng, 0, n, depth - 1) if rng.random() < 0.7 else ("num", rng.choice(NUMBERS))
                        for _ in range(shape)])
    return ("un", rng.choice(UNARY), _tree(rng, shape, n, depth - 1))


def _operands(rng, shape, n, depth):
    """Two operands for an elementwise op giving `shape`: one of that shape, the other of the
    same shape or broadcast (a number, a scalar, a one-element vector), in either order."""
    main = _tree(rng, shape, n, depth - 1)
    r = rng.random()
    if r < 0.4:
        other = _tree(rng, shape, n, depth - 1)
    elif r < 0.6:
        other = ("num", rng.choice(NUMBERS))
    elif r < 0.8:
        other = _tree(rng, 0, n, max(0, depth - 2))
    else:
        other = _tree(rng, 1, n, 0) if shape else _tree(rng, 0, n, 0)
    return (main, other) if rng.random() < 0.5 else (other, main)


def source(tree) -> str:
    kind = tree[0]
    if kind == "var":
        return tree[1]
    if kind == "num":
        return repr(tree[1]) if tree[1] >= 0 else f"({tree[1]!r})"  # -1.5 ^ y would be -(1.5 ^ y)
    if kind == "un" or kind == "red":
        return f"{tree[1]}({source(tree[2])})"
    if kind == "bin":
        op, a, b = tree[1:]
        return f"({source(a)} {op} {source(b)})"
    if kind == "call2":
        return f"{tree[1]}({source(tree[2])}, {source(tree[3])})"
    if kind == "idx":
        return f"{_postfix(source(tree[1]), tree[1])}[{tree[2]}]"
    if kind == "vec":
        return "[" + ", ".join(source(item) for item in tree[1]) + "]"
    raise ValueError(kind)


def _postfix(text, tree):
    return text if tree[0] in ("var", "vec", "un", "red", "call2", "idx") else f"({text})"


# -- torch ------------------------------------------------------------------------------------

def torch_value(tree, env):
    """The tree computed by PyTorch; numbers stay Python numbers, as agrad's literals do, except
    as a function's argument: torch's functions take tensors (of the leaves' dtype)."""
    import torch

    dtype = next((v.dtype for v in env.values() if isinstance(v, torch.Tensor)), torch.float64)
    kind = tree[0]
    if kind == "var":
        return env[tree[1]]
    if kind == "num":
        return tree[1]
    if kind == "un":
        fn = torch
        for part in torch_path(ops.TABLE[tree[1]]).split("."):
            fn = getattr(fn, part)
        arg = torch_value(tree[2], env)
        return fn(arg if isinstance(arg, torch.Tensor) else torch.tensor(arg, dtype=dtype))
    if kind == "neg":
        return -torch_value(tree[1], env)
    if kind == "clamp":
        x, lo, hi = (torch_value(t, env) for t in tree[1:])
        if isinstance(lo, torch.Tensor) or isinstance(hi, torch.Tensor):
            lo, hi = (v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=dtype) for v in (lo, hi))
        return torch.clamp(x, lo, hi)
    if kind == "bin":
        a, b = torch_value(tree[2], env), torch_value(tree[3], env)
        op = tree[1]
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        return a ** b
    if kind == "call2":
        a, b = torch_value(tree[2], env), torch_value(tree[3], env)
        if tree[1] == "pow":
            return torch.pow(a, b)
        if tree[1] == "dot":
            return torch.dot(a, b)
        a, b = (x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=dtype) for x in (a, b))
        return {"max": torch.maximum, "min": torch.minimum, "atan2": torch.atan2, "hypot": torch.hypot}[tree[1]](a, b)
    if kind == "red":
        v = torch_value(tree[2], env)
        if tree[1] == "norm":
            return torch.linalg.vector_norm(v)
        return getattr(torch, tree[1])(v)
    if kind == "idx":
        return torch_value(tree[1], env)[tree[2]]
    if kind == "vec":
        items = [torch_value(item, env) for item in tree[1]]
        return torch.stack([x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=dtype)
                            for x in items])
    raise ValueError(kind)


def run_torch(case: dict) -> dict:
    """PyTorch's value, output grad_fn and gradients for a case, as plain JSON-ready data."""
    import torch

    env = {name: torch.tensor(v, dtype=torch.float64, requires_grad=True) for name, v in case["bindings"].items()}
    out = torch_value(case["tree"], env)
    if out.requires_grad:
        seed = None if case["gradient"] is None else torch.tensor(case["gradient"], dtype=torch.float64)
        out.backward(seed)
    return {"value": encode(out.tolist()), "grad_fn": None if out.grad_fn is None else type(out.grad_fn).__name__,
            "grads": {name: None if t.grad is None else encode(t.grad.tolist()) for name, t in env.items()}}


# -- edge cases -------------------------------------------------------------------------------

EDGE_CASES = [
    ("max(x)", {"x": [1.0, 3.0, 3.0]}, None),
    ("min(x)", {"x": [2.0, -1.0, -1.0, 5.0]}, None),
    ("max(x)", {"x": [1.0, math.nan, math.nan]}, None),
    ("min(x)", {"x": [math.nan, 0.0]}, None),
    ("prod(x)", {"x": [1.0, 0.0, 3.0]}, None),
    ("prod(x)", {"x": [0.0, 0.0, 3.0]}, None),
    ("prod(x)", {"x": [2.0, -0.5, 3.0, 4.0]}, None),
    ("norm(x)", {"x": [0.0, 0.0]}, None),
    ("norm(x)", {"x": [3.0, -4.0]}, None),
    ("sqrt(sum(x^2))", {"x": [0.0, 0.0]}, None),
    ("mean(x)", {"x": [1.0, 2.0, 4.0]}, None),
    ("dot(x, y)", {"x": [1.0, 2.0, 3.0], "y": [-1.0, 0.5, 2.0]}, None),
    ("x*2", {"x": [1.0, 2.0]}, [1.0, 0.5]),
    ("x^2", {"x": [1.0, 2.0]}, [1.0, 0.5]),
    ("sum(x^2)", {"x": [1.0, 2.0]}, None),
    ("sign(x)", {"x": [math.nan, -0.0, 0.0, -2.0, 3.0]}, [1.0, 1.0, 1.0, 1.0, 1.0]),
    ("relu(x)", {"x": [-0.0, 0.0, math.nan, -1.0, 2.0]}, [1.0, 1.0, 1.0, 1.0, 1.0]),
    ("max(x, y)", {"x": [-0.0, 0.0, 1.0, math.nan], "y": [0.0, -0.0, 1.0, 2.0]}, [1.0, 1.0, 1.0, 1.0]),
    ("min(x, y)", {"x": [-0.0, 0.0, 1.0, 2.0], "y": [0.0, -0.0, 1.0, math.nan]}, [1.0, 1.0, 1.0, 1.0]),
    ("x^y", {"x": [0.0, 0.0, 0.0, -2.0, 2.0], "y": [0.0, 1.0, -1.0, 2.0, 3.0]}, [1.0, 1.0, 1.0, 1.0, 1.0]),
    ("x^0.5", {"x": [0.0, 4.0, -1.0]}, [1.0, 1.0, 1.0]),
    ("2^x", {"x": [3.0, -1.0]}, [1.0, 1.0]),
    ("log(x)", {"x": [0.0, -1.0, 1.0]}, [1.0, 1.0, 1.0]),
    ("1/x", {"x": [0.0, -0.0, 2.0]}, [1.0, 1.0, 1.0]),
    ("clamp(x, 0, 1)", {"x": [-1.0, 0.0, 0.5, 1.0, 2.0]}, [1.0, 1.0, 1.0, 1.0, 1.0]),
    ("clamp(x, y, 1)", {"x": [-1.0, 0.0, 0.5, 2.0], "y": [0.0, 0.0, 0.0, 0.0]}, [1.0, 1.0, 1.0, 1.0]),
    ("atan2(x, y)", {"x": [0.0, 1.0], "y": [0.0, -1.0]}, [1.0, 1.0]),
    ("hypot(x, y)", {"x": [0.0, 3.0], "y": [0.0, 4.0]}, [1.0, 1.0]),
    ("exp(x)", {"x": [1000.0, -1000.0]}, [1.0, 1.0]),
    ("x*0", {"x": [math.inf, 1.0]}, [1.0, 1.0]),
    ("softplus(x)", {"x": [30.0, -30.0, 0.0]}, [1.0, 1.0, 1.0]),
    ("round(x)", {"x": [0.5, 1.5, 2.5, -0.5, -0.4]}, [1.0, 1.0, 1.0, 1.0, 1.0]),
    ("x[0] * x[-1] + s * sum(x)", {"x": [1.0, 2.0, 3.0], "s": 2.0}, None),
    ("sum(x * s + u)", {"x": [1.0, 2.0, 3.0], "s": 2.0, "u": [0.5]}, None),
    ("[x[0] * x[1], sin(x[0])]", {"x": [1.0, 2.0]}, [1.0, 0.0]),
    ("[x[0] * x[1], sin(x[0])]", {"x": [1.0, 2.0]}, [0.0, 1.0]),
    ("sum(x) / mean(x) - prod(x) * norm(x)", {"x": [1.5, -2.0, 0.25]}, None),
    ("sum(x)", {"x": []}, None),
    ("prod(x) + norm(x) + dot(x, x)", {"x": []}, None),
]


def ast_tree(expr: str):
    """An edge case's tree, from agrad's own parse of its text (one statement, no names
    assigned)."""
    from agrad.language import syntax_tree as st
    from agrad.language.parser import parse

    def convert(node):
        if isinstance(node, st.Number):
            return ("num", node.value)
        if isinstance(node, st.Name):
            return ("var", node.id)
        if isinstance(node, st.Unary):
            return ("neg", convert(node.operand)) if node.op == "neg" else convert(node.operand)
        if isinstance(node, st.Binary):
            symbol = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^"}[node.op]
            return ("bin", symbol, convert(node.left), convert(node.right))
        if isinstance(node, st.Index):
            index = node.index
            sign = -1 if isinstance(index, st.Unary) and index.op == "neg" else 1
            return ("idx", convert(node.target), sign * int((index.operand if sign < 0 else index).value))
        if isinstance(node, st.Vector):
            return ("vec", [convert(item) for item in node.items])
        args = [convert(arg) for arg in node.args]
        if len(args) == 3:
            return ("clamp", *args)
        if len(args) == 2:
            return ("call2", node.func, *args)
        return ("red" if node.func in REDUCTIONS + ["dot"] else "un", node.func, args[0])

    (statement,) = parse(expr).statements
    return convert(statement)


def encode(value):
    """JSON-ready: nested lists of floats, non-finite numbers as "inf", "-inf", "nan"."""
    if isinstance(value, list):
        return [encode(v) for v in value]
    if value is None:
        return None
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, str):
        return float(value)
    return value


def main() -> None:
    import torch

    torch.set_default_dtype(torch.float64)
    rng = random.Random(20240)
    cases = [random_case(rng) for _ in range(300)]
    records = []
    for case in cases:
        records.append({"expr": case["expr"], "bindings": case["bindings"], "gradient": case["gradient"],
                        **run_torch(case)})
    for expr, bindings, gradient in EDGE_CASES:
        tree = ast_tree(expr)
        case = {"expr": expr, "tree": tree, "bindings": bindings, "gradient": gradient}
        records.append({"expr": expr, "bindings": {k: encode(v) for k, v in bindings.items()},
                        "gradient": gradient, **run_torch(case)})
    lines = ",\n".join(json.dumps(record) for record in records)  # one case a line
    CASES.write_text(f'{{"torch": "{torch.__version__}", "cases": [\n{lines}\n]}}\n', encoding="utf-8")
    print(f"wrote {len(records)} cases to {CASES}")


if __name__ == "__main__":
    main()
