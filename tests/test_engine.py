"""The Tensor API mirrors torch: leaves, requires_grad, grad_fn names, accumulation, retain_graph,
no_grad, detach, retain_grad, hooks, seeds and higher-order gradients."""

import math
import warnings

import pytest

import agrad
from agrad import tensor


def test_leaves_and_requires_grad_propagation():
    x = tensor(3.0, requires_grad=True)
    c = tensor(2.0)
    assert x.is_leaf and x.grad_fn is None and x.grad is None
    y = (x + 1.0) * c
    assert y.requires_grad and not y.is_leaf and y.grad_fn.name() == "MulBackward0"
    z = c * c
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None


@pytest.mark.parametrize("build, name", [
    (lambda x, w: x + w, "AddBackward0"), (lambda x, w: x + 2, "AddBackward0"), (lambda x, w: 2 + x, "AddBackward0"),
    (lambda x, w: x - w, "SubBackward0"), (lambda x, w: x - 2, "SubBackward0"), (lambda x, w: 2 - x, "RsubBackward1"),
    (lambda x, w: x * 2, "MulBackward0"), (lambda x, w: 2 * x, "MulBackward0"), (lambda x, w: x / w, "DivBackward0"),
    (lambda x, w: x / 2, "DivBackward0"), (lambda x, w: 2 / x, "MulBackward0"), (lambda x, w: x ** 2, "PowBackward0"),
    (lambda x, w: x ** w, "PowBackward1"), (lambda x, w: 2 ** x, "PowBackward2"), (lambda x, w: -x, "NegBackward0"),
])
def test_grad_fn_names_follow_python_number_operands(build, name):
    x, w = tensor(3.0, requires_grad=True), tensor(1.0, requires_grad=True)
    assert build(x, w).grad_fn.name() == name


def test_two_over_x_is_a_reciprocal_times_two():
    x = tensor(3.0, requires_grad=True)
    y = 2 / x
    (first, _), (second, _) = y.grad_fn.next_functions
    assert first.name() == "ReciprocalBackward0" and second is None


def test_gradients_accumulate_until_zeroed():
    x = tensor(1.0, requires_grad=True)
    y = x ** 2
    seen = []
    for _ in range(3):
        y.backward(retain_graph=True)
        seen.append(x.grad.item())
    assert seen == [2.0, 4.0, 6.0]
    seen = []
    for _ in range(3):
        x.grad = None
        y.backward(retain_graph=True)
        seen.append(x.grad.item())
    assert seen == [2.0, 2.0, 2.0]


def test_second_backward_without_retain_graph():
    x, w = tensor(3.0, requires_grad=True), tensor(1.0, requires_grad=True)
    y = (x + w) * 2  # MulBackward0 saved the 2
    y.backward()
    with pytest.raises(agrad.ComputeError, match=r"^Trying to backward through the graph a second time"):
        y.backward()
    s = x + w  # add saves nothing: a second backward is allowed
    s.backward()
    s.backward()


def test_backward_on_constants_raises_torchs_error():
    with pytest.raises(agrad.ComputeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        (tensor(2.0) * 3).backward()


def test_no_grad_and_detach():
    x = tensor(2.0, requires_grad=True)
    with agrad.no_grad():
        y = x * x
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None and y.value == 4.0
    d = (x * 3).detach()
    assert d.value == 6.0 and d.is_leaf and not d.requires_grad
    z = x * d
    z.backward()
    assert x.grad.item() == 6.0  # nothing flowed through the detached factor


def test_nonleaf_grad_warns_and_retain_grad_keeps_it():
    x = tensor(2.0, requires_grad=True)
    a = x * 3
    y = a * a
    a.retain_grad()
    b = x + 1
    (y + b).backward()
    assert a.grad.item() == 12.0 and x.grad.item() == 37.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert b.grad is None
    assert str(caught[0].message).startswith("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed.")
    with pytest.raises(agrad.ComputeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        tensor(1.0).retain_grad()


def test_hooks_see_and_replace_the_gradient():
    x = tensor(3.0, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.item()))
    x.register_hook(lambda g: g * 10)
    (x * 2).backward()
    assert seen == [2.0] and x.grad.item() == 20.0
    with pytest.raises(agrad.ComputeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        tensor(1.0).register_hook(lambda g: g)


def test_scalar_seed_scales_every_gradient():
    x, w = tensor(3.0, requires_grad=True), tensor(1.0, requires_grad=True)
    ((x + w) * 2).backward(gradient=2.0)
    assert (x.grad.item(), w.grad.item()) == (4.0, 4.0)


def test_higher_order_with_create_graph():
    x = tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    g1 = x.grad
    assert g1.item() == 12.0 and g1.requires_grad
    x.grad = None
    g1.backward(create_graph=True)
    g2 = x.grad
    assert g2.item() == 12.0
    x.grad = None
    g2.backward(create_graph=True)
    assert x.grad.item() == 6.0


def test_derivative_of_linear_function_no_longer_requires_grad():
    x = tensor(2.0, requires_grad=True)
    (x * 3).backward(create_graph=True)
    g = x.grad
    assert g.item() == 3.0 and not g.requires_grad
    with pytest.raises(agrad.ComputeError, match="element 0 of tensors does not require grad"):
        g.backward()


def test_functions_are_exposed_on_the_module():
    x = tensor(0.5, requires_grad=True)
    y = agrad.sin(x) * agrad.max(x, 0.25)
    y.backward()
    assert math.isclose(x.grad.item(), math.cos(0.5) * 0.5 + math.sin(0.5))
    assert agrad.hypot(3, 4).value == 5.0


def test_evaluate_reports_unused_bindings_as_none():
    r = agrad.evaluate("x * 2", x=3, w=1)
    assert r.grads == {"x": 2.0, "w": None} and r.used == ["x"]


def test_evaluate_raises_only_agrad_errors():
    for source, kw in [("x +", {}), ("sin(1, 2)", {}), ("q", {}), ("x", {"x": "abc"}), ("pi", {"pi": 3}),
                       ("x", {"x": None}), ("x", {"x": True})]:
        with pytest.raises(agrad.AgradError):
            agrad.evaluate(source, **kw)
    with pytest.raises(agrad.AgradError):
        agrad.evaluate(None)


def test_backward_runs_in_torchs_order():
    # Observed in torch 2.13 with hooks on the leaves: each leaf's accumulation runs as soon as
    # its last user has run, in input order; ops run newest first.
    def order(build):
        a, b = tensor(3.0, requires_grad=True), tensor(1.0, requires_grad=True)
        seen = []
        a.register_hook(lambda g: seen.append("a"))
        b.register_hook(lambda g: seen.append("b"))
        build(a, b).backward()
        return seen

    assert order(lambda a, b: (a + b) * 2) == ["a", "b"]
    assert order(lambda a, b: b * a + a) == ["b", "a"]
    assert order(lambda a, b: agrad.sin(a) * agrad.exp(b)) == ["b", "a"]
