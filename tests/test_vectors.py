"""Vectors in the engine and the API: values, elementwise ops with broadcasting, reductions,
indexing, the vector-Jacobian product, the Jacobian, higher derivatives, and the errors, checked
against hand-derived numbers, finite differences and the scalar path.

(tests/test_vector_torch_reference.py compares random vector expressions with PyTorch itself;
tests/test_vector_cli.py covers the command line.)"""

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import agrad
from agrad.engine import ops
from agrad import tensor
from agrad.engine.ops import public_functions

from conftest import same_float

# numpy must never print a floating-point warning: 1/0 is inf, log(-1) is nan, silently.
pytestmark = pytest.mark.filterwarnings("error")

INF, NAN = math.inf, math.nan


def same_list(got, want, rel=1e-12):
    return len(got) == len(want) and all(same_float(g, w, rel=rel) for g, w in zip(got, want))


# -- the seed examples of the issue -------------------------------------------------------------

def test_vector_jacobian_products_are_torchs():
    assert agrad.vjp("x*2", [1, 0.5], x=[1, 2]).grads == {"x": [2.0, 1.0]}
    assert agrad.vjp("x^2", [1, 0.5], x=[1, 2]).grads == {"x": [2.0, 2.0]}
    assert agrad.evaluate("sum(x^2)", x=[1, 2]).grads == {"x": [2.0, 4.0]}
    # a scalar output with gradient 2.0 doubles every gradient
    assert agrad.vjp("(x+w)*2", 2.0, x=3, w=1).grads == {"x": 4.0, "w": 4.0}


def test_the_same_through_the_tensor_api():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.backward(tensor([1.0, 0.5]))
    assert x.grad.tolist() == [2.0, 1.0] and y.grad_fn.name() == "MulBackward0"
    x.grad = None
    (x ** 2).backward([1.0, 0.5])
    assert x.grad.tolist() == [2.0, 2.0]


def test_jacobian_of_the_issue_example():
    r = agrad.jacobian("[v[0]*v[1], sin(v[0])]", v=[1, 2])
    assert r.jacobian == {"v": [[2.0, 1.0], [math.cos(1.0), 0.0]]}
    assert r.value == [2.0, math.sin(1.0)] and r.grad_fn == "StackBackward0"
    assert r.grads == {"v": None}  # the passes leave no .grad behind


def test_jacobian_shapes_follow_torch_functional_jacobian():
    # output shape followed by the variable's shape; zeros for a variable the output ignores
    r = agrad.jacobian("x*s + 0*w", x=[1, 2, 3], s=2, w=5)
    assert r.jacobian["x"] == [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]
    assert r.jacobian["s"] == [1.0, 2.0, 3.0]
    assert r.jacobian["w"] == [0.0, 0.0, 0.0]
    r = agrad.jacobian("sum(x*s)", x=[1, 2, 3], s=2, q=[1, 1])
    assert r.jacobian == {"x": [2.0, 2.0, 2.0], "s": 6.0, "q": [0.0, 0.0]}
    assert agrad.jacobian("x*w", x=3, w=2).jacobian == {"x": 2.0, "w": 3.0}
    assert agrad.jacobian("[1, 2]*2", x=[1, 1]).jacobian == {"x": [[0.0, 0.0], [0.0, 0.0]]}


def test_jacobian_rows_are_the_vector_jacobian_products():
    rng = np.random.default_rng(3)
    v = rng.uniform(-2, 2, 4).tolist()
    source = "[v[0]*v[1]*v[2], exp(v[3]) + v[0], sum(v^2), prod(v)]"
    jac = agrad.jacobian(source, v=v).jacobian["v"]
    for i in range(4):
        seed = [1.0 if j == i else 0.0 for j in range(4)]
        assert same_list(agrad.vjp(source, seed, v=v).grads["v"], jac[i])


def test_a_long_jacobian_is_refused_with_a_reason():
    with pytest.raises(agrad.LimitError, match="100020001 entries \\(10001 output elements, one backward pass "
                                               "each; --gradient.*--max-jacobian-entries N raises it"):
        agrad.jacobian("x*2", x=np.zeros(10_001))


# -- values -----------------------------------------------------------------------------------

