"""What the pictures show (picture.build): node texts, edge labels, and both passes in words,
with the numbers of agrad eval and the chain rule holding on every edge."""

import math

import pytest

from agrad.values import write as numbers
from agrad.evaluation.api import run
from agrad.render.picture import build


def picture_of(source, bindings, **options):
    return build(run(source, bindings, trace=True, **options))


def test_the_tutorial_graph():
    p = picture_of("(x+w)*2", {"x": 3, "w": 1})
    assert [(n.title, n.role, n.value, n.grad_line) for n in p.nodes] == [
        ("x", "input", "3.0", "grad 2.0"), ("w", "input", "1.0", "grad 2.0"),
        ("AddBackward0", "op", "4.0", "grad in 2.0"), ("2", "constant", "2.0", "no grad"),
        ("MulBackward0", "output", "8.0", "grad in 1.0")]
    assert [n.subtitle for n in p.nodes][2:] == ["x + w", "constant", "(x + w) * 2"]
    assert [(e.source, e.target, e.slot, e.label) for e in p.edges] == [
        (0, 2, 0, "grad 2.0 (×1.0)"), (1, 2, 1, "grad 2.0 (×1.0)"), (2, 4, 0, "grad 2.0 (×2.0)"), (3, 4, 1, "")]
    assert [s.node for s in p.forward] == [0, 1, 2, 3, 4]
    assert p.forward[2].words[0] == "x + w = 3.0 + 1.0 = 4.0"
    assert p.forward[4].words[0] == "(x + w) * 2 = 4.0 * 2.0 = 8.0"
    assert "grad_fn=MulBackward0" in p.forward[4].words[1] and "(2 requires no grad)" in p.forward[4].words[1]
    assert [s.node for s in p.backward] == [4, 2, 0, 1]  # the engine's order
    assert p.backward[0].words == [
        "Backward starts at the output (x + w) * 2: its gradient is ∂out/∂out = 1.0.",
        "MulBackward0 multiplies it by each local derivative (the chain rule):",
        "∂out/∂(x + w) = 2.0, so the gradient sent to x + w is 1.0 × 2.0 = 2.0.",
        "2 requires no grad: nothing is sent to it."]
    assert p.backward[1].words[-1] == "∂(x + w)/∂w = 1.0, so the gradient sent to w is 2.0 × 1.0 = 2.0."
    assert p.backward[2].words == ["x is a leaf: AccumulateGrad stores its gradient, x.grad = 2.0."]
    assert p.backward[0].edges == [2] and p.backward[1].edges == [0, 1]
    assert p.summary == ["Backward is done. The leaves hold their gradients: x.grad = 2.0, w.grad = 2.0."]


def test_named_intermediates_are_used_in_the_words():
    p = picture_of("a = x + w; y = a * 2", {"x": 3, "w": 1})
    assert [n.title for n in p.nodes] == ["x", "w", "a", "2", "y"] and p.nodes[2].subtitle == "AddBackward0"
    assert p.output_name == "y"
    assert p.forward[2].words[0] == "a = x + w = 3.0 + 1.0 = 4.0"
    assert "∂y/∂a = 2.0, so the gradient sent to a is 1.0 × 2.0 = 2.0." in p.backward[0].words
    assert p.backward[1].words[0] == "a (AddBackward0) receives ∂y/∂a = 2.0."


def test_a_shared_input_adds_up_what_its_edges_carry():
    p = picture_of("x*x", {"x": 3})
    assert len(p.nodes) == 2 and [(e.source, e.slot, e.label) for e in p.edges] == [
        (0, 0, "grad 3.0 (×3.0)"), (0, 1, "grad 3.0 (×3.0)")]
    assert p.backward[-1].words == ["x is a leaf: AccumulateGrad stores its gradient, x.grad = 3.0 + 3.0 = 6.0."]
    p = picture_of("a = x*w; a*a + x", {"x": 2, "w": 3})
    a = next(s for s in p.backward if s.node == 2)
    assert a.words[0] == "a (MulBackward0) receives ∂out/∂a = 6.0 + 6.0 = 12.0."
    x = next(s for s in p.backward if s.node == 0)
    assert x.words == ["x is a leaf: AccumulateGrad stores its gradient, x.grad = 1.0 + 36.0 = 37.0."]


def test_a_long_sum_of_gradients_is_shortened():
    p = picture_of(" + ".join(f"x*{k}" for k in range(1, 9)), {"x": 1})
    assert p.backward[-1].words == ["x is a leaf: AccumulateGrad stores its gradient, "
                                    "x.grad = 8.0 + 7.0 + 6.0 + … + 2.0 + 1.0 (8 gradients) = 36.0."]


