"""The cases of each row (category): random expressions, special points, the lessons' options,
nested grad(), Hessians, Jacobians, float32, error texts. Each case is plain JSON data:
{"row", "source", "bindings", "dtype", "options" (agrad.run's keywords)} and, for nested grad(),
"inner" and "wrt" (torch runs autograd.grad on inner, once per name in wrt).

The random expressions are those of tests/torch_reference (generate.py for scalars,
generate_vectors.py for vectors); `count` scales each row (--quick uses a small one).
"""

from __future__ import annotations

import math
import random
import re

from agrad.engine import ops

from .sides import reference as vectors
from torch_reference import generate as scalars

UNARY = [n for n, op in ops.public_functions().items() if op.elementwise and op.arity == 1]
BINARY = ["pow", "atan2", "hypot", "max", "min"]
CORRECTLY_ROUNDED = [n for n in UNARY + BINARY + ["clamp"] if n not in scalars.INEXACT]
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324,
           2.2250738585072014e-308, 1e-300, 1e-200, 1e-162, 1e-20, 1e-8, 1e300, 1e200, 1.7976931348623157e308,
           -1e300, 20.0, 30.0, 40.0, 88.0, 89.0, 100.0, 700.0, 709.0, 709.78, 710.0, -709.0, -710.0, -745.0,
           -746.0, 1000.0, -1000.0, math.pi / 2, -math.pi / 2, math.pi, 3.0, 1.0000001, 0.9999999]
SPECIAL_PAIRS = [(a, b)
                 for a in [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, math.inf, -math.inf, math.nan, 1e-300, 1e300]
                 for b in [0.0, -0.0, 1.0, -1.0, 2.0, 3.0, -2.0, 0.5, math.inf, -math.inf, math.nan, 1e-300]]
HOOKS = ["g*2", "g+1", "-g", "g*0", "g/4", "g^2"]


def _case(row, source, bindings, dtype="float64", inner=None, wrt=None, **options):
    case = {"row": row, "source": source, "bindings": bindings, "dtype": dtype, "options": options}
    return case if inner is None else {**case, "inner": inner, "wrt": wrt}


def _scalar_bindings(rng):
    return {name: scalars.random_value(rng) for name in scalars.VARIABLES}


def _expression(rng, functions, low=2, high=10):
    return scalars.random_expression(rng, rng.randint(low, high), functions)


def random_scalar(rng, count):
    rows = [("scalar arithmetic (+ - * / ^, literals)", []),
            ("scalar, correctly rounded functions", CORRECTLY_ROUNDED),
            ("scalar, every function", UNARY + BINARY + ["clamp"])]
    for row, functions in rows:
        for _ in range(count):
            yield _case(row, _expression(rng, functions), _scalar_bindings(rng))


def special_points(rng, count):
    """Every function at its special points: one at a time as scalars, and all at once in a
    vector (torch's vectorized kernels run on 16+ elements), each point its own gradient."""
    for name in UNARY:
        for x in SPECIAL:
            yield _case("special points, scalar", f"{name}(x)", {"x": x})
        # each point 16 times, so that each meets torch's vectorized loop, not only its scalar tail
        xs = [x for x in SPECIAL for _ in range(16)]
        yield _case("special points, in one vector", f"{name}(x)", {"x": xs}, gradient=[1.0] * len(xs))
    for name in BINARY:
        for a, b in SPECIAL_PAIRS:
            yield _case("special points, scalar", f"{name}(x, w)", {"x": a, "w": b})
        xs, ws = [a for a, _ in SPECIAL_PAIRS for _ in range(16)], [b for _, b in SPECIAL_PAIRS for _ in range(16)]
        yield _case("special points, in one vector", f"{name}(x, w)", {"x": xs, "w": ws}, gradient=[1.0] * len(xs))
    for lo, hi in [(0, 1), (-1, 1), (1, 0)]:
        for x in SPECIAL[:12]:
            yield _case("special points, scalar", f"clamp(x, {lo}, {hi})", {"x": x})
    for op in ["+", "-", "*", "/", "^"]:
        for a, b in SPECIAL_PAIRS:
            yield _case("special points, scalar", f"x {op} w", {"x": a, "w": b})


def _vector_case(row, rng, n, dtype="float64"):
    case = vectors.random_case(rng, n)
    return _case(row, case["expr"], case["bindings"], dtype,
                 **({} if case["gradient"] is None else {"gradient": case["gradient"]}))


def random_vectors(rng, count):
    for _ in range(count):
        yield _vector_case("vectors, 1 to 8 elements", rng, None)
    for _ in range(count // 2):
        yield _vector_case("vectors, 16 to 64 elements", rng, rng.choice([16, 17, 31, 32, 64]))


LENGTHS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256, 1000]


