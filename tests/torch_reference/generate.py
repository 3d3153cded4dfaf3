"""Generate tests/torch_reference/cases.json: agrad expressions evaluated by PyTorch.

Run with torch installed:  python tests/torch_reference/generate.py

Each case is an expression, values for x, w and v, and what torch 2.x (float64, CPU) gives for
it: the output's value, each variable's .grad (None where torch leaves it None) and the output's
grad_fn name. The expression is parsed by agrad's own parser and its AST is turned into torch
calls here, the way a user would write it: each variable a float64 leaf that requires grad, each
literal a Python number (an int when written with digits only). Arithmetic on numbers alone is
done by Python, as in a user's script (`x ^ (1 + 1)` is x ** 2 with PowBackward0, `-(0*0)` is
the int 0); where Python raises (`1/0`, `0**-1`, an overflow) or gives a complex number, the
result is torch's for the same operands as float64 tensors (IEEE: inf, nan). A function of
numbers alone takes them as float64 tensors (torch's functions take tensors) and gives a 0-d
tensor: `x ^ sin(2)` is PowBackward1, `log10(0+0) ^ 0.5` is nan.

Each case also says whether agrad can match it bit for bit ("exact"): not when torch used one of
the float64 CPU kernels in INEXACT, which are not correctly rounded the way Python's math (glibc)
is (torch.sqrt(2.0) is 1.414213562373095, math.sqrt(2.0) 1.4142135623730951), so the last bit
can differ there and the difference propagates.

The random part (a fixed seed) covers every operator and every public function of agrad's op
table with 2 to 12 operations; the edge part is the list in ../shared/pytorch-conventions.md (beside the repository)
and a few more. test_against_torch.py imports this module for its live comparison.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from agrad.engine import ops
from agrad.language import syntax_tree as st
from agrad.language.parser import parse
from agrad.render.functions import torch_function

SEED = 20240611
N_RANDOM = 400
VARIABLES = ("x", "w", "v")
LITERALS = ("0", "1", "2", "3", "0.5", "1.5", "2.5", "10", "0.25", "1e-3", "100", "pi", "e")
SPECIAL_VALUES = (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, -2.0, 1e-3)
OUTSIDE_VALUES = (math.inf, -math.inf, math.nan, 1000.0, -1000.0, 1e-300, 1e300)
CASES = Path(__file__).with_name("cases.json")
# Literals folded by Python (ints stay ints: -(0*0) is 0, not -0.0), by IEEE where Python raises or
# gives a complex number, and functions of literals as 0-d tensors (issue 16), each met by x.
LITERAL_CASES = ("x / (-(0*0))", "x / -0", "x / -0.0", "x / (0*-1)", "x / (0.0*-1)", "x * (1/0)", "x * (-1/0)",
                 "x * (0/0)", "x * 0^-1", "x * (-0.0)^-1", "x * (-8)^(1/3)", "x * 10.0^400", "x * (-10.0)^401",
                 "x + 2^-1", "x + 7/2", "x * 2^0.5", "x * 2^1024.0", "x + 2^62 * 2",
                 "x ^ (1+1)", "x ^ (3-1.0)", "log10(0+0) ^ 0.5", "log(2) - x", "x ^ log(2)", "log(2) / x",
                 "log(2) + x", "x - sin(1)", "exp(1000) * x", "x * (1e308 * 10)", "sqrt(-1) + x",
                 "x ^ abs(2)", "pow(2, 3) - x", "pow(x, 2)", "pow(2, x)", "x - max(1, 2)", "(-(0*0))^-1 * x")

# -- agrad's AST to torch ----------------------------------------------------------------------

def torch_path(op: ops.Op) -> str:
    """The attribute path under torch of the function an entry mirrors (from its `torch` field,
    as `agrad functions` reads it): "nn.functional.softplus" for softplus."""
    function = torch_function(op)
    if not function:
        raise ValueError(f"the op table's entry {op.name!r} does not name a torch function: {op.torch!r}")
    return function.removeprefix("torch.")


# name -> attribute path under torch, for every function the language calls by name
TORCH_FUNCTIONS = {name: torch_path(op) for name, op in ops.public_functions().items()}

BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}
CONSTANTS = {"pi": math.pi, "e": math.e}
# Functions whose torch float64 CPU kernel (MKL/SLEEF) differs from Python's math in the last bit for
# some inputs (measured on 3000 points each; the others matched on every point). Their gradients
# (sin's uses cos, erf's exp, ...) and pow's (log(x) for a tensor exponent, sqrt(x) for x ** 0.5 and
# x ** 1.5) make a case inexact too.
# logsigmoid: torch's forward and backward always take the vectorized path (SLEEF's exp and
# log1p); silu: without create_graph torch's fused backward kernel rounds 1 + x * (1 - s) once
# (an FMA), where agrad rounds twice (measured on 2000 points: 70 and 64 last-bit differences;
# gelu matched on all of them).
INEXACT = set("sqrt exp log log2 log10 log1p expm1 sin cos tan asin acos atan tanh erf hypot "
              "silu logsigmoid".split())


def run_torch(source: str, bindings: dict) -> dict:
    """Evaluate `source` with torch: {"value", "grads", "grad_fn", "exact"}, numbers as floats."""
    import torch

    leaves = {name: torch.tensor(float(value), dtype=torch.float64, requires_grad=True)
              for name, value in bindings.items()}
    program = parse(source)
    if len(program.statements) != 1 or isinstance(program.statements[0], st.Assign):
        raise ValueError("one expression expected")
    inexact = []
    out = _to_torch(torch, program.statements[0], leaves, inexact)
    grad_fn = None
    if isinstance(out, torch.Tensor):
        if out.requires_grad:
            out.backward()
            grad_fn = None if out.grad_fn is None else out.grad_fn.name()
        out = out.item()
    return {"value": float(out), "grad_fn": grad_fn, "exact": not inexact,
            "grads": {name: None if t.grad is None else t.grad.item() for name, t in leaves.items()}}


def _to_torch(torch, node, leaves, inexact):
    """A Python number (int or float) for a literal, a constant, or arithmetic on those alone,
    else a tensor. Appends to `inexact` each kernel used that is not bit-identical to Python's math."""

    def tensors(args):
        return [torch.tensor(float(a), dtype=torch.float64) if _number(a) else a for a in args]

    def python(fn, *args):  # arithmetic on Python numbers: Python's, or torch's where Python has none
        try:
            result = fn(*args)
        except (ZeroDivisionError, OverflowError):
            result = None
        if isinstance(result, complex) or result is None:
            return fn(*tensors(args)).item()
        return result

    if isinstance(node, st.Number):
        return int(node.text) if node.text.isdigit() else float(node.text)
    if isinstance(node, st.Name):
        return leaves[node.id] if node.id in leaves else CONSTANTS[node.id]
    args = [_to_torch(torch, kid, leaves, inexact) for kid in st.children(node)]
    numbers = all(_number(a) for a in args)
    if isinstance(node, st.Unary):
        return -args[0] if node.op == "neg" else +args[0]
    if isinstance(node, st.Binary):
        if node.op == "pow" and not _number(args[0]) and (not _number(args[1]) or args[1] in (0.5, 1.5)):
            inexact.append("pow")
        return python(BINARY[node.op], *args) if numbers else BINARY[node.op](*args)
    if node.func in INEXACT or (node.func == "pow" and (numbers or not _number(args[0]) and (
            not _number(args[1]) or args[1] in (0.5, 1.5)))):
        inexact.append(node.func)  # (pow of two numbers: torch.pow of two tensors)
    fn = torch
    for part in TORCH_FUNCTIONS[node.func].split("."):
        fn = getattr(fn, part)
    if node.func == "clamp" and _number(args[1]) and _number(args[2]) and not _number(args[0]):
        return fn(*args)  # torch.clamp(x, lo, hi) with Python numbers: ClampBackward1
    if node.func == "pow" and not numbers and _number(args[1]):
        return fn(args[0], args[1])  # torch.pow(x, 2): PowBackward0
    if node.func == "pow" and not numbers and _number(args[0]):
        return fn(args[0], args[1])  # torch.pow(2, x): PowBackward2
    return fn(*tensors(args))