def test_negative_numbers_are_bracketed_as_operands():
    p = picture_of("x - sin(w)^2", {"x": 1, "w": -0.5})
    sub = p.backward[0].words
    assert any("1.0 × (-1.0) = -1.0" in w for w in sub)
    assert p.forward[-1].words[0].startswith("x - sin(w)^2 = 1.0 - 0.22984884706593015")
    sin = next(s for s in p.forward if p.nodes[s.node].title == "SinBackward0")
    assert sin.words[0] == "sin(w) = sin(-0.5) = -0.479425538604203"


@pytest.mark.parametrize("source, shown", [
    ("x - (w - 1)", "x - (w - 1)"), ("(x - w) - 1", "x - w - 1"), ("x^w^2", "x^w^2"), ("(x^w)^2", "(x^w)^2"),
    ("-x^2", "-x^2"), ("(-x)^2", "(-x)^2"), ("2/x", "1/x * 2"), ("max(x, w*2)", "max(x, w * 2)"),
    ("clamp(x, w, 3)", "clamp(x, w, 3)"),
    # a constant bound to a name is shown by its source, bracketed where its operator binds looser
    ("a = 2*3; x^a", "x^(2*3)"), ("a = 2*3; x*a", "x * (2*3)"), ("a = 2+3; x*a", "x * (2+3)"),
    ("a = 1e-3; x^a", "x^1e-3"), ("a = (1+2)*3; x^a", "x^((1+2)*3)"), ("a = 2^3; x^a", "x^2^3"),
])
def test_each_op_is_described_by_its_part_of_the_expression(source, shown):
    p = picture_of(source, {"x": 1.5, "w": 0.5})
    assert p.nodes[-1].subtitle == shown


@pytest.mark.parametrize("source, shown", [
    ("max(v)", "max(v)"), ("min(v * 2)", "min(v * 2)"), ("v[0]", "v[0]"), ("(v * 2)[-1]", "(v * 2)[-1]"),
    ("sum([x, w * 2])", "sum([x, w * 2])"), ("[x, w][1]", "[x, w][1]"),
])
def test_vector_ops_are_written_as_the_language_writes_them(source, shown):
    p = picture_of(source, {"x": 1.5, "w": 0.5, "v": [1.0, 3.0, 2.0]})
    assert p.nodes[-1].subtitle == shown


def test_every_function_is_shown_by_the_name_it_is_called_by():
    from agrad.render.functions import callable_functions

    for called, op in callable_functions():
        # an input the entry does not differentiate is a number (clamp(x, 0, 2): ClampBackward1)
        args = ", ".join("v" if not op.elementwise else ("x", "w", "u")[i] if op.grads[i] else str(2 * i - 2)
                         for i in range(op.arity))
        p = picture_of(f"{called}({args})", {"x": 1.5, "w": 0.5, "u": 2.5, "v": [1.0, 3.0, 2.0]})
        shown = "x^w" if called == "pow" else f"{called}({args})"  # pow(x, w) is drawn with its operator
        assert p.nodes[-1].subtitle == shown and p.nodes[-1].title == op.grad_fn


def test_long_parts_are_called_by_grad_fn_and_id():
    source = " + ".join(f"sin(x*{k})" for k in range(1, 12))
    p = picture_of(source, {"x": 0.1})
    out = p.nodes[-1]
    assert out.handle == f"AddBackward0 #{out.id}" and out.subtitle == f"#{out.id}"
    assert p.nodes[3].handle == "sin(x * 1)"


def test_no_grad_retain_grad_and_hooks():
    p = picture_of("x*w", {"x": 2, "w": 3}, no_grad=["w"])
    assert [n.role for n in p.nodes] == ["input", "input-no-grad", "output"]
    assert "w requires no grad: nothing is sent to it." in p.backward[0].words
    assert p.nodes[1].grad_line == "no grad" and p.nodes[0].grad_line == "grad 3.0"
    p = picture_of("a = x*2; a*a", {"x": 1}, retain_grad=["a"])
    a = next(s for s in p.backward if s.node == 2)
    assert a.grad_line == "grad 4.0 (retained)" and "retain_grad() keeps it: a.grad = 4.0." in a.words
    assert p.summary == ["Backward is done. The leaves hold their gradients: x.grad = 8.0. Retained: a.grad = 4.0."]
    p = picture_of("y = x*3", {"x": 1}, hooks=[("y", "g*10")])
    assert p.backward[0].words[:2] == ["Backward starts at the output y: its gradient is ∂y/∂y = 1.0.",
                                       "A hook on y (g*10) replaces the gradient arriving, 1.0, with 10.0."]
    assert "∂y/∂x = 3.0, so the gradient sent to x is 10.0 × 3.0 = 30.0." in p.backward[0].words
    p = picture_of("x*2", {"x": 3}, hooks=[("x", "g*10")])
    assert p.backward[-1].words == ["A hook on x (g*10) replaces the gradient arriving, 2.0, with 20.0.",
                                    "x is a leaf: AccumulateGrad stores its gradient, x.grad = 20.0."]


