"""The parts of issue 16's higher-order work that the recorded torch cases (test_torch_higher.py)
do not reach by themselves: hooks are programs (their numbers are not a formula's Scalars),
prod's gradient with zeros without a graph, float32 in the backward kernels, and the edges of
the backward functions, each derived by hand."""

import math

import numpy as np
import pytest

import agrad
from agrad.engine.autograd import grad
from agrad.engine.tensor import dtype_mode, tensor


def test_a_python_number_in_a_rule_is_a_scalar_but_in_a_hook_a_wrapped_number():
    # torch: a hook `lambda g: g * 3` is Python, MulBackward0; pow's formula grad * 2 * x^1
    # multiplies by a C++ Scalar, MulBackward1. The gradient arriving at y requires grad here
    # (a seed v that requires grad), so the hook's product is a node.
    x, v = tensor(2.0, requires_grad=True), tensor(1.0, requires_grad=True)
    y = x ** 2.0
    seen = []
    y.register_hook(lambda g: seen.append(g * 3.0) or seen[-1])
    (g,) = grad(y, x, gradient=v, create_graph=True)
    assert seen[0].grad_fn.name() == "MulBackward0"
    assert g.item() == 12.0  # 3 * 2 * x
    assert g.grad_fn.name() == "MulBackward0" and g.inputs[1].grad_fn.name() == "MulBackward1"  # g * (2 * x^1)


@pytest.mark.parametrize("x, want", [
    ([0.0, math.inf, 2.0], [math.inf, 0.0, math.nan]),  # inf*2, 0*2, 0*inf
    ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),
    ([0.0, 0.0, 2.0], [0.0, 0.0, 0.0]),  # two zeros, no graph: plain zeros
    ([math.nan, 0.0], [0.0, math.nan]),
    ([1.5, -2.0, 4.0], [-8.0, 6.0, -3.0]),  # no zero: grad * prod / x
])
def test_prod_gradient_is_the_product_of_the_others_from_both_sides(x, want):
    got = agrad.evaluate("prod(x)", x=x).grads["x"]
    assert [repr(g) for g in got] == [repr(w) for w in want]


def test_softplus_second_derivative_keeps_the_threshold():
    # softplus_double_backward: sigmoid_backward(1, sigmoid(1000)) * (1000 < 20) = 0 * 0
    r = agrad.evaluate("grad(grad(softplus(x), x), x)", x=1000.0)
    assert r.value == 0.0 and r.grad_fn == "MulBackward1"
    below = agrad.evaluate("grad(grad(softplus(x), x), x)", x=0.5)
    s = 1.0 / (1.0 + math.exp(-0.5))
    assert math.isclose(below.value, s * (1.0 - s), rel_tol=1e-15)


def test_relu_derivative_is_a_node_whose_own_derivative_is_zero():
    r = agrad.evaluate("grad(relu(x), x)", x=1.0)
    assert (r.value, r.grad_fn, r.grads["x"]) == (1.0, "ThresholdBackwardBackward0", 0.0)
    assert agrad.evaluate("grad(relu(x), x)", x=-1.0).value == 0.0


def test_float32_backward_kernels_round_each_operation():
    # tanh_backward(g, y) = g * (1 - y * y), each operation in float32 as torch's kernel
    from agrad.engine.ops import call

    f32 = np.float32
    y = f32(math.tanh(f32(0.3)))
    want = float(f32(1.0) * (f32(1.0) - y * y))
    with dtype_mode("float32"):
        x = tensor(0.3, requires_grad=True)
        x.value = float(f32(0.3))
        (g,) = grad(call("tanh", x), x, create_graph=True)
    assert g.item() == want


@pytest.mark.parametrize("source, name, want", [
    # a program's literal saved by its op (`x / 100`, `w * 0.5`) is a wrapped number tensor in
    # torch, so the formula's `grad / other` is div.Tensor (DivBackward0), where a formula's own
    # number (log2's ln 2, pow's exponent) is a C++ Scalar (MulBackward1); names seen in torch 2.13
    ("grad(grad(cos(x / 100), x), x)", "DivBackward0", -math.cos(0.4 / 100) / 100 / 100),
    ("grad(grad(sinh(x * 0.5), x), x)", "MulBackward0", math.sinh(0.2) * 0.25),
    ("grad(grad(log2(x), x), x)", "MulBackward1", -1 / (0.4 * 0.4 * math.log(2))),
    ("grad(grad(grad(log2(x), x), x), x)", "MulBackward1", 2 / (0.4 ** 3 * math.log(2))),
])
def test_a_programs_literal_stays_a_tensor_in_the_formulas(source, name, want):
    r = agrad.evaluate(source, x=0.4)
    assert r.grad_fn == name
    assert r.value == pytest.approx(want, rel=1e-14)