def _number(a) -> bool:
    return isinstance(a, (int, float))


# -- random expressions ----------------------------------------------------------------------

PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def random_expression(rng: random.Random, n_ops: int, functions: list[str]) -> str:
    """An expression with n_ops operations (operators and calls of `functions`), printed with as
    few parentheses as agrad's grammar needs."""
    return _render(_tree(rng, n_ops, functions), 0, rng)


def _tree(rng, n_ops, functions):
    if n_ops == 0:
        return ("leaf", rng.choice(VARIABLES) if rng.random() < 0.7 else rng.choice(LITERALS))
    kind = rng.choice(["add", "sub", "mul", "div", "pow", "neg"] + [f"call:{f}" for f in functions])
    arity = 1 if kind == "neg" else ops.TABLE[kind[5:]].arity if kind.startswith("call:") else 2
    cuts = sorted(rng.randint(0, n_ops - 1) for _ in range(arity - 1))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [n_ops - 1])]
    return (kind, *[_tree(rng, size, functions) for size in sizes])


def _render(tree, context, rng):
    kind, *kids = tree
    if kind == "leaf":
        return kids[0]
    if kind.startswith("call:"):
        return f"{kind[5:]}({', '.join(_render(k, 0, rng) for k in kids)})"
    if kind == "neg":
        text, prec = "-" + _render(kids[0], 3, rng), 3
    elif kind == "pow":  # the base is an atom; the exponent may carry a sign; right-associative
        text, prec = f"{_render(kids[0], 5, rng)}{rng.choice(['^', '**', ' ^ '])}{_render(kids[1], 3, rng)}", 4
    else:  # left-associative
        prec = PRECEDENCE[kind]
        text = f"{_render(kids[0], prec, rng)} {SYMBOLS[kind]} {_render(kids[1], prec + 1, rng)}"
    return f"({text})" if prec < context else text


