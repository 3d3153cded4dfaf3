"""The cost bounds of one evaluation (limits.py): nodes, backward steps, Hessian entries. Past
one: a LimitError (kind limit, exit 2, an error record in a batch) naming the bound's flag; the
flag raised, a moderately larger case computes the right values. Small limits keep this fast."""

from __future__ import annotations

import json
import math

import pytest

import agrad
from agrad.errors import LimitError


def nested_grad(depth: int, inner: str = "x^x") -> str:
    source = inner
    for _ in range(depth):
        source = f"grad({source}, x)"
    return source


def xx_derivatives(x: float) -> tuple[float, float]:
    """d/dx and d2/dx2 of x^x by hand: x^x (ln x + 1), x^x ((ln x + 1)^2 + 1/x)."""
    f = x ** x
    return f * (math.log(x) + 1), f * ((math.log(x) + 1) ** 2 + 1 / x)


def test_nested_grad_counts_every_level_against_one_node_budget():
    with pytest.raises(LimitError, match=r"past the limit of 3000 \(--max-nodes N raises it\)") as caught:
        agrad.run(nested_grad(6), {"x": 0.7}, max_nodes=3000)
    assert caught.value.kind == "limit" and caught.value.exit_code == 2
    d1, d2 = xx_derivatives(0.7)
    assert agrad.run(nested_grad(1), {"x": 0.7}, max_nodes=3000).value == pytest.approx(d1, rel=1e-14)
    r = agrad.run(nested_grad(2), {"x": 0.7}, max_nodes=3000, fast=False)
    assert r.value == pytest.approx(d2, rel=1e-14)


def test_order_passes_count_against_the_budget_and_a_raised_one_computes_them():
    # the nested passes (taylor=False; also the fallback where Taylor mode has no recurrence)
    with pytest.raises(LimitError, match="--max-nodes"):
        agrad.run("x^x", {"x": 0.7}, order=30, max_nodes=5000, taylor=False)
    with pytest.raises(LimitError, match="--max-nodes"):
        agrad.run("x^x", {"x": 0.7}, order=6, max_nodes=500, taylor=False)
    d1, d2 = xx_derivatives(0.7)
    r = agrad.run("x^x", {"x": 0.7}, order=6, max_nodes=20000, taylor=False)
    assert r.derivatives["x"][:2] == [pytest.approx(d1, rel=1e-14), pytest.approx(d2, rel=1e-13)]
    assert len(r.derivatives["x"]) == 6


def test_hooks_count_against_the_budget():
    hook = ("y", "g" + "*1.5" * 40)  # 40 ops each time the hook runs
    plain = agrad.run("y = x*w; y*y", {"x": 2.0, "w": 3.0}, backward_passes=20, max_nodes=300)
    assert plain.grads == {"x": 20 * 2 * 6.0 * 3.0, "w": 20 * 2 * 6.0 * 2.0, }
    with pytest.raises(LimitError, match="--max-nodes"):
        agrad.run("y = x*w; y*y", {"x": 2.0, "w": 3.0}, backward_passes=20, hooks=[hook], max_nodes=300)
    r = agrad.run("y = x*w; y*y", {"x": 2.0, "w": 3.0}, backward_passes=20, hooks=[hook], max_nodes=3000)
    g = 12.0 * 1.5 ** 40
    assert r.grads == {"x": pytest.approx(20 * g * 3.0, rel=1e-13), "w": pytest.approx(20 * g * 2.0, rel=1e-13)}


def test_a_vector_counts_its_elements():
    x = [0.5] * 64_000  # 64,000 / 32 = 2,000 nodes' worth per vector result
    with pytest.raises(LimitError, match="--max-nodes"):
        agrad.run("sum(x*x*x)", {"x": x}, max_nodes=3000)
    r = agrad.run("sum(x*x*x)", {"x": x}, max_nodes=30000)
    assert r.value == 64_000 * 0.125 and r.grads["x"][:2] == [0.75, 0.75]


def test_many_backward_passes_stop_at_the_step_budget():
    with pytest.raises(LimitError, match=r"--max-backward-steps N raises it") as caught:
        agrad.run("x*w", {"x": 2.0, "w": 3.0}, backward_passes=1_000_000, max_backward_steps=1000)
    assert caught.value.kind == "limit"
    r = agrad.run("x*w", {"x": 2.0, "w": 3.0}, backward_passes=66, max_backward_steps=1000)  # 66 * (3 + 2 + 10)
    assert r.grads == {"x": 198.0, "w": 132.0} and len(r.passes) == 66
    with pytest.raises(LimitError, match="--max-backward-steps"):
        agrad.run("x*w", {"x": 2.0, "w": 3.0}, backward_passes=67, max_backward_steps=1000)


def test_a_jacobian_in_reverse_mode_stops_at_the_step_budget():
    x = [0.5] * 300  # 300 input elements, 300 output elements: reverse mode, a backward pass per row
    with pytest.raises(LimitError, match="--max-backward-steps"):
        agrad.run("sin(x)*x", {"x": x}, jacobian=True, max_backward_steps=1_000)
    r = agrad.run("sin(x)*x", {"x": x}, jacobian=True, max_backward_steps=200_000)
    assert r.jacobian["x"][7][7] == math.cos(0.5) * 0.5 + math.sin(0.5) and r.jacobian["x"][7][8] == 0.0


