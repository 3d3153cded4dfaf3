"""The page's layered layout: edges point right, inputs first, output last, nodes never overlap,
a tree is drawn without crossings, and big or deep graphs lay out quickly without recursion."""

import itertools

import pytest

from agrad.render import layout
from agrad.evaluation.api import run
from agrad.render.picture import build


def laid_out(source, bindings):
    p = build(run(source, bindings, trace=True))
    inputs = [n.inputs for n in p.nodes]
    lay = layout.layered(inputs, [n.role.startswith("input") for n in p.nodes])
    return p, inputs, lay


def polylines(inputs, lay):
    """Each edge as its points (column, y): source, bends, target; the target point is the
    edge's port, argument 0 above argument 1, as the page draws them."""
    lines = []
    for (s, t, slot), route in zip(layout.edges(inputs), lay.bends):
        port = lay.y[t] + (slot - (len(inputs[t]) - 1) / 2) * 0.01
        lines.append([(lay.layer[s], lay.y[s])] + list(route) + [(lay.layer[t], port)])
    return lines


def crossings(lines):
    """Pairs of edge pieces between the same two columns whose order flips. Pieces leaving one
    point never cross: the page orders an output's ports by where its edges go."""
    pieces = [(a, b) for line in lines for a, b in zip(line, line[1:])]
    count = 0
    for (a0, a1), (b0, b1) in itertools.combinations(pieces, 2):
        if a0[0] != b0[0] or a0 == b0:
            continue
        if (a0[1] - b0[1]) * (a1[1] - b1[1]) < 0:
            count += 1
    return count


SOURCES = [("(x+w)*2", {"x": 3, "w": 1}), ("a = x*w; a*a + x", {"x": 2, "w": 3}),
           ("sin(x)*cos(w) + exp(x - w)/(1 + x^2) - w", {"x": 0.3, "w": 0.2}),
           ("x*x*x + 3*x*w + w^3", {"x": 1, "w": 2})]


@pytest.mark.parametrize("source, bindings", SOURCES)
def test_columns_rows_and_bends(source, bindings):
    p, inputs, lay = laid_out(source, bindings)
    out = len(p.nodes) - 1
    for s, t, _ in layout.edges(inputs):
        assert lay.layer[s] < lay.layer[t]
    for n in p.nodes:
        if n.role == "input":
            assert lay.layer[n.id] == 0
        if n.role == "constant":  # right before its first user
            assert lay.layer[n.id] == min(lay.layer[t] for s, t, _ in layout.edges(inputs) if s == n.id) - 1
    assert lay.layer[out] == lay.columns - 1 and lay.layer.count(lay.columns - 1) == 1
    # every edge has one bend per column it crosses, at that column
    for (s, t, _), route in zip(layout.edges(inputs), lay.bends):
        assert [c for c, _ in route] == list(range(lay.layer[s] + 1, lay.layer[t]))
    # nothing overlaps within a column: nodes a row apart plus the gap, bends clear of nodes
    for col in range(lay.columns):
        items = sorted([(lay.y[i], layout.NODE) for i in range(len(p.nodes)) if lay.layer[i] == col] +
                       [(y, layout.BEND) for route in lay.bends for c, y in route if c == col])
        for (y0, h0), (y1, h1) in zip(items, items[1:]):
            gap = layout.GAP_NODES if h0 and h1 else layout.GAP_BEND
            assert y1 - y0 >= (h0 + h1) / 2 + gap - 1e-9
    assert min([y - 0.5 for y in lay.y] + [y for r in lay.bends for _, y in r]) == pytest.approx(0)  # top at 0
    assert lay.height() >= max(lay.y) + 0.5 - 1e-9 and all(y <= lay.height() for r in lay.bends for _, y in r)


def test_a_tree_is_drawn_without_crossings():
    _, inputs, lay = laid_out("(a + b) * (c - d) + sin(f) * (g / h)", {k: 1.0 + i for i, k in enumerate("abcdfgh")})
    assert crossings(polylines(inputs, lay)) == 0


@pytest.mark.parametrize("source", ["a = x*w; b = a + w; c = b*x; c - a", "a = exp(x); b = a*w; b + a*x"])
def test_sweeps_remove_crossings_of_the_first_order(source, monkeypatch):
    _, inputs, lay = laid_out(source, {"x": 2, "w": 3})
    after = crossings(polylines(inputs, lay))
    monkeypatch.setattr(layout, "SWEEPS", 0)
    _, inputs, lay = laid_out(source, {"x": 2, "w": 3})
    assert after < crossings(polylines(inputs, lay))


def test_two_arguments_of_one_op_cross_at_its_ports_when_drawn_in_the_wrong_order():
    # the page draws argument 0 above argument 1; vertices 0 (above) and 1 feed op 2
    succs = [[(2, 1)], [(2, 0)], []]
    pos = [0.25, 0.75, 0.5]
    assert layout._crossings([[0, 1], [2]], pos, succs) == 1
    succs = [[(2, 0)], [(2, 1)], []]
    assert layout._crossings([[0, 1], [2]], pos, succs) == 0


def test_heights_pull_towards_neighbours_in_order_and_apart():
    # the exact least-squares placement under the ordering and gap constraints
    assert layout._place([0.0, 0.0, 0.0], [0.0, 1.0, 2.0]) == [-1.0, 0.0, 1.0]
    assert layout._place([0.0, 5.0], [0.0, 1.0]) == [0.0, 5.0]
    assert layout._place([3.0, 1.0], [0.0, 1.0]) == [1.5, 2.5]


def test_a_chain_is_a_straight_line_and_a_deep_one_lays_out():
    _, _, lay = laid_out("exp(sin(cos(x)))", {"x": 1})
    assert lay.layer == [0, 1, 2, 3] and len(set(lay.y)) == 1
    n = 5000
    _, _, lay = laid_out("sin(" * n + "x" + ")" * n, {"x": 0.1})
    assert lay.columns == n + 1


def test_a_huge_fan_out_draws_long_edges_straight():
    # x is used at every depth of a long chain: bends would be quadratic, so there are none
    source = "y = x; " + " ".join(f"y = y*x;" for _ in range(150)) + " y"
    _, inputs, lay = laid_out(source, {"x": 1.0})
    assert sum(lay.layer[t] - lay.layer[s] - 1 for s, t, _ in layout.edges(inputs)) > layout.MAX_BENDS
    assert all(route == [] for route in lay.bends)