def random_value(rng: random.Random) -> float:
    r = rng.random()
    if r < 0.15:
        return rng.choice(SPECIAL_VALUES)
    if r < 0.18:
        return rng.choice(OUTSIDE_VALUES)
    return rng.uniform(-3.0, 3.0) if r < 0.7 else rng.uniform(0.05, 1.0)


def _finite(result: dict) -> bool:
    numbers = [result["value"], *[g for g in result["grads"].values() if g is not None]]
    return all(math.isfinite(n) for n in numbers)


def random_case(rng: random.Random) -> tuple[str, dict]:
    """A random expression and bindings. One expression in four uses only the functions outside
    INEXACT, so that more cases are held to bit-for-bit agreement. Values are redrawn a few times
    to land mostly where the expression is defined, but one case in ten keeps its first draw."""
    # the elementwise functions: the reductions (sum, dot, ...) are generate_vectors.py's business
    functions = [name for name, op in ops.public_functions().items() if op.elementwise]
    if rng.random() < 0.25:
        functions = [f for f in functions if f not in INEXACT]
    source = random_expression(rng, rng.randint(2, 12), functions)
    keep_first = rng.random() < 0.1
    for _ in range(20):
        bindings = {name: random_value(rng) for name in VARIABLES}
        if keep_first or _finite(run_torch(source, bindings)):
            break
    return source, bindings


# -- edge points ------------------------------------------------------------------------------