@pytest.mark.parametrize("binding, value", [
    ([1, 2, 3], [1.0, 2.0, 3.0]), ((1.5, -2), [1.5, -2.0]), (np.array([1, 2]), [1.0, 2.0]),
    ("1,2,3", [1.0, 2.0, 3.0]), ("[1, 2, 3]", [1.0, 2.0, 3.0]), ("[4]", [4.0]), ([4], [4.0]),
    (" [ -1e3 , inf,nan ] ", [-1000.0, INF, NAN]), ("[]", []), (4, 4.0), ("4", 4.0), (np.float64(4), 4.0),
])
def test_bindings_make_vectors_and_scalars(binding, value):
    if isinstance(value, list):
        r = agrad.vjp("x", [1.0] * len(value), x=binding)
        assert isinstance(r.value, list) and same_list(r.value, value)
        assert r.variables["x"].value.dtype == np.float64 and r.variables["x"].shape == (len(value),)
    else:
        r = agrad.evaluate("x", x=binding)
        assert type(r.value) is float and r.value == value and r.variables["x"].shape == ()


@pytest.mark.parametrize("binding, message", [
    ([1, "a"], "element 1 is str, not a number"),
    ([[1, 2]], "one-dimensional"),
    ([True], "element 0 is bool"),
    (np.zeros((2, 2)), "one-dimensional"),
    ("1,,2", "element 1 is empty"),
    ("1,x", "element 1 ('x') is not a number"),
    ("[1, 2", "bracket"),
    ("@file.txt", "'@file.txt' is not a number"),  # files are the command line's business
    (None, "expected a number"),
])
def test_bad_vector_bindings(binding, message):
    with pytest.raises(agrad.BindingError, match="^variable 'x': ") as info:
        agrad.evaluate("x", x=binding)
    assert message in info.value.message


def test_a_one_element_vector_stays_a_vector():
    r = agrad.evaluate("sum(x * 3)", x=[2])
    assert r.grads == {"x": [3.0]}
    assert agrad.vjp("x * 3", [1.0], x=[2]).value == [6.0]
    with pytest.raises(agrad.ComputeError):  # a one-element vector output is still a vector
        agrad.evaluate("x * 3", x=[2])


def test_vector_literals():
    r = agrad.evaluate("sum([x, 2*x, w, 1])", x=2, w=5)
    assert r.value == 2 + 4 + 5 + 1 and r.grads == {"x": 3.0, "w": 1.0}
    assert r.output.inputs[0].grad_fn.name() == "StackBackward0"
    const = agrad.evaluate("[1, 2] * 2 + [pi, -e]")
    assert const.value == [2 + math.pi, 4 - math.e] and const.grad_fn is None and not const.requires_grad
    assert agrad.evaluate("[]").value == []


def test_values_and_gradients_are_float64():
    r = agrad.evaluate("sum(x/3)", x=[1, 2])
    assert r.output.inputs[0].value.dtype == np.float64
    assert r.variables["x"].grad.value.dtype == np.float64
    assert r.grads["x"] == [1 / 3, 1 / 3]


def test_constants_in_vectors_are_not_python_numbers():
    # torch.tensor([1., 2.]) is a tensor, not a Python number: [1, 2] - x is SubBackward0,
    # x ^ [1, 2] is PowBackward1, not RsubBackward1 / PowBackward0
    assert agrad.vjp("[1, 2] - x", [1, 1], x=[3, 4]).grad_fn == "SubBackward0"
    assert agrad.vjp("2 - x", [1, 1], x=[3, 4]).grad_fn == "RsubBackward1"
    assert agrad.vjp("x ^ [1, 2]", [1, 1], x=[3, 4]).grad_fn == "PowBackward1"
    assert agrad.vjp("x ^ sum([1, 1])", [1, 1], x=[3, 4]).grad_fn == "PowBackward1"
    assert agrad.vjp("x ^ 2", [1, 1], x=[3, 4]).grad_fn == "PowBackward0"


# -- elementwise: the vector kernels agree with the scalar ones ---------------------------------

POINTS = [-2.5, -1.0, -0.5, -0.0, 0.0, 0.3, 0.5, 1.0, 2.0, 25.0, 1000.0, -1000.0, INF, -INF, NAN, 1e-300]
UNARY = [name for name, op in public_functions().items() if op.arity == 1 and op.elementwise]


