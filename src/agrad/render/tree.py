"""The pretty tree of the graph, from the output down: each node its grad_fn or name, the part
of the expression it computes, its value and the gradient (a leaf's .grad; for an op the
gradient that reached it, "grad in"). Whether a node is a leaf and requires grad is said only
where it teaches something: an input that requires no grad, a constant, a cut.

Drawn with an explicit stack, pre-order; a node used twice is drawn once and referred to after
that; very deep or very large graphs are cut with a note. Lines fit the width: a node's text
flows onto further lines at its pieces, and guides deeper than the width allows are shortened
from the left (the depth is then written in front)."""

from __future__ import annotations

from agrad.engine import shapes
from agrad.engine.graph import GraphNode
from agrad.render import picture, shown
from agrad.render.flow import cells, flow
from agrad.render.visible import visible

MAX_DEPTH = 40
MAX_NODES = 400
ROOM = 24  # columns kept for a node's text however deep it is drawn

CUT_WORDS = {"detach": "cut by detach: no gradient flows into it",
             "no_grad": "computed under no_grad: no graph recorded"}


def sub_expressions(nodes: list[GraphNode]) -> list:
    """Each op's part of the expression (`x + w`, `a = x * w` for a named one), as the pictures
    write it; None where it is longer than picture.MAX_EXPR (its inputs are drawn below it)."""
    texts = picture._expressions(nodes)
    out = []
    for n in nodes:
        if n.kind != "op":
            out.append(None)
        elif not n.name:
            out.append(texts[n.id][0] if texts[n.id] else None)
        else:
            parts = [texts[j] for j in n.inputs]
            composed = None if any(p is None for p in parts) else picture._compose(n.tensor.op, parts, n.index)[0]
            out.append(None if composed is None or len(composed) > picture.MAX_EXPR else f"{n.name} = {composed}")
    return out


def arrived(result) -> dict:
    """node id -> the gradient that reached it in the last backward pass: from the trace when
    there is one, else from what the run kept (RunOptions.grads_in)."""
    nodes = result.graph
    if result.trace:
        return {step["id"]: step["grad_in"] for step in result.trace[-1]}
    kept = getattr(result, "grads_in", None) or {}
    return {n.id: kept[id(n.tensor)] for n in nodes if id(n.tensor) in kept}


def _pieces(node: GraphNode, expr: str | None, grad_in, ref: str, show_shapes: bool, digits: int) -> list:
    t = node.tensor
    value = shown.value(t.value, digits)
    shape = [[("shape " + shapes.shape_text(t.value), "dim")]] if show_shapes else []
    if node.kind == "op":
        head = [(node.label, "op")] + ([(" " + ref, "dim")] if ref else [])
        pieces = [head]
        if expr is not None:
            pieces.append([(visible(expr), None), (" = " + value, "value")])
        else:
            # too long to spell out (its inputs are drawn below it): the name, or the word value
            pieces.append([(visible(node.name) + " = " + value, "value")] if node.name else [("value " + value, "value")])
        pieces += shape
        if t.retains_grad and node.grad is not None:
            pieces.append([("grad " + shown.value(node.grad, digits) + " (retained)", None)])
        elif grad_in is not None:
            pieces.append([("grad in " + shown.value(grad_in, digits), None)])
    else:
        label = visible(node.label)
        if node.kind == "constant":
            same = label == value or _equal(label, t.value)
            pieces = [[(label, "constant")] + ([] if same else [(" = " + value, "value")])] + shape
            pieces.append([("(constant)", "dim")])
        else:
            pieces = [[(label, "variable" if node.kind == "variable" else "cut"), (" = " + value, "value")]] + shape
            if node.kind == "variable":
                pieces.append([("grad " + shown.value(node.grad, digits), None)] if t.requires_grad
                              else [("(no grad)", "dim")])
            elif node.kind == "cut":
                pieces.append([(f"({CUT_WORDS[t.cut]})", "cut")])
            else:
                pieces.append([("(computed from inputs that do not require grad: no graph recorded)", "dim")])
    if t.hooks:
        pieces.append([("hook " + ", ".join(visible(getattr(h, "source", "fn")) for h in t.hooks), "hook")])
    return pieces


def _equal(label: str, value) -> bool:
    """Whether a literal's text is its value (2 for 2.0): then the value is not repeated."""
    try:
        return float(label) == value
    except (TypeError, ValueError):
        return False


def _prefix(stem: str, width: int, depth: int) -> str:
    if cells(stem) <= width - ROOM:
        return stem
    mark = f"({depth}) "
    keep = max(0, width - ROOM - len(mark))
    return mark + stem[len(stem) - keep:] if keep else mark


def tree_lines(result, width: int, digits: int) -> tuple[list, str | None]:
    """The tree's lines, and the note to say after it when part of it is not drawn."""
    nodes = result.graph
    out = nodes[-1]
    shared = {n.id for n in nodes if n.uses > 1 and n.kind == "op"}  # numbered: #1, #2, ...
    refs = {i: f"#{k + 1}" for k, i in enumerate(sorted(shared, reverse=True))}
    show_shapes = any(shapes.is_vector(n.tensor.value) for n in nodes)
    exprs = sub_expressions(nodes)
    grads_in = arrived(result)

    def node_lines(node, first: str, rest: str, depth: int) -> list:
        pieces = _pieces(node, exprs[node.id], grads_in.get(node.id), refs.get(node.id, ""), show_shapes, digits)
        return flow(pieces, [(_prefix(first, width, depth), "dim")], [(_prefix(rest, width, depth), "dim")], width)

    lines = node_lines(out, "", "│ " if out.inputs else "  ", 0)
    drawn = {out.id}
    cut_depth = cut_count = 0
    # Pre-order, one child at a time, so "drawn above" is true of every reference.
    stack = [(out, "", 0, iter(enumerate(out.inputs)))]
    while stack:
        node, stem, depth, inputs = stack[-1]
        nxt = next(inputs, None)
        if nxt is None:
            stack.pop()
            continue
        k, j = nxt
        child = nodes[j]
        last = k == len(node.inputs) - 1
        first = stem + ("└── " if last else "├── ")
        below = stem + ("    " if last else "│   ")
        if child.id in drawn and child.kind != "constant":
            ref = f" {refs[child.id]}" if child.id in refs else ""
            name = (exprs[child.id] or child.name or child.label) if child.kind == "op" else child.label
            lines += flow([[(visible(name) + ref, None)], [("(drawn above)", "dim")]],
                          [(_prefix(first, width, depth + 1), "dim")],
                          [(_prefix(below + "  ", width, depth + 1), "dim")], width)
            continue
        if depth + 1 > MAX_DEPTH:
            cut_depth += 1
            continue
        if len(drawn) >= MAX_NODES:
            cut_count += 1
            continue
        drawn.add(child.id)
        has_children = bool(child.inputs) and depth + 2 <= MAX_DEPTH
        lines += node_lines(child, first, below + ("│ " if has_children else "  "), depth + 1)
        stack.append((child, below, depth + 1, iter(enumerate(child.inputs))))
    hidden = len(nodes) - len(drawn)
    note = None
    if hidden > 0 and (cut_depth or cut_count):
        why = f"deeper than {MAX_DEPTH} levels" if cut_depth else f"past the first {MAX_NODES} nodes"
        note = f"... {hidden} more nodes not drawn ({why}); --format json gives every gradient"
    return lines, note