def reductions(rng, count, dtype):
    row = f"reductions, {dtype}, 1 to 1000 elements"
    sources = ["sum(x)", "mean(x)", "prod(x)", "norm(x)", "dot(x, y)", "max(x)", "min(x)", "sum(x * s)",
               "sum(x + u)"]
    for i in range(count):
        n = LENGTHS[i % len(LENGTHS)]
        scale = rng.choice([1.0, 1.0, 1e-3, 1e3]) if not sources[i % len(sources)].startswith("prod") else 1.0
        xs = [round(rng.uniform(-2.5, 2.5) * scale, 6) if dtype == "float64" else rng.uniform(-2.5, 2.5) * scale
              for _ in range(n)]
        if sources[i % len(sources)] == "prod(x)":
            xs = [rng.uniform(0.8, 1.25) * rng.choice([-1, 1]) for _ in range(n)]
        ys = [rng.uniform(-2.5, 2.5) for _ in range(n)]
        source = sources[i % len(sources)]
        bindings = {"x": xs}
        others = {"dot(x, y)": {"y": ys}, "sum(x * s)": {"s": rng.uniform(-2, 2)},
                  "sum(x + u)": {"u": [rng.uniform(-2, 2)]}}
        bindings.update(others.get(source, {}))
        yield _case(row, source, bindings, dtype)


def lessons(rng, count):
    functions = UNARY + BINARY
    for _ in range(count):
        source = _expression(rng, functions, 1, 6)
        yield _case("--backward N, --zero-grad", source, _scalar_bindings(rng),
                    backward_passes=rng.randint(2, 3), zero_grad=rng.random() < 0.5)
        yield _case("--hook NAME=EXPR", source, _scalar_bindings(rng),
                    hooks=[[rng.choice(scalars.VARIABLES), rng.choice(HOOKS)]])
        yield _case("--no-grad NAME", source, _scalar_bindings(rng), no_grad=[rng.choice(scalars.VARIABLES)])
        yield _case("--gradient (a scalar seed)", source, _scalar_bindings(rng),
                    gradient=rng.choice([2.0, -0.5, 0.1]))


def retained(rng, count):
    """y = EXPR; an expression of y and the variables, with --retain-grad y."""
    functions = UNARY + BINARY
    for _ in range(count):
        for _ in range(10):  # mostly an intermediate that depends on a variable
            assigned = _expression(rng, functions, 1, 4)
            if re.search(r"\b[xwv]\b", assigned) or rng.random() < 0.1:
                break
        source = re.sub(r"\bv\b", "y", _expression(rng, functions, 1, 5))
        case = _case("--retain-grad NAME", f"y = {assigned}; {source}", _scalar_bindings(rng), retain_grad=["y"])
        yield {**case, "assign": ["y", assigned], "inner": source}


def first_and_second_order(rng, count):
    """grad() of every function, once and twice, at a few points (the grad_fn names of
    derivative graphs, and their values at the edges)."""
    points = [0.5, -0.5, 1.0, 2.0, 0.0, -2.0, 1000.0, 30.0, math.nan]
    for name in UNARY:
        for x in points:
            yield _case("grad() of each function", f"grad({name}(x), x)", {"x": x}, inner=f"{name}(x)", wrt=["x"])
            yield _case("grad(grad()) of each function", f"grad(grad({name}(x), x), x)", {"x": x},
                        inner=f"{name}(x)", wrt=["x", "x"])
    for name in BINARY + ["*", "/", "^"]:
        inner = f"{name}(x, w)" if name[0].isalpha() else f"x {name} w"
        for x, w in [(0.5, 2.0), (2.0, 0.5), (-1.5, 3.0), (1.0, 1.0), (0.0, 2.0)]:
            for wrt in (["x"], ["w"], ["x", "x"], ["x", "w"], ["w", "w"]):
                source = inner
                for var in wrt:
                    source = f"grad({source}, {var})"
                row = "grad() of each function" if len(wrt) == 1 else "grad(grad()) of each function"
                yield _case(row, source, {"x": x, "w": w}, inner=inner, wrt=wrt)


def nested_random(rng, count):
    functions = UNARY + BINARY
    for _ in range(count):
        inner = _expression(rng, functions, 1, 6)
        # mostly variables the expression uses (an unused one gives 0, on purpose: rows.py)
        used = [name for name in scalars.VARIABLES if name in inner.replace("exp", "").replace("sqrt", "")]
        wrt = [rng.choice(used if used and rng.random() < 0.9 else scalars.VARIABLES)
               for _ in range(rng.choice([1, 2, 2, 3]))]
        source = inner
        for var in wrt:
            source = f"grad({source}, {var})"
        yield _case(f"nested grad(), random, order {min(len(wrt), 3)}", source, _scalar_bindings(rng),
                    inner=inner, wrt=wrt)