@pytest.mark.parametrize("name", UNARY)
def test_unary_vector_path_matches_the_scalar_path(name):
    r = agrad.vjp(f"{name}(x)", [1.0] * len(POINTS), x=POINTS)
    for i, p in enumerate(POINTS):
        s = agrad.evaluate(f"{name}(x)", x=p)
        assert same_float(r.value[i], s.value, rel=1e-14), (name, p, r.value[i], s.value)
        assert same_float(r.grads["x"][i], s.grads["x"], rel=1e-14), (name, p, r.grads["x"][i], s.grads["x"])


BINARY = ["x + w", "x - w", "x * w", "x / w", "x ^ w", "max(x, w)", "min(x, w)", "atan2(x, w)", "hypot(x, w)",
          "pow(x, w)", "clamp(x, w, 1)", "clamp(0.5, x, w)", "2 - x + w", "2 / x * w", "x ^ 2 * w", "2 ^ x * w"]
PAIRS = [(a, b) for a in [-2.0, -0.0, 0.0, 0.5, 1.0, 3.0, INF, NAN] for b in [-1.5, 0.0, 1.0, 2.0, 0.5, -INF, 3.0]]


@pytest.mark.parametrize("source", BINARY)
def test_binary_vector_path_matches_the_scalar_path(source):
    xs, ws = [p[0] for p in PAIRS], [p[1] for p in PAIRS]
    r = agrad.vjp(source, [1.0] * len(PAIRS), x=xs, w=ws)
    for i, (x, w) in enumerate(PAIRS):
        s = agrad.evaluate(source, x=x, w=w)
        assert same_float(r.value[i], s.value, rel=1e-14), (source, x, w)
        for var in "xw":
            assert same_float(r.grads[var][i], s.grads[var], rel=1e-14), (source, var, x, w, r.grads[var][i],
                                                                           s.grads[var])


def test_signed_zeros_and_nan_as_torch():
    # observed in torch 2.13: relu keeps -0.0; sign(nan) and sign(-0.0) are 0; maximum/minimum
    # return the first operand at a tie of zeros; round halves to even
    r = agrad.vjp("relu(x)", [1.0] * 3, x=[-0.0, NAN, -1.0])
    assert math.copysign(1, r.value[0]) == -1 and math.isnan(r.value[1]) and r.value[2] == 0.0
    assert agrad.vjp("sign(x)", [1.0] * 3, x=[NAN, -0.0, -3.0]).value == [0.0, 0.0, -1.0]
    m = agrad.vjp("max(x, w)", [1.0, 1.0], x=[-0.0, 0.0], w=[0.0, -0.0]).value
    assert [math.copysign(1, v) for v in m] == [-1, 1]
    assert agrad.vjp("round(x)", [1.0] * 4, x=[0.5, 1.5, 2.5, -0.5]).value == [0.0, 2.0, 2.0, -0.0]


# -- broadcasting ------------------------------------------------------------------------------

def test_a_scalar_broadcast_against_a_vector_gets_the_summed_gradient():
    r = agrad.evaluate("sum(x * s)", x=[1, 2, 3], s=2)
    assert r.grads == {"x": [2.0, 2.0, 2.0], "s": 6.0}
    r = agrad.vjp("s - x", [1.0, 0.5, 0.25], x=[1, 2, 3], s=2)
    assert r.grads == {"s": 1.75, "x": [-1.0, -0.5, -0.25]}


def test_a_one_element_vector_broadcasts_like_torch():
    r = agrad.evaluate("sum(x * u)", x=[1, 2, 3], u=[2])
    assert r.grads == {"x": [2.0, 2.0, 2.0], "u": [6.0]}
    assert agrad.vjp("u + s", [3.0], u=[1], s=2).grads == {"u": [3.0], "s": 3.0}


def test_broadcast_gradients_are_graphs_under_create_graph():
    x, s = tensor([1.0, 2.0, 3.0], requires_grad=True), tensor(2.0, requires_grad=True)
    agrad.sum(x * x * s).backward(create_graph=True)
    gs = s.grad  # sum(x^2) = 14, a sum of a vector: differentiable again
    assert gs.item() == 14.0 and gs.grad_fn.name() == "SumBackward0"
    x.grad = s.grad = None
    gs.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0] and s.grad is None


# -- reductions, dot, norm, max and min -----------------------------------------------------

def fd_grad(source, name, point, h=1e-6, **others):
    """Central finite differences of a scalar expression in each element of a vector."""
    out = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        out.append((agrad.evaluate(source, **{name: up}, **others).value -
                    agrad.evaluate(source, **{name: down}, **others).value) / (2 * h))
    return out