def test_a_tall_jacobian_runs_in_forward_mode_without_backward_steps():
    # 300 outputs of one input: one forward-mode pass, which the step budget does not count
    items = ", ".join(["y"] * 300)
    source = f"y = sin(x)*x; [{items}]"
    r = agrad.run(source, {"x": 0.5}, jacobian=True, max_backward_steps=1_000)
    assert r.jacobian["x"] == [math.cos(0.5) * 0.5 + math.sin(0.5)] * 300


def test_the_hessian_is_refused_past_its_entries_and_a_raised_limit_computes_it():
    x = [float(i) for i in range(40)]
    with pytest.raises(LimitError, match=r"the Hessian over 40 elements would have 1600 entries: past the limit of "
                                         r"1000 \(--max-hessian-entries N raises it\)"):
        agrad.run("sum(x^2)", {"x": x}, hessian=True, max_hessian_entries=1000)
    names, matrix = agrad.run("sum(x^2)", {"x": x}, hessian=True, max_hessian_entries=1600).hessian
    assert names[:2] == ["x[0]", "x[1]"]
    assert matrix == [[2.0 if i == j else 0.0 for j in range(40)] for i in range(40)]


def test_the_default_refuses_a_100000_element_hessian_at_once():
    with pytest.raises(LimitError, match="10000000000 entries.*--max-hessian-entries"):
        agrad.run("sum(x^2)", {"x": [1.0] * 100_000}, hessian=True)


def test_the_jacobian_is_refused_past_its_entries_and_a_raised_limit_computes_it():
    # x*sin(x) elementwise: the Jacobian is diagonal, d/dx_i = sin(x_i) + x_i cos(x_i)
    x = [0.1 * i for i in range(30)]
    with pytest.raises(LimitError, match=r"the Jacobian would have 900 entries \(30 output elements.*past the limit "
                                         r"of 899 \(--max-jacobian-entries N raises it\)"):
        agrad.run("x*sin(x)", {"x": x}, jacobian=True, max_jacobian_entries=899)
    matrix = agrad.run("x*sin(x)", {"x": x}, jacobian=True, max_jacobian_entries=900).jacobian["x"]
    assert matrix == [[math.sin(v) + v * math.cos(v) if i == j else 0.0 for j in range(30)]
                      for i, v in enumerate(x)]


def test_a_long_jacobian_is_a_limit_error_on_the_command_line(cli):
    r = cli("eval", "x*2", "--x", "1,2,3", "--jacobian", "--max-jacobian-entries", "8")
    assert r.exit_code == 2 and r.stderr.startswith("agrad: limit error: the Jacobian would have 9 entries")
    assert "(--max-jacobian-entries N raises it)" in r.stderr


def test_bad_limit_values_are_limit_errors():
    with pytest.raises(LimitError, match="--max-nodes must be a positive whole number"):
        agrad.run("x*x", {"x": [1.0]}, max_nodes=0)


def test_the_command_line_names_the_flag_exits_2_and_the_flag_raises_it(cli):
    r = cli("eval", "x^x", "--x", "0.7", "--order", "100", "--max-nodes", "50")  # Taylor mode's series count too
    assert r.exit_code == 2
    assert r.stderr.startswith("agrad: limit error: the evaluation made too many nodes")
    assert r.stderr.count("\n") == 1 and "(--max-nodes N raises it)" in r.stderr
    r = cli("eval", "x*w", "--x", "2", "--w", "3", "--backward", "1000000", "--max-backward-steps", "100")
    assert r.exit_code == 2 and "(--max-backward-steps N raises it)" in r.stderr
    r = cli("eval", "x*w", "--x", "2", "--w", "3", "--backward", "7", "--max-backward-steps", "105",
            "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["grads"] == {"x": 21.0, "w": 14.0}
    r = cli("eval", "sum(x^2)", "--x", "1,2,3", "--hessian", "--max-hessian-entries", "8")
    assert r.exit_code == 2 and "(--max-hessian-entries N raises it)" in r.stderr
    r = cli("eval", "sum(x^2)", "--x", "1,2,3", "--hessian", "--max-hessian-entries", "9", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["hessian"]["matrix"][1] == [0.0, 2.0, 0.0]


def test_in_a_batch_each_line_has_its_own_budget_and_a_bomb_is_an_error_record(cli):
    bomb = nested_grad(8)
    fits = nested_grad(2)  # about 300 nodes: several of them, each within its own budget
    stream = "\n".join([fits, bomb, fits, fits]) + "\n"
    r = cli("eval", "-", "--x", "0.7", "--max-nodes", "2000", "--format", "json", input=stream)
    assert r.exit_code == 1
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert [rec.get("error", {}).get("kind") for rec in records] == [None, "limit", None, None]
    assert "--max-nodes" in records[1]["error"]["message"]
    assert records[2]["value"] == pytest.approx(xx_derivatives(0.7)[1], rel=1e-13)
