"""Values and gradients at kinks, poles and overflow, as observed in PyTorch
(../shared/pytorch-conventions.md): IEEE arithmetic, never an exception."""

import math

import pytest

import agrad

INF, NAN = math.inf, math.nan


def same(a, b):
    if a is None or b is None:
        return a is b
    if math.isnan(b):
        return math.isnan(a)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


@pytest.mark.parametrize("source, x, value, grad", [
    ("relu(x)", 0.0, 0.0, 0.0),
    ("relu(x)", NAN, NAN, 1.0),  # relu backward is 0 if x <= 0 else g: nan passes through
    ("abs(x)", 0.0, 0.0, 0.0),
    ("sign(x)", -2.0, -1.0, 0.0),
    ("sqrt(x)", 0.0, 0.0, INF),
    ("sqrt(x)", -1.0, NAN, NAN),
    ("log(x)", 0.0, -INF, INF),
    ("log(x)", -1.0, NAN, -1.0),
    ("1/x", 0.0, INF, -INF),
    ("1/x", -0.0, -INF, -INF),
    ("x^2", 0.0, 0.0, 0.0),
    ("x^0", 0.0, 1.0, 0.0),
    ("x^1", 0.0, 0.0, 1.0),
    ("x^0.5", 0.0, 0.0, INF),
    ("x^-1", 0.0, INF, -INF),
    ("x^0.5", -1.0, NAN, NAN),
    ("2^x", 3.0, 8.0, 8.0 * math.log(2.0)),
    ("0^x", 2.0, 0.0, 0.0),
    ("clamp(x, 0, 1)", -1.0, 0.0, 0.0),
    ("clamp(x, 0, 1)", 0.0, 0.0, 1.0),
    ("clamp(x, 0, 1)", 0.5, 0.5, 1.0),
    ("clamp(x, 0, 1)", 1.0, 1.0, 1.0),
    ("clamp(x, 0, 1)", 2.0, 1.0, 0.0),
    ("floor(x)", 2.5, 2.0, 0.0),
    ("ceil(x)", 2.5, 3.0, 0.0),
    ("round(x)", 2.5, 2.0, 0.0),  # halves to even, as torch.round
    ("round(x)", -0.5, -0.0, 0.0),
    ("sigmoid(x)", 0.0, 0.5, 0.25),
    ("tanh(x)", 0.0, 0.0, 1.0),
    ("exp(x)", 1000.0, INF, INF),
    ("x*0", INF, NAN, 0.0),
    ("asin(x)", 1.0, math.pi / 2, INF),
    ("max(x, x)", 1.0, 1.0, 1.0),
    ("exp(exp(exp(x)))", 10.0, INF, INF),
    ("x/0", 1.0, INF, INF),
    ("x/0", 0.0, NAN, INF),
    ("log1p(x)", -1.0, -INF, INF),
    ("atanh(x)", 1.0, INF, INF),
    ("acosh(x)", 0.5, NAN, NAN),
    ("sinh(x)", -1000.0, -INF, INF),
    ("cosh(x)", -1000.0, INF, -INF),
    ("softplus(x)", 30.0, 30.0, 1.0),
    ("x^3", -1e200, -INF, INF),
])
def test_edge_points(source, x, value, grad):
    r = agrad.evaluate(source, x=x)
    assert same(r.value, value), r.value
    assert same(r.grads["x"], grad), r.grads["x"]


@pytest.mark.parametrize("x, w, value, dx, dw", [
    (0.0, 0.0, 1.0, 0.0, 0.0),
    (0.0, 1.0, 0.0, 1.0, 0.0),
    (0.0, 2.0, 0.0, 0.0, 0.0),
    (0.0, 0.5, 0.0, INF, 0.0),
    (0.0, -1.0, INF, -INF, -INF),
    (-2.0, 2.0, 4.0, -4.0, NAN),
    (2.0, 3.0, 8.0, 12.0, 8.0 * math.log(2.0)),
])
def test_pow_with_both_variables(x, w, value, dx, dw):
    r = agrad.evaluate("pow(x, w)", x=x, w=w)
    assert same(r.value, value) and same(r.grads["x"], dx) and same(r.grads["w"], dw)
    assert r.grad_fn == "PowBackward1"


@pytest.mark.parametrize("fn", ["max", "min"])
def test_ties_split_the_gradient(fn):
    r = agrad.evaluate(f"{fn}(x, w)", x=2.0, w=2.0)
    assert r.grads == {"x": 0.5, "w": 0.5}
    assert agrad.evaluate(f"{fn}(x, w)", x=3.0, w=2.0).grads == ({"x": 1.0, "w": 0.0} if fn == "max"
                                                                 else {"x": 0.0, "w": 1.0})


def test_two_argument_edges():
    r = agrad.evaluate("atan2(x, w)", x=0.0, w=0.0)
    assert same(r.grads["x"], 0.0) and same(r.grads["w"], -0.0)
    r = agrad.evaluate("hypot(x, w)", x=0.0, w=0.0)
    assert math.isnan(r.grads["x"]) and math.isnan(r.grads["w"])


def test_nothing_raises_on_overflow_or_domain_errors():
    for source in ["1/0", "0/0", "-1/0", "log(0)", "log(-1)", "exp(1000)", "9^9^9^9", "(-8)^(1/3)",
                   "0^-1", "(-0)^-1", "10^400", "(-10)^401", "sqrt(-1)", "asin(2)", "acos(-2)", "tan(1e308)",
                   "sin(1/0)", "floor(1/0)", "round(0/0)", "erf(1/0)", "softplus(-1/0)", "atan2(1/0, 1/0)"]:
        agrad.evaluate(source)
    assert agrad.evaluate("1/0").value == INF
    assert agrad.evaluate("(-10)^401").value == -INF
    assert math.isnan(agrad.evaluate("(-8)^(1/3)").value)