@pytest.mark.parametrize("source, grad_fn", [
    ("sum(v)", "SumBackward0"), ("mean(v)", "MeanBackward0"), ("prod(v)", "ProdBackward0"),
    ("dot(v, w)", "DotBackward0"), ("norm(v)", "LinalgVectorNormBackward0"), ("max(v)", "MaxBackward1"),
    ("min(v)", "MinBackward1"), ("v[1]", "SelectBackward0"), ("v[-1]", "SelectBackward0"),
])
@settings(max_examples=20, deadline=None)
@given(v=hs.lists(hs.floats(-3, 3).filter(lambda f: abs(f) > 0.05), min_size=3, max_size=6)
       .filter(lambda v: min(abs(a - b) for i, a in enumerate(v) for b in v[i + 1:]) > 1e-3))  # no near ties
def test_reductions_against_finite_differences(source, grad_fn, v):
    w = [1.5, -0.5, 2.0, 0.25, -1.0, 3.0][:len(v)]
    r = agrad.evaluate(source, v=v, w=w)
    assert r.grad_fn == grad_fn
    expected = {"sum(v)": math.fsum(v), "mean(v)": math.fsum(v) / len(v), "prod(v)": math.prod(v),
                "dot(v, w)": math.fsum(a * b for a, b in zip(v, w)), "norm(v)": math.hypot(*v), "max(v)": max(v),
                "min(v)": min(v), "v[1]": v[1], "v[-1]": v[-1]}[source]
    assert math.isclose(r.value, expected, rel_tol=1e-12, abs_tol=1e-12)
    for got, fd in zip(r.grads["v"], fd_grad(source, "v", v, w=w)):
        assert math.isclose(got, fd, rel_tol=1e-5, abs_tol=1e-6)
    if source == "dot(v, w)":
        assert r.grads["w"] == v


@pytest.mark.parametrize("source, v, value, grad", [
    ("max(v)", [1, 3, 3], 3.0, [0.0, 0.5, 0.5]),  # ties split evenly, as torch's full reduction
    ("min(v)", [2, -1, -1, -1], -1.0, [0.0, 1 / 3, 1 / 3, 1 / 3]),
    ("max(v)", [1, NAN, NAN], NAN, [0.0, 0.5, 0.5]),  # nan wins, and the nans share the gradient
    ("prod(v)", [1, 0, 3], 0.0, [0.0, 3.0, 0.0]),  # one zero: only it gets a gradient
    ("prod(v)", [0, 0, 3], 0.0, [0.0, 0.0, 0.0]),  # two zeros: none does
    ("prod(v)", [2, -0.5, 4], -4.0, [-2.0, 8.0, -1.0]),
    ("norm(v)", [0, 0], 0.0, [0.0, 0.0]),  # the zero vector: special-cased to 0
    ("sqrt(sum(v^2))", [0, 0], 0.0, [NAN, NAN]),  # written out: nan, as torch
    ("norm(v)", [3, -4], 5.0, [0.6, -0.8]),
    ("mean(v)", [1, 2, 4], 7 / 3, [1 / 3, 1 / 3, 1 / 3]),
    ("sum(v)", [], 0.0, []), ("prod(v)", [], 1.0, []), ("norm(v)", [], 0.0, []), ("mean(v)", [], NAN, []),
])
def test_reduction_edges(source, v, value, grad):
    r = agrad.evaluate(source, v=v)
    assert same_float(r.value, value) and same_list(r.grads["v"], grad)


def test_reductions_of_a_scalar_are_torchs_0d_reductions():
    for fn in ["sum", "mean", "prod", "max", "min"]:
        r = agrad.evaluate(f"{fn}(x)", x=-3)
        assert (r.value, r.grads["x"]) == (-3.0, 1.0), fn
    r = agrad.evaluate("norm(x)", x=-3)
    assert (r.value, r.grads["x"]) == (3.0, -1.0)


def test_max_and_min_with_two_arguments_stay_elementwise():
    r = agrad.vjp("max(x, w)", [1.0, 1.0, 1.0], x=[1, 2, 3], w=[3, 2, 1])
    assert r.grad_fn == "MaximumBackward0" and r.value == [3.0, 2.0, 3.0]
    assert r.grads == {"x": [0.0, 0.5, 1.0], "w": [1.0, 0.5, 0.0]}
    assert agrad.evaluate("min(x, 2)", x=3).grad_fn == "MinimumBackward0"
    assert agrad.max(tensor([1.0, 5.0])).item() == 5.0
    assert ops.arities("max") == [1, 2] and ops.signatures("min") == ["min(v)", "min(a, b)"]