def orders_hessians_jacobians(rng, count):
    functions = UNARY + BINARY
    for _ in range(count):
        source = _expression(rng, functions, 1, 6)
        yield _case("--order 3", source, _scalar_bindings(rng), order=3)
        yield _case("--hessian, scalars", source, _scalar_bindings(rng), hessian=True)
    for _ in range(count // 2):
        case = vectors.random_case(rng)
        if case["gradient"] is not None:
            yield _case("--jacobian, vectors", case["expr"], case["bindings"], jacobian=True)
        else:
            yield _case("--hessian, vectors", case["expr"], case["bindings"], hessian=True)


def float32(rng, count):
    row = "float32, scalar arithmetic and integer powers"
    for _ in range(count):
        source = _expression(rng, [], 2, 8)
        yield _case(row, source, {n: scalars.random_value(rng) for n in scalars.VARIABLES}, "float32")
    for p in [2, 3, 4, 5, -1, -2, -3, 0.5, 1.5, -0.5]:
        for _ in range(max(3, count // 20)):
            yield _case(row, f"x^{p}" if p >= 0 else f"x^({p})", {"x": rng.uniform(-3, 3)}, "float32")
    for name in UNARY:
        for x in SPECIAL:
            yield _case("float32, special points", f"{name}(x)", {"x": x}, "float32")
        xs = [rng.uniform(-3, 3) for _ in range(max(4, count // 10))]
        for x in xs:
            yield _case("float32, functions at random points", f"{name}(x)", {"x": x}, "float32")
    for _ in range(count // 2):
        case = vectors.random_case(rng)
        yield _case("float32, vectors", case["expr"], case["bindings"], "float32",
                    **({} if case["gradient"] is None else {"gradient": case["gradient"]}))


def literal_folding(rng, count):
    row = "literal parts (Python's arithmetic, functions as tensors)"
    sources = ["y / (-(0*0))", "log10(0+0)^0.5 + y", "y + 2^0.5", "y * (1/3)", "y + 0.1 + 0.2", "y * (2*3)",
               "y / (1 - 1)", "y + sin(1)", "y * exp(2)", "y + sqrt(2)^2", "y * (10^-3)", "y ^ (1 + 1)",
               "y + (-0.0)", "y * (-(0.0))", "y - 2^-1074", "y * (3 - 3*1)", "y * log(0)", "y + atan2(0, -1)",
               "y + max(1, 2)", "y * (0.5^2000)", "y * tanh(20)^2", "y + (2^1023 * 2)", "y * (1e308 * 10)"]
    for source in sources:
        for y in [0.5, -1.0, 0.0]:
            yield _case(row, source, {"y": y})


def error_texts(rng, count):
    row = "error texts"
    yield _case(row, "x * 2", {"x": [1.0, 2.0]})
    yield _case(row, "x * 2", {"x": [1.0, 2.0]}, gradient=[1.0, 2.0, 3.0])
    yield _case(row, "sum([x, 1])", {"x": [1.0, 2.0, 3.0]})
    yield _case(row, "x * w", {"x": [1.0, 2.0], "w": 3.0}, hessian=True)
    yield _case(row, "grad(w * x, x)", {"x": 1.0, "w": 2.0}, no_grad=["x"], inner="w * x", wrt=["x"])
    yield _case(row, "grad(w * 2, x)", {"x": 1.0, "w": 2.0}, inner="w * 2", wrt=["x"])
    yield _case(row, "grad(grad(3 * x, x), x)", {"x": 1.0}, inner="3 * x", wrt=["x", "x"])
    yield _case(row, "x + y", {"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0]})
    yield _case(row, "dot(x, y)", {"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0]})
    yield _case(row, "x[5]", {"x": [1.0, 2.0, 3.0]})
    yield _case(row, "x[-4]", {"x": [1.0, 2.0, 3.0]})
    yield _case(row, "x * 2", {"x": 1.0, "w": 2.0}, hooks=[["w", "g*2"]], no_grad=["w"])
    yield _case(row, "2 * 3", {"x": 1.0})
    yield _case(row, "grad(x * 2, x)", {"x": [1.0, 2.0]}, inner="x * 2", wrt=["x"])
    yield _case(row, "sum(x * 2)", {"x": [1.0, 2.0]}, gradient=[1.0, 2.0])
    yield _case(row, "max(x)", {"x": []})
    yield _case(row, "min(x)", {"x": []})
    yield _case(row, "x[0]", {"x": 2.0})
    yield _case(row, "x * 2", {"x": [1.0, 2.0]}, hessian=True)
    yield _case(row, "x * w", {"x": [1.0, 2.0], "w": [1.0, 2.0, 3.0]}, jacobian=True)


GENERATORS = [random_scalar, special_points, random_vectors, lambda rng, n: reductions(rng, n, "float64"),
              lambda rng, n: reductions(rng, n, "float32"), lessons, first_and_second_order, nested_random,
              orders_hessians_jacobians, float32, literal_folding, error_texts, retained]


def all_cases(seed: int, count: int) -> list[dict]:
    """Every row's cases; `count` random cases a row (about)."""
    rng = random.Random(seed)
    return [case for generate in GENERATORS for case in generate(rng, count)]