def edge_cases() -> list[tuple[str, dict]]:
    inf, nan = math.inf, math.nan
    cases = [(src, {"x": x}) for src, xs in [
        ("relu(x)", [0.0, -0.0, nan, 2.0, -2.0]), ("abs(x)", [0.0, -0.0, -2.0]), ("sign(x)", [2.0, 0.0, -3.0, nan]),
        ("sqrt(x)", [0.0, -0.0, -1.0, 4.0, inf]), ("log(x)", [0.0, -1.0, 1.0, inf]), ("1/x", [0.0, -0.0, 4.0]),
        ("x^2", [0.0, -3.0]), ("x^0", [0.0, 5.0, nan]), ("x^1", [0.0]), ("x^0.5", [0.0, -1.0, -0.0, -inf, inf]),
        ("x^-1", [0.0, -0.0]), ("x^3", [0.0, -1.5, 1.1]), ("x^-2", [0.0, 3.0]), ("x^-0.5", [0.0, 4.0]),
        ("x**2.5", [2.0, -1.0]), ("2^x", [3.0, -inf]), ("0^x", [2.0, 0.0, -1.0]), ("(-2)^x", [2.0, 0.5]),
        ("2**x", [0.5]), ("clamp(x, 0, 1)", [-1.0, 0.0, 0.5, 1.0, 2.0, nan]),
        ("floor(x)", [2.5, -2.5, -0.0]), ("ceil(x)", [2.5, -0.5]), ("round(x)", [0.5, 1.5, 2.5, -0.5, -2.5]),
        ("sigmoid(x)", [0.0, -100.0, 100.0, -800.0]), ("tanh(x)", [0.0, 30.0]), ("exp(x)", [1000.0, -1000.0]),
        ("x*0", [inf, 2.0]), ("asin(x)", [1.0, -1.0, 2.0]), ("acos(x)", [1.0, -1.0]), ("atanh(x)", [1.0, -1.0]),
        ("acosh(x)", [1.0, 0.5]), ("log1p(x)", [-1.0, -2.0]), ("log2(x)", [0.0, 8.0]), ("log10(x)", [0.0, 3.0]),
        ("expm1(x)", [1000.0, 1e-10]), ("softplus(x)", [20.0, 20.5, -30.0, 0.0, 800.0]), ("erf(x)", [0.0, 30.0]),
        ("silu(x)", [0.0, -0.0, 1.0, -1.0, 20.0, -40.0, 800.0, -800.0, inf, -inf, nan]),
        ("gelu(x)", [0.0, -0.0, 1.0, -1.0, 3.0, -10.0, 40.0, -40.0, inf, -inf, nan]),
        ("logsigmoid(x)", [0.0, -0.0, 1.0, -1.0, 20.0, -20.0, 40.0, -40.0, 800.0, -800.0, inf, -inf, nan]),
        ("sinh(x)", [1000.0, -1000.0]), ("cosh(x)", [1000.0]), ("tan(x)", [inf]), ("sin(x)", [inf]),
        ("x", [2.0]), ("+x", [2.0]), ("-x", [2.0, 0.0]), ("x+2", [1.0]), ("2+x", [1.0]), ("x-2", [1.0]),
        ("2-x", [1.0]), ("x*2", [1.0]), ("2*x", [1.0]), ("x/2", [1.0]), ("2/x", [1.0, 0.0]),
        ("x ** 2", [3.0]), ("x^(1+1)", [3.0]), ("x^sin(2)", [3.0]), ("max(x, 2)", [2.0, 1.0]),
        ("min(2, x)", [2.0]), ("2+3*4", [1.0]), ("1/0 + x", [1.0]), ("max(x, x)", [1.0]), ("min(x, x)", [1.0]),
    ] for x in xs]
    cases += [(src, {"x": 0.5}) for src in LITERAL_CASES]
    cases += [(src, {"x": x, "w": w}) for src, pairs in [
        ("pow(x, w)", [(0, 0), (0, 1), (0, 2), (0, 0.5), (0, -1), (-2, 2), (2, 3), (-2, 0.5), (0, nan)]),
        ("x^w", [(2.0, 0.0), (-0.0, 3.0), (-1e-160, -2.5)]), ("x^-2.5 + w", [(-1e-160, 0.0)]), ("max(x, w)", [(1.0, 1.0), (0.0, -0.0), (1.0, nan), (3.0, 1.0)]),
        ("min(x, w)", [(1.0, 1.0), (1.0, 3.0)]), ("atan2(x, w)", [(0.0, 0.0), (0.0, -0.0), (1e-160, 0.0)]),
        ("hypot(x, w)", [(0.0, 0.0), (3.0, 4.0)]), ("x+w", [(1, 2)]), ("x-w", [(1, 2)]), ("x*w", [(1, 2)]),
        ("x/w", [(1, 2), (1, 0), (0, 0)]), ("clamp(x, w, 1)", [(0.5, 0.0), (-1.0, 0.0), (2.0, 3.0)]),
        ("clamp(x, 0, w)", [(0.5, 1.0), (2.0, 1.0)]), ("sqrt(0^w)", [(0.0, 2.0)]), ("sqrt(x^w)", [(0.0, 2.0)]),
        ("x*w - x*w", [(inf, 1.0)]),
        # w reaches the output along three paths: the sum of their gradients depends on the order
        ("(w + w) * sinh(w)", [(1.0, 0.7119370735439025)]), ("sinh(w) * (w / w)", [(1.0, 0.2719155493578473)]),
    ] for x, w in pairs]
    return cases


# -- the file ---------------------------------------------------------------------------------

def encode(number):
    if number is None or math.isfinite(number):
        return number  # json keeps -0.0
    return "nan" if number != number else ("inf" if number > 0 else "-inf")


def decode(number):
    return float(number) if isinstance(number, str) else number


def record(source: str, bindings: dict) -> dict:
    bindings = {name: float(bindings.get(name, 1.0)) for name in VARIABLES}
    result = run_torch(source, bindings)
    return {"source": source, "bindings": {k: encode(b) for k, b in bindings.items()},
            "value": encode(result["value"]), "grad_fn": result["grad_fn"], "exact": result["exact"],
            "grads": {k: encode(g) for k, g in result["grads"].items()}}


def _nodes(program):
    stack = list(program.statements)
    while stack:
        node = stack.pop()
        stack.extend(st.children(node))
        yield node


def main() -> None:
    import torch

    rng = random.Random(SEED)
    cases = [record(*case) for case in edge_cases()]
    cases += [record(*random_case(rng)) for _ in range(N_RANDOM)]
    calls = {node.func for case in cases for node in _nodes(parse(case["source"])) if isinstance(node, st.Call)}
    missing = {name for name, op in ops.public_functions().items() if op.elementwise} - calls  # (reductions:
    # generate_vectors.py)
    assert not missing, f"no case calls {sorted(missing)}"
    lines = ",\n".join(json.dumps(case) for case in cases)  # one case a line
    CASES.write_text(f'{{"torch": "{torch.__version__}", "seed": {SEED}, "cases": [\n{lines}\n]}}\n',
                     encoding="utf-8")
    exact = sum(case["exact"] for case in cases)
    print(f"wrote {len(cases)} cases ({exact} exact) to {CASES}")


if __name__ == "__main__":
    main()
