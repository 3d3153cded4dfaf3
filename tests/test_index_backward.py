"""Indexing's backward: x[0] + x[1] + ... over a long x is linear in terms plus length (no dense
vector per index), and its gradients are the dense sum's to the last bit (signed zeros, nan,
inf, float32 included), with torch's grad_fn names. Also dot() of a scalar and a vector."""

from __future__ import annotations

import math
import random

import pytest

import agrad
from agrad.engine import ops, vector_kernels
from agrad.engine.autograd import backward
from agrad.errors import ShapeError
from agrad.evaluation.lowering import lower, make_variables
from agrad.language.parser import parse


def grads_both_ways(source: str, x: list, dtype: str = "float64"):
    """x's gradient by the sparse path (a plain backward) and by the dense one (a trace's
    on_step makes backward add a dense vector per index, as before), as reprs of every bit."""
    from agrad.engine.tensor import dtype_mode

    results = []
    for on_step in (None, lambda *step: None):
        with dtype_mode(dtype):
            variables = make_variables({"x": x})
            out = lower(parse(source), variables, source).output
            backward(out, on_step=on_step)
        results.append(repr(variables["x"].grad.value.tolist()))
    return results


@pytest.mark.parametrize("source", [
    "x[0] + x[1]",
    "x[0]*-0.0 + x[1]",  # a -0.0 at index 0: the dense sum's +0.0 from x[1]'s term makes it 0.0
    "x[0]*-0.0",  # alone: select_backward keeps -0.0
    "x[0]*-0.0 + x[0]*-0.0",  # every term touches index 0: -0.0
    "x[0]*-0.0 + sum(x*-0.0)",  # a dense contribution after an index's
    "sum(x*-0.0) + x[1]*-0.0",
    "x[2]*1e308 + x[2]*1e308 + x[-1]*-1e400 + x[1]*(0*1e400)",
    "x[0]*x[1] + x[1]*x[2] + sum(x*x) + x[-2] + x[0]*3 + sum(sin(x))",
    "x[1]*(1/3) + x[1]*(1/7) + sum(x/11) + x[1]*(1/13)",
])
def test_index_gradients_equal_the_dense_sum_bit_for_bit(source):
    x = [-0.0, 1.5, 2.0, 3.0e-5, -4.0]
    sparse, dense = grads_both_ways(source, x)
    assert sparse == dense
    sparse32, dense32 = grads_both_ways(source, x, "float32")
    assert sparse32 == dense32


def test_random_index_sums_equal_the_dense_sum_bit_for_bit():
    rng = random.Random(7)
    for _ in range(30):
        terms = []
        for _ in range(rng.randint(1, 12)):
            k = rng.randint(-6, 5)
            c = rng.choice(["-0.0", "0.0", "1/3", "-2.5", "1e300", "1e400", "x[1]", "sum(x)"])
            terms.append(rng.choice([f"x[{k}]*{c}", f"sum(x*{c})", f"x[{k}]"]))
        source = " + ".join(terms)
        x = [rng.choice([-0.0, 0.0, 0.1, -7.25, 1e300]) for _ in range(6)]
        sparse, dense = grads_both_ways(source, x)
        assert sparse == dense, source
        assert grads_both_ways(source, x, "float32")[0] == grads_both_ways(source, x, "float32")[1], source


def test_a_long_index_sum_makes_no_dense_vector_per_index(monkeypatch):
    made = []
    original = vector_kernels.select_backward

    def counting(g, n, i):
        made.append(int(n))
        return original(g, n, i)

    for kernel in (ops.SELECT_BACKWARD.kernel, ops.SELECT_BACKWARD.vector):  # (LazyKernels: the one they call)
        monkeypatch.setattr(kernel, "fn", counting)
    agrad.evaluate("x[0]*x[1]", x=[1.0, 2.0])
    assert made == []
    agrad.run("x[0]*x[1]", {"x": [1.0, 2.0]}, trace=True)  # (the counter counts: a trace adds dense vectors)
    assert made and set(made) == {2}
    made.clear()
    n = 5_000
    source = " + ".join(f"x[{i}]*{i % 7}" for i in range(0, n, 2))
    r = agrad.evaluate(source, x=[1.0] * n)
    assert made == []  # (before: one vector of 5,000 per term, 12.5 million elements)
    assert r.grads["x"][:6] == [0.0, 0.0, 2.0, 0.0, 4.0, 0.0] and r.grads["x"][-2] == float((n - 2) % 7)
    assert r.grad_fn == "AddBackward0" and r.output.inputs[1].op.grad_fn == "MulBackward0"
    assert r.output.inputs[1].inputs[0].op.grad_fn == "SelectBackward0"


def test_a_graph_of_gradients_still_goes_through_select_backward():
    r = agrad.run("g = grad(x[1]^3, x); g[1] + g[0]", {"x": [1.0, 2.0, 3.0]}, fast=False)
    assert r.assigned["g"].tolist() == [0.0, 12.0, 0.0] and r.assigned["g"].op.grad_fn == "SelectBackwardBackward0"
    assert r.value == 12.0 and r.grads["x"] == [0.0, 12.0, 0.0]  # d/dx of 3 x[1]^2 at x[1] = 2


def test_dot_of_a_scalar_and_a_vector_is_torchs_shape_error_in_one_line(cli):
    for source, dims in (("dot(s, x)", "0D and 1D"), ("dot(x, s)", "1D and 0D")):
        with pytest.raises(ShapeError, match=f"1D tensors expected, but got {dims} tensors"):
            agrad.evaluate(source, s=2.0, x=[1.0, 2.0])
        r = cli("eval", source, "--s", "2", "--x", "1,2")
        assert r.exit_code == 1 and "Traceback" not in r.stderr
        assert r.stderr.startswith(f"agrad: shape error: dot() needs two vectors (torch: 1D tensors expected, "
                                   f"but got {dims} tensors)\n")
    assert math.isclose(agrad.evaluate("dot(x, x)", x=[1.0, 2.0]).value, 5.0)