def test_a_graph_without_gradients_plays_forward_only():
    p = picture_of("2*pi", {})
    assert len(p.forward) == 1 and p.backward == []
    assert p.summary == ["No backward pass: nothing in the output requires grad."]
    p = picture_of("detach(x) * 2", {"x": 1})  # computed from a cut: a leaf, one node
    assert [(n.role, n.grad_line) for n in p.nodes] == [("output", "no grad")] and p.backward == []
    p = picture_of("detach(x*w) * x", {"x": 2, "w": 3})
    # w is only inside the detach: the page still draws it (after the output), as torch keeps it, a
    # leaf that requires grad whose .grad stays None; dashed edges from x and w into the cut
    assert [n.role for n in p.nodes] == ["cut", "input", "output", "input"] and p.output == 2
    assert [(n.title, n.grad_line, n.caption) for n in p.nodes[3:]] == [
        ("w", "grad None", "leaf, requires_grad; cut off by detach")]
    assert [(e.source, e.target, e.cut) for e in p.edges if e.cut] == [(1, 0, "detach"), (3, 0, "detach")]
    assert p.nodes[0].inputs == [1, 3]
    assert "detach(x*w) requires no grad: nothing is sent to it." in p.backward[0].words
    assert p.summary[-1] == "w.grad is None: the gradient cannot reach it through the cut."
    p = picture_of("d = detach(w); x*d", {"x": 2, "w": 3})  # the brief's case: w was missing
    assert [(n.title, n.role) for n in p.nodes] == [("x", "input"), ("d", "cut"), ("MulBackward0", "output"),
                                                    ("w", "input")]
    p = picture_of("no_grad(x*w) + x", {"x": 2, "w": 3})
    assert [n.title for n in p.nodes if n.role == "input"] == ["x", "w"]
    assert build(run("d = detach(w); x*d", {"x": 2, "w": 3}, trace=True), explain=False).nodes[-1].title \
        == "MulBackward0"  # DOT and Mermaid draw the graph as the engine has it: no w


def test_a_node_too_long_to_spell_out_is_captioned_by_its_own_operation():
    p = picture_of(" + ".join(f"x^{k}*w" for k in range(1, 20)), {"x": 0.5, "w": 2})
    out = p.nodes[p.output]
    assert out.subtitle == f"#{out.id}"  # DOT and Mermaid keep the id
    assert out.caption == "… + x^19 * w"  # the page says what it adds
    assert all(len(n.caption) <= 32 and not n.caption.startswith("#") for n in p.nodes)
    assert p.nodes[2].caption == "x^1" == p.nodes[2].subtitle  # a short one is its subtitle


EXPRESSIONS = ["(x+w)*2", "a = x*w; a*a + x", "x/w - exp(-x*w) + x^3", "sin(x)*cos(x) + tanh(w*x)",
               "max(x, w) * min(x, w) + sqrt(x*x + w*w)", "log(x) - 2/w + atan2(x, w)"]


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_the_chain_rule_holds_on_every_edge_and_the_numbers_are_evals(source):
    bindings = {"x": 1.3, "w": 0.4}
    result = run(source, bindings, trace=True)
    p = build(result)
    for n, node in zip(result.graph, p.nodes):
        assert node.value == numbers.text(n.value)
        if n.kind == "variable":
            assert node.grad == numbers.text(result.grads[n.name])
    arrived = {}
    for step in p.backward:
        node = p.nodes[step.node]
        for e in step.edges:
            edge = p.edges[e]
            assert math.isclose(float(edge.grad), float(node.grad) * float(edge.local), rel_tol=1e-12)
            arrived.setdefault(edge.source, []).append(float(edge.grad))
    for i, grads in arrived.items():
        assert math.isclose(sum(grads), float(p.nodes[i].grad), rel_tol=1e-12, abs_tol=1e-15)
