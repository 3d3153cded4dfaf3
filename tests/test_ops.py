"""The functions whose SymPy form is written here: value against SymPy, first derivative against SymPy
and central finite differences, second derivative (create_graph) against SymPy, at points
hypothesis picks from each function's smooth domain. (Every entry of the op table, this list or
not, is checked from the table itself by test_op_table.py.)"""

import math

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as hs

import agrad

X, Y = sympy.symbols("x y", real=True)

# name -> (SymPy expression in x [, y, z], domain of x, [domain of y, z]). Non-smooth functions
# are sampled away from their kinks; floor/ceil/round/sign have derivative 0 wherever it exists.
SMOOTH = {
    "abs": (sympy.Abs(X), [(0.1, 5), (-5, -0.1)]),
    "sign": (sympy.Integer(1), [(0.1, 5)]),
    "sqrt": (sympy.sqrt(X), [(0.05, 20)]),
    "exp": (sympy.exp(X), [(-20, 20)]),
    "log": (sympy.log(X), [(0.05, 50)]),
    "log2": (sympy.log(X, 2), [(0.05, 50)]),
    "log10": (sympy.log(X, 10), [(0.05, 50)]),
    "log1p": (sympy.log(1 + X), [(-0.9, 50)]),
    "expm1": (sympy.exp(X) - 1, [(-20, 20)]),
    "sin": (sympy.sin(X), [(-10, 10)]),
    "cos": (sympy.cos(X), [(-10, 10)]),
    "tan": (sympy.tan(X), [(-1.4, 1.4)]),
    "asin": (sympy.asin(X), [(-0.95, 0.95)]),
    "acos": (sympy.acos(X), [(-0.95, 0.95)]),
    "atan": (sympy.atan(X), [(-10, 10)]),
    "sinh": (sympy.sinh(X), [(-10, 10)]),
    "cosh": (sympy.cosh(X), [(-10, 10)]),
    "tanh": (sympy.tanh(X), [(-5, 5)]),
    "asinh": (sympy.asinh(X), [(-10, 10)]),
    "acosh": (sympy.acosh(X), [(1.05, 20)]),
    "atanh": (sympy.atanh(X), [(-0.95, 0.95)]),
    "sigmoid": (1 / (1 + sympy.exp(-X)), [(-15, 15)]),
    "relu": (X, [(0.1, 5)]),
    "softplus": (sympy.log(1 + sympy.exp(X)), [(-15, 19)]),
    "silu": (X / (1 + sympy.exp(-X)), [(-15, 15)]),
    "gelu": (X * (1 + sympy.erf(X / sympy.sqrt(2))) / 2, [(-6, 6)]),
    "logsigmoid": (-sympy.log(1 + sympy.exp(-X)), [(-15, 15)]),
    "erf": (sympy.erf(X), [(-3, 3)]),
    "floor": (sympy.Integer(0), [(0.1, 0.9), (1.1, 1.9)]),
    "ceil": (sympy.Integer(0), [(0.1, 0.9), (-1.9, -1.1)]),
    "round": (sympy.Integer(0), [(0.1, 0.4), (0.6, 1.4)]),
}
BINARY = {
    "pow": (X ** Y, [(0.2, 5)], [(-3, 3)]),
    "atan2": (sympy.atan2(X, Y), [(-5, 5)], [(0.2, 5)]),
    "hypot": (sympy.sqrt(X ** 2 + Y ** 2), [(0.2, 5)], [(-5, -0.2), (0.2, 5)]),
    "max": (X, [(3.1, 6)], [(-3, 3)]),  # sampled where x > y
    "min": (Y, [(3.1, 6)], [(-3, 3)]),
}
STEP_VALUES = {"sign": lambda v: 1.0, "relu": lambda v: v, "floor": math.floor, "ceil": math.ceil,
               "round": round}


def _point(domains):
    return hs.sampled_from(domains).flatmap(lambda d: hs.floats(d[0], d[1]))


def _derivatives(name, x, **others):
    """Value, first and second derivative in x, with the second through create_graph."""
    args = ", ".join(["x"] + list(others))
    xt = agrad.tensor(x, requires_grad=True)
    rest = [agrad.tensor(v) for v in others.values()]
    y = getattr(agrad, name)(xt, *rest)
    y.backward(create_graph=True)
    first = xt.grad
    d1 = first.value
    d2 = None
    if first.requires_grad:
        xt.grad = None
        first.backward()
        d2 = xt.grad.value if xt.grad is not None else 0.0
    else:
        d2 = 0.0
    return y.value, d1, d2, args