# -- indexing -------------------------------------------------------------------------------

def test_indexing_is_zero_based_and_negative_from_the_end():
    r = agrad.evaluate("v[0] * 10 + v[-1]", v=[1, 2, 3])
    assert r.value == 13.0 and r.grads == {"v": [10.0, 0.0, 1.0]}
    assert agrad.evaluate("[1, x, 3][1]^2", x=4).grads == {"x": 8.0}
    assert agrad.evaluate("v[1+1]", v=[1, 2, 3]).value == 3.0
    v = tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert [t.item() for t in v] == [1.0, 2.0, 3.0] and len(v) == 3 and v[-1].grad_fn.name() == "SelectBackward0"


@pytest.mark.parametrize("source, binding, message, column", [
    ("v[3]", [1, 2, 3], "index 3 is out of range for a vector of length 3", 3),
    ("v[-4]", [1, 2, 3], "index -4 is out of range for a vector of length 3", 3),
    ("v[0]", [], "index 0 is out of range: the vector is empty", 3),
    ("v[1.5]", [1, 2, 3], "an index must be a whole number, got 1.5", 3),
    ("v[w]", [1, 2, 3], "an index must be a whole number written in the expression, not the variable 'w'", 3),
    ("w[0]", [1, 2, 3], "cannot index a scalar", 1),
])
def test_index_errors(source, binding, message, column):
    with pytest.raises(agrad.IndexingError) as info:
        agrad.evaluate(source, v=binding, w=1)
    err = info.value
    assert message in err.message and err.column == column and err.kind == "index" and err.exit_code == 1


# -- shape errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("source, message, column", [
    ("x + y", "'+' needs operands of the same length, but the left is a vector of length 3 and the right a "
              "vector of length 2", 3),
    ("sin(x) *\n  (y - 1)", "'*' needs operands of the same length", 8),
    ("atan2(x, y)", "atan2() needs arguments of the same length, but y is a vector of length 3 and x a vector "
                    "of length 2", 1),
    ("clamp(x, 0, y)", "clamp() needs arguments of the same length, but x is a vector of length 3 and hi a "
                       "vector of length 2", 1),
    ("dot(x, y)", "inconsistent tensor size, expected tensor [3] and src [2]", 1),
    ("dot(x, 2)", "1D tensors expected, but got 1D and 0D tensors", 1),
    ("[1, x]", "a vector's items must be scalars, but item 1 is a vector of length 3", 5),
    ("max([])", "max(): Expected reduction dim to be specified for input.numel() == 0", 1),
])
def test_shape_errors_name_the_shapes_and_point_at_the_operator(source, message, column):
    with pytest.raises(agrad.ShapeError) as info:
        agrad.evaluate(source, x=[1, 2, 3], y=[1, 2])
    err = info.value
    assert message in err.message and err.column == column, (err.message, err.column)
    assert err.kind == "shape" and err.exit_code == 1


def test_mismatch_error_quotes_torch():
    with pytest.raises(agrad.ShapeError, match=r"torch: The size of tensor a \(3\) must match the size of tensor b "
                                               r"\(2\) at non-singleton dimension 0\)$"):
        agrad.evaluate("x * y", x=[1, 2, 3], y=[1, 2])


