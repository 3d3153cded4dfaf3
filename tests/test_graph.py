"""The one description of the graph (graph.describe) and the recorded backward pass (trace.record)
that the tree, --trace and the pictures all read."""

import math

from agrad.evaluation.api import run
from agrad.engine.graph import describe


def _shape(nodes):
    return [(n.label, n.inputs) for n in nodes]


def test_nodes_come_in_evaluation_order():
    # The statements compute sin before cos; a walk from the output would meet cos first.
    r = run("a = sin(y); b = cos(x); b * a", {"x": 1.0, "y": 2.0})
    assert _shape(r.graph) == [("y", ()), ("SinBackward0", (0,)), ("x", ()), ("CosBackward0", (2,)),
                               ("MulBackward0", (3, 1))]
    assert [n.id for n in r.graph] == list(range(5))


def test_each_leaf_comes_just_before_its_first_user():
    r = run("(x+w)*2", {"x": 3, "w": 1})
    assert _shape(r.graph) == [("x", ()), ("w", ()), ("AddBackward0", (0, 1)), ("2", ()),
                               ("MulBackward0", (2, 3))]
    assert [n.kind for n in r.graph] == ["variable", "variable", "op", "constant", "op"]


def test_a_shared_node_is_one_node_with_two_edges():
    nodes = run("x*x", {"x": 3}).graph
    assert _shape(nodes) == [("x", ()), ("MulBackward0", (0, 0))]
    assert nodes[0].uses == 2


def test_a_leaf_output_and_a_constant_output():
    assert _shape(run("x", {"x": 1}).graph) == [("x", ())]
    assert _shape(run("2*3", {}).graph) == [("2*3", ())]


def test_the_description_is_made_once_per_result():
    r = run("(x+w)*2", {"x": 3, "w": 1}, trace=True)
    assert r.graph is r.graph
    # the trace's ids index that same list
    assert [r.graph[s["id"]].label for s in r.trace[0]] == ["MulBackward0", "AddBackward0", "x", "w"]


def test_deep_graphs_are_described_without_recursion():
    n = 20_000
    nodes = describe(run("sin(" * n + "x" + ")" * n, {"x": 0.5}).output)
    assert len(nodes) == n + 1 and nodes[0].label == "x" and nodes[-1].inputs == (n - 1,)


def test_trace_records_which_argument_each_gradient_goes_to():
    r = run("x*x", {"x": 3}, trace=True)
    mul, acc = r.trace[0]
    assert [(i["id"], i["slot"], i["local"], i["sent"]) for i in mul["inputs"]] == [(0, 0, 3.0, 3.0), (0, 1, 3.0, 3.0)]
    assert acc == {"kind": "accumulate", "id": 0, "node": "x", "grad_in": 6.0, "grad": 6.0}


def test_local_derivatives_are_the_rule_at_a_seed_of_one_even_where_the_gradient_is_zero():
    # x*w at w = 0: the gradient arriving at x is 0, the local derivative d(x*w)/dw = x is not.
    r = run("(x*w) * 0", {"x": 5, "w": 0}, trace=True)
    inner = next(s for s in r.trace[0] if s["kind"] == "node" and s["id"] == 2)
    assert inner["grad_in"] == 0.0
    assert [(i["input"], i["local"], i["sent"]) for i in inner["inputs"]] == [("x", 0.0, 0.0), ("w", 5.0, 0.0)]
    # and each product is grad_in times the local derivative, for a few rules written differently
    x = 0.7
    for source, local in [("sin(x)", math.cos(x)), ("x/3", 1 / 3), ("exp(x)", math.exp(x)),
                          ("sigmoid(x)", (1 / (1 + math.exp(-x))) * (1 - 1 / (1 + math.exp(-x))))]:
        step = run(f"({source}) * 2.5", {"x": x}, trace=True).trace[0][1]
        (sent,) = step["inputs"]
        assert math.isclose(sent["local"], local, rel_tol=1e-12), source
        assert math.isclose(sent["sent"], 2.5 * local, rel_tol=1e-12), source
