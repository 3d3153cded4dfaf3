"""Forward mode: --jvp, agrad.jvp and the forward-mode --jacobian.

The tangent of every op-table entry against central finite differences along the tangent and
against J @ v from reverse mode (the entry's own backward passes); hand-derived values; PyTorch's
torch.func.jvp on random vector programs (recorded by torch_reference/generate_jvp.py, and live
when torch is installed); the command line's forms and errors; and the Jacobian in forward mode
equal to the one in reverse mode.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import agrad
from agrad.engine import ops, shapes
from agrad.engine.forward import ForwardPlan, has_forward_rule
from agrad.engine.jacobians import jacobian, mode
from agrad.engine.tensor import Tensor, apply
from agrad.evaluation.forward_mode import split_pairs
from conftest import same_float
from test_op_table import POINTS, VECTOR_ARGUMENTS, inputs_for, scalar_arguments
from torch_reference.generate_jvp import CASES, cases, run_torch
from torch_reference.generate_vectors import decode

RECORDED = json.loads(Path(CASES).read_text(encoding="utf-8"))["cases"]


def agrad_cli(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agrad", *args], input=stdin, capture_output=True, text=True)


# -- every entry of the op table -----------------------------------------------------------------

def _tangent_for(value, k: int):
    if shapes.is_scalar(value):
        return 0.75 - 0.5 * k
    return np.array([0.75 - 0.5 * k + 0.25 * e for e in range(len(value))])


def _jvp_and_vjp_product(op, values):
    """The entry's tangent by forward mode, and J @ v built from reverse mode (one backward pass
    per output element), for tangents on every input the entry differentiates."""
    inputs = inputs_for(op, values)
    for k, t in enumerate(inputs):
        t.name = f"input{k}"  # (the Jacobian is keyed by name)
    out = apply(op, *inputs)
    diff = [k for k, rule in enumerate(op.grads) if rule is not None]
    tangents = {k: _tangent_for(inputs[k].value, k) for k in diff}
    forward = ForwardPlan(out).push({id(inputs[k]): Tensor(t) for k, t in tangents.items()}).value
    reverse = jacobian(out, [inputs[k] for k in diff], 10**6, use="reverse")
    product = 0.0
    for k in diff:
        j = reverse[inputs[k].name]
        product = product + (np.asarray(j) @ np.asarray(tangents[k]) if not shapes.is_scalar(inputs[k].value)
                             else np.asarray(j) * tangents[k])
    return forward, product, tangents


def _along(op, values, tangents, h):
    moved = list(values)
    for k, t in tangents.items():
        moved[k] = (np.asarray(values[k], dtype=float) + h * np.asarray(t)).tolist() \
            if isinstance(values[k], list) else values[k] + h * t
    return np.asarray(apply(op, *inputs_for(op, moved)).value, dtype=float)


@pytest.mark.parametrize("name", list(ops.TABLE))
def test_every_entry_has_a_forward_rule_that_agrees_with_differences_and_reverse_mode(name):
    op = ops.TABLE[name]
    assert has_forward_rule(op)
    if op.elementwise:
        rows = [scalar_arguments(op, j) for j in range(len(POINTS))]
    else:
        rows = [list(VECTOR_ARGUMENTS[name])]
    checked = 0
    for values in rows:
        forward, product, tangents = _jvp_and_vjp_product(op, values)
        # forward mode is reverse mode's J @ v, to rounding
        assert np.allclose(forward, product, rtol=1e-12, atol=1e-15, equal_nan=True), (name, values)
        h = 1e-6
        fd = (_along(op, values, tangents, h) - _along(op, values, tangents, -h)) / (2 * h)
        if not np.all(np.isfinite(fd)) or not np.all(np.isfinite(forward)):
            continue  # outside the entry's domain
        assert np.allclose(forward, fd, rtol=1e-6, atol=1e-6), (name, values, forward, fd)
        checked += 1
    assert checked >= 1, name


def test_the_stack_of_a_vector_literal_has_a_forward_rule():
    r = agrad.jvp("[x*w, sin(x), 3]", {"x": 1.0, "w": 2.0}, x=0.5, w=4.0)
    assert r.jvp == [1.0 * 4.0 + 0.5 * 2.0, math.cos(0.5), 0.0]


# -- hand-derived values -------------------------------------------------------------------------

def test_hand_derived_directional_derivatives():
    # d/dt sin(x + t) * w at x = 0.5, w = 2, along x only: cos(0.5) * 2
    assert agrad.jvp("sin(x)*w", {"x": 1}, x=0.5, w=2).jvp == math.cos(0.5) * 2
    # x^3 at 2 along 1: 12; along 0.5: 6
    assert agrad.jvp("x^3", {"x": 1}, x=2).jvp == 12.0
    assert agrad.jvp("x^3", {"x": 0.5}, x=2).jvp == 6.0
    # (x + w) * 2 along (1, 1): 4; a variable not named has tangent 0
    assert agrad.jvp("(x+w)*2", {"x": 1, "w": 1}, x=3, w=1).jvp == 4.0
    assert agrad.jvp("(x+w)*2", {"w": 1}, x=3, w=1).jvp == 2.0
    # sum(v^2) along u: 2 v . u
    assert agrad.jvp("sum(v^2)", {"v": [1, 0, -1]}, v=[1, 2, 3]).jvp == 2 * (1 - 3)
    # v[1] * v[2]: along e1, v[2]; a vector output keeps its shape
    assert agrad.jvp("v[1] * v[2]", {"v": [0, 1, 0]}, v=[1, 2, 3]).jvp == 3.0
    assert agrad.jvp("x * v", {"x": 1}, x=2, v=[1, 2, 3]).jvp == [1.0, 2.0, 3.0]


def test_a_jvp_is_zero_where_no_tangent_reaches_the_output():
    assert agrad.jvp("detach(x) * 3 + w", {"x": 1}, x=2, w=1).jvp == 0.0
    assert agrad.jvp("x * v", {}, x=2, v=[1, 2]).jvp == [0.0, 0.0]


def test_a_zero_derivative_sends_no_nan_tangent_as_torch():
    # sign'(x) = 0 everywhere: torch's forward rule is zeros_like, not 0 * an inf tangent
    assert agrad.jvp("sign(x * w)", {"x": 1}, x=math.inf, w=2).jvp == 0.0


def test_jvp_through_a_derivative_in_the_program():
    # grad(x^3, x) = 3x^2; its directional derivative is 6x
    assert agrad.jvp("grad(x^3, x)", {"x": 1}, x=2).jvp == 12.0


def test_float32_rounds_the_tangent_as_it_rounds_values():
    r = agrad.run("x * 0.1", {"x": 1.0}, jvp=(("x", 1.0),), dtype="float32")
    assert r.jvp == float(np.float32(0.1))


# -- torch.func.jvp ------------------------------------------------------------------------------

# where agrad's forward rules (derived from its reverse rules: J @ v) and torch's own forward
# formulas differ: a nan in max/min (torch's reverse sends the gradient to both operands, its forward
# to one), and atan2(0, 0), whose reverse rule is 0 where torch's forward formula divides 0 by 0
TORCH_DIFFERS = {"max(x)", "min(x)", "max(x, y)", "min(x, y)", "atan2(x, y)"}


def _check(record):
    bindings = {name: decode(v) for name, v in record["bindings"].items()}
    r = agrad.jvp(record["expr"], record["tangents"], **bindings)
    want = decode(record["jvp"])
    got, want = np.atleast_1d(np.asarray(r.jvp, dtype=float)), np.atleast_1d(np.asarray(want, dtype=float))
    return np.allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True) and \
        np.allclose(np.asarray(r.value, dtype=float), np.asarray(decode(record["value"]), dtype=float), rtol=1e-9,
                    atol=1e-12, equal_nan=True)


def test_recorded_torch_func_jvp_cases():
    assert len(RECORDED) > 300
    failed = [record["expr"] for record in RECORDED if not _check(record)]
    assert set(failed) <= TORCH_DIFFERS, failed
    assert len(failed) <= 5


def test_fresh_random_cases_against_installed_torch():
    pytest.importorskip("torch")
    for case in cases(random.Random(7), 60)[:60]:
        record = {"expr": case["expr"], "bindings": case["bindings"], "tangents": case["tangents"],
                  **run_torch(case["tree"], case["bindings"], case["tangents"])}
        assert _check(record) or case["expr"] in TORCH_DIFFERS, case["expr"]


# -- the command line, batches, errors -----------------------------------------------------------

def test_the_tangents_text():
    assert split_pairs("x=1,w=0") == [("x", "1"), ("w", "0")]
    assert split_pairs("v=1,0,2") == [("v", "1,0,2")]
    assert split_pairs("v=[1, 0, 2], x = 1") == [("v", "[1, 0, 2]"), ("x", "1")]
    with pytest.raises(agrad.BindingError, match="write --jvp NAME=TANGENT"):
        split_pairs("x")


def test_cli_formats():
    cos = math.cos(0.5) * 2
    out = agrad_cli("eval", "sin(x)*w", "--x", "0.5", "--w", "2", "--jvp", "x=1,w=0", "-F", "json")
    assert json.loads(out.stdout) == {"expr": "sin(x)*w", "value": math.sin(0.5) * 2, "grad_fn": "MulBackward0",
                                      "jvp": cos}
    out = agrad_cli("eval", "sin(x)*w", "--x", "0.5", "--w", "2", "--jvp", "x=1", "-F", "plain")
    assert out.stdout == f"{math.sin(0.5) * 2!r}\t{cos!r}\n"
    out = agrad_cli("eval", "x*v", "--x", "2", "--v", "1,2,3", "--jvp", "v=[1, 0, 0]", "--jvp", "x=1", "-F", "csv")
    assert out.stdout == 'line,expr,value,jvp\n1,x*v,"2.0,4.0,6.0","3.0,2.0,3.0"\n'
    out = agrad_cli("eval", "x*v", "--x", "2", "--v", "1,2,3", "--jvp", "v=1,0,0")
    assert "jvp = [2.0, 0.0, 0.0]" in out.stdout and out.returncode == 0


def test_a_batch_job_gives_its_own_tangents():
    lines = '{"expr": "x*w", "vars": {"x": 2, "w": 3}, "jvp": {"x": 1}}\n{"expr": "x*w", "vars": {"x": 2, "w": 3}}\n'
    out = agrad_cli("eval", "-", stdin=lines)
    first, second = [json.loads(line) for line in out.stdout.splitlines()]
    assert first["jvp"] == 3.0 and "grads" not in first
    assert second["grads"] == {"x": 3.0, "w": 2.0}
    out = agrad_cli("eval", "-", "--jvp", "w=1", "-F", "csv", stdin=lines)
    assert out.stdout == "line,expr,value,jvp\n1,x*w,6.0,3.0\n2,x*w,6.0,2.0\n"
    out = agrad_cli("eval", "-", stdin='{"expr": "x", "vars": {"x": 2}, "jvp": [1]}\n')
    assert json.loads(out.stdout)["error"]["kind"] == "input"


def test_points_rows_each_give_their_jvp(tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x,w\n0.5,2\n1,3\n")
    out = agrad_cli("eval", "sin(x)*w", "--points", str(points), "--jvp", "x=1,w=1", "-F", "plain")
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [float(jvp) for _, jvp in rows] == [math.cos(0.5) * 2 + math.sin(0.5), math.cos(1.0) * 3 + math.sin(1.0)]


@pytest.mark.parametrize("args, kind, code, words", [
    (["x*v", "--x", "2", "--v", "1,2,3", "--jvp", "v=1,0"], "shape", 1, "forward gradient is of size [2]"),
    (["x*v", "--x", "2", "--v", "1,2,3", "--jvp", "y=1"], "value", 2, "no variable 'y' is bound"),
    (["x*v", "--x", "2", "--v", "1,2,3", "--no-grad", "v", "--jvp", "v=1,0,0"], "value", 2, "marked --no-grad"),
    (["x*2", "--x", "2", "--jvp", "x=1", "--jacobian"], "usage", 2, "--jvp does not go with --jacobian"),
    (["x*2", "--x", "2", "--jvp", "x=1,x=2"], "value", 2, "given twice"),
    (["x*no_grad(x*2)", "--x", "2", "--jvp", "x=1"], "usage", 2, "does not follow no_grad()"),
])
def test_errors_are_one_line(args, kind, code, words):
    out = agrad_cli("eval", *args)
    assert out.returncode == code and out.stdout == ""
    first = out.stderr.splitlines()[0]
    assert first.startswith(f"agrad: {kind} error:") and words in first and "Traceback" not in out.stderr


# -- the Jacobian: forward mode when the output is taller -----------------------------------------

def _engine(source, bindings, no_grad=()):
    r = agrad.run(source, bindings, no_grad=no_grad, jacobian=True)  # (no backward from a vector output)
    return r.output, [r.variables[n] for n in r.variables]


def test_the_mode_follows_the_shape():
    out, variables = _engine("sin(x*v)", {"x": 0.5, "v": [1.0, 2.0, 3.0]}, no_grad=("v",))
    assert mode(out, variables) == "forward"  # 1 input element, 3 outputs
    out, variables = _engine("sin(x*v)", {"x": 0.5, "v": [1.0, 2.0, 3.0]})
    assert mode(out, variables) == "reverse"  # 4 input elements, 3 outputs
    out, variables = _engine("sum(v)", {"v": [1.0, 2.0]})
    assert mode(out, variables) == "reverse"  # a scalar output


def test_the_tall_jacobian_is_the_same_in_both_modes_bit_for_bit():
    v = [0.1 * k - 3.7 for k in range(200)]
    out, variables = _engine("sin(x*v)", {"x": 0.5, "v": v}, no_grad=("v",))
    fwd, rev = jacobian(out, variables, use="forward"), jacobian(out, variables, use="reverse")
    assert fwd["x"].tobytes() == rev["x"].tobytes() and fwd["v"].tobytes() == rev["v"].tobytes()
    assert fwd["x"][3] == math.cos(0.5 * v[3]) * v[3]


@pytest.mark.parametrize("source, bindings", [
    ("exp(x) * v + x^2 / (v + 3)", {"x": 0.7, "v": [1.0, -2.0, 0.5, 4.0]}),
    ("[x*w, sin(x)*w, tanh(x - w), x]", {"x": 0.3, "w": -1.2}),
    ("sigmoid(u * x) * sum(u)", {"x": 1.1, "u": [0.5, -0.25, 2.0]}),
    ("log1p(x^2) * [1, 2, 3] + relu(w - x)", {"x": 0.9, "w": 2.0}),
])
def test_forward_and_reverse_jacobians_agree_to_a_few_ulps(source, bindings):
    out, variables = _engine(source, bindings)
    fwd, rev = jacobian(out, variables, use="forward"), jacobian(out, variables, use="reverse")
    for name in fwd:
        a, b = np.asarray(fwd[name]), np.asarray(rev[name])
        assert a.shape == b.shape
        assert np.all(np.abs(a - b) <= 4 * np.spacing(np.maximum(np.abs(a), np.abs(b)))), name


def test_the_cli_jacobian_of_a_tall_output_is_forward_mode_and_fast():
    v = ",".join(str(0.001 * k) for k in range(3000))
    out = agrad_cli("eval", "sin(x*v)", "--x", "0.5", "--v", v, "--no-grad", "v", "--jacobian", "-F", "json",
                    "--max-backward-steps", "100")  # forward mode runs no backward pass
    rec = json.loads(out.stdout)
    assert len(rec["jacobian"]["x"]) == 3000 and rec["jacobian"]["x"][2] == math.cos(0.5 * 0.002) * 0.002