def test_backward_from_a_vector_needs_a_gradient_of_its_shape():
    with pytest.raises(agrad.ComputeError, match="^grad can be implicitly created only for scalar outputs$"):
        agrad.evaluate("x * 2", x=[1, 2])
    for seed, shape in [([1, 2, 3], "[3]"), (2.0, "[]"), ([2.0], "[1]")]:
        with pytest.raises(agrad.ShapeError) as info:
            agrad.vjp("x * 2", seed, x=[1, 2])
        assert info.value.message == (f"Mismatch in shape: grad_output[0] has a shape of torch.Size({shape}) and "
                                      "output[0] has a shape of torch.Size([2]).")
    with pytest.raises(agrad.ShapeError, match=r"torch.Size\(\[1\]\) and output\[0\] has a shape of torch.Size\(\[\]\)"):
        agrad.vjp("x * 2", [1.0], x=3)
    with pytest.raises(agrad.ComputeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        tensor([1.0, 2.0]).item()


# -- higher order -------------------------------------------------------------------------------

def hessian(source, v):
    """Rows of the Hessian of a scalar expression in the vector v, through create_graph."""
    from agrad.evaluation.lowering import lower, make_variables
    from agrad.language.parser import parse

    variables = make_variables({"v": v})
    out = lower(parse(source), variables, source).output
    out.backward(create_graph=True)
    g = variables["v"].grad
    rows = []
    for i in range(len(v)):
        variables["v"].grad = None
        if g[i].requires_grad:
            g[i].backward(retain_graph=True)
        rows.append(variables["v"].grad.tolist() if variables["v"].grad is not None else [0.0] * len(v))
    return rows


def test_hessian_of_the_conventions_example():
    assert hessian("sum(v^3) + v[0]*v[1]", [1.0, 2.0]) == [[6.0, 1.0], [1.0, 12.0]]


@pytest.mark.parametrize("source", ["prod(v)", "norm(v)", "dot(v, v*v)", "mean(exp(v))*max(v)", "sum(sin(v)*v)",
                                    "[v[0]*v[1], v[2]][0] * sum(v)", "sum(v*v[0]) / norm(v)",
                                    "prod([v[0], 1, v[2]]) * min(v)"])
def test_second_derivatives_against_finite_differences(source):
    v = [0.7, -1.3, 2.1]
    rows = hessian(source, v)
    h = 1e-5
    for i in range(3):
        up, down = list(v), list(v)
        up[i] += h
        down[i] -= h
        g_up = agrad.evaluate(source, v=up).grads["v"]
        g_down = agrad.evaluate(source, v=down).grads["v"]
        for j in range(3):
            assert math.isclose(rows[j][i], (g_up[j] - g_down[j]) / (2 * h), rel_tol=1e-5, abs_tol=1e-6), (i, j)


@pytest.mark.parametrize("v, rows", [
    # torch.autograd.functional.hessian(torch.prod, ...) in torch 2.13: the product of the other
    # elements stays differentiable at zeros (prod_safe_zeros_backward under grad mode)
    ([2.0, 0.0, 3.0], [[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]]),
    ([0.0, 0.0, 3.0], [[0.0, 3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
    ([2.0, -1.0, 3.0], [[0.0, 3.0, -1.0], [3.0, 0.0, 2.0], [-1.0, 2.0, 0.0]]),
])
def test_prod_second_derivatives_at_zeros_as_torch(v, rows):
    assert hessian("prod(v)", v) == rows


def test_prod_gradient_signs_at_a_zero_as_torch():
    assert [math.copysign(1, g) for g in agrad.evaluate("prod(v)", v=[2, 0, -3]).grads["v"]] == [-1, -1, 1]
    assert [math.copysign(1, g) for g in agrad.evaluate("prod(v)", v=[-2, 0, -3]).grads["v"]] == [-1, 1, -1]


def test_ops_that_save_nothing_allow_a_second_backward():
    x = tensor([1.0, 2.0], requires_grad=True)
    for y in [agrad.sum(x), agrad.mean(x), x[0], agrad.sum(agrad.sum(x) + x)]:
        y.backward()
        y.backward()
    y = agrad.prod(x)
    y.backward()
    with pytest.raises(agrad.ComputeError, match="Trying to backward through the graph a second time"):
        y.backward()


# -- the scalar path does not import numpy ---------------------------------------------------

def test_scalars_never_import_numpy():
    code = ("import sys, agrad; r = agrad.evaluate('max(x, 2) * sin(x) + clamp(x, 0, 1)', x=1.5); "
            "agrad.evaluate('x', x='3'); from agrad.cli import main; "
            "assert 'numpy' not in sys.modules and 'orjson' not in sys.modules, 'imported'; "
            "agrad.evaluate('sum(x)', x=[1]); assert 'numpy' in sys.modules")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_a_million_elements():
    x = np.random.default_rng(0).uniform(-3, 3, 1_000_000)
    r = agrad.evaluate("sum(sin(x)*x^2)", x=x)
    g = np.array(r.grads["x"])
    assert np.allclose(g, np.cos(x) * x * x + 2 * x * np.sin(x), rtol=1e-12, atol=1e-12)
    assert math.isclose(r.value, math.fsum((np.sin(x) * x * x).tolist()), rel_tol=1e-9)