def _close(a, b, rel=1e-9, abs_=1e-12):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


@pytest.mark.parametrize("name", sorted(SMOOTH))
@settings(max_examples=25, deadline=None)
@given(data=hs.data())
def test_unary_function_against_sympy_and_finite_differences(name, data):
    expr, domains = SMOOTH[name]
    x = data.draw(_point(domains))
    value, d1, d2, _ = _derivatives(name, x)
    if name in STEP_VALUES:
        assert value == STEP_VALUES[name](x)
    else:
        assert _close(value, float(expr.subs(X, x).evalf(30)))
    sym1 = sympy.diff(expr, X)
    sym2 = sympy.diff(sym1, X)
    assert _close(d1, float(sym1.subs(X, x).evalf(30)))
    assert _close(d2, float(sym2.subs(X, x).evalf(30)), rel=1e-8, abs_=1e-10)
    h = 1e-6 * max(1.0, abs(x))
    fd = (agrad.evaluate(f"{name}(x)", x=x + h).value - agrad.evaluate(f"{name}(x)", x=x - h).value) / (2 * h)
    assert math.isclose(d1, fd, rel_tol=1e-5, abs_tol=1e-6)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=25, deadline=None)
@given(data=hs.data())
def test_binary_function_partials_against_sympy(name, data):
    expr, dom_x, dom_y = BINARY[name]
    x, y = data.draw(_point(dom_x)), data.draw(_point(dom_y))
    r = agrad.evaluate(f"{name}(x, y)", x=x, y=y)
    at = {X: x, Y: y}
    assert _close(r.value, float(expr.subs(at).evalf(30)))
    for var, sym in (("x", X), ("y", Y)):
        assert _close(r.grads[var], float(sympy.diff(expr, sym).subs(at).evalf(30)), abs_=1e-12)
    # Second derivatives: d/dx of the x-partial, through create_graph.
    xt, yt = agrad.tensor(x, requires_grad=True), agrad.tensor(y, requires_grad=True)
    out = getattr(agrad, name)(xt, yt)
    out.backward(create_graph=True)
    gx = xt.grad
    xt.grad = yt.grad = None
    expected_xx = float(sympy.diff(expr, X, X).subs(at).evalf(30))
    if gx.requires_grad:
        gx.backward()
        got_xx = xt.grad.value if xt.grad is not None else 0.0
    else:
        got_xx = 0.0
    assert _close(got_xx, expected_xx, rel=1e-8, abs_=1e-10)


@settings(max_examples=40, deadline=None)
@given(x=hs.floats(-3, 3), lo=hs.floats(-2, 0), hi=hs.floats(0.5, 2))
def test_clamp_value_and_gradient(x, lo, hi):
    r = agrad.evaluate(f"clamp(x, {lo!r}, {hi!r})", x=x)
    assert r.value == min(max(x, lo), hi)
    assert r.grads["x"] == (1.0 if lo <= x <= hi else 0.0)
    assert r.grad_fn == "ClampBackward1"


@settings(max_examples=40, deadline=None)
@given(x=hs.floats(0.3, 4), w=hs.floats(-3, 3))
def test_operators_against_sympy(x, w):
    cases = {"x + w": X + Y, "x - w": X - Y, "x * w": X * Y, "x / w": X / Y, "x ^ w": X ** Y,
             "2 - x": 2 - X, "2 / x": 2 / X, "x ^ 3": X ** 3, "3 ^ x": 3 ** X, "-x": -X}
    for source, expr in cases.items():
        if source == "x / w" and abs(w) < 1e-3:
            continue
        r = agrad.evaluate(source, x=x, w=w)
        at = {X: x, Y: w}
        assert _close(r.value, float(expr.subs(at).evalf(30))), source
        for var, sym in (("x", X), ("w", Y)):
            expected = float(sympy.diff(expr, sym).subs(at).evalf(30))
            got = r.grads[var] if r.grads[var] is not None else 0.0
            assert _close(got, expected, abs_=1e-12), (source, var)

