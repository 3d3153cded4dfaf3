"""The pretty output for people: a Rich tree of the graph from the output down, then tables of
the leaves, of the passes, of the trace and of higher derivatives. Built from graph.describe,
with an explicit stack; a node used twice is drawn once and referred to after that, and very
deep or very large graphs are cut with a note.

When vectors are involved every node shows its shape, and vectors longer than 8 elements are
abbreviated to their first and last 3 (JSON and plain output always give every element). A
Jacobian is shown as one table per variable instead of the tree."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from agrad.values import write as numbers
from agrad.engine import shapes
from agrad.evaluation.api import Result
from agrad.engine.graph import GraphNode

MAX_DEPTH = 40
MAX_NODES = 400

STYLES = {"op": "bold cyan", "variable": "bold green", "constant": "magenta", "value": "yellow", "cut": "bold red"}
CUT_WORDS = {"detach": "cut by detach: no gradient flows into it",
             "no_grad": "computed under no_grad: no graph recorded"}
WIDTH_IN_PIPES = 160  # Rich's 80 columns would wrap every tree line when stdout is not a terminal


def _node_text(node: GraphNode, ref: str | None, show_shapes: bool = False) -> Text:
    t = node.tensor
    text = Text()
    if node.kind == "op" and t.name:
        text.append(t.name, style="bold")
        text.append(" = ")
    text.append(node.label, style=STYLES[node.kind])
    if node.index is not None:  # v[0]: the index is part of the indexing node, as in torch
        text.append(f" index {node.index}")
    if ref:
        text.append(f" {ref}", style="dim")
    if show_shapes:
        text.append(f"  shape {shapes.shape_text(t.value)}", style="dim")
    text.append(f"  value {numbers.short(t.value)}")
    text.append(f"  is_leaf {t.is_leaf}  requires_grad {t.requires_grad}", style="dim")
    if node.kind == "op":
        if t.retains_grad:
            text.append(f"  grad {numbers.short(node.grad)} (retained)")
    elif node.kind == "variable" or t.requires_grad:
        text.append(f"  grad {numbers.short(node.grad)}")
    if node.kind == "constant":
        text.append("  (constant)", style="dim")
    elif node.kind == "cut":
        text.append(f"  ({CUT_WORDS[t.cut]})", style="red")
    elif node.kind == "value":
        text.append("  (computed from inputs that do not require grad: no graph recorded)", style="dim")
    if t.hooks:
        text.append("  hooks " + ", ".join(getattr(h, "source", "fn") for h in t.hooks), style="yellow")
    return text


def graph_tree(nodes: list[GraphNode]) -> Tree:
    out = nodes[-1]
    shared = {n.id for n in nodes if n.uses > 1 and n.kind == "op"}  # numbered: #1, #2, ...
    refs = {i: f"#{k + 1}" for k, i in enumerate(sorted(shared, reverse=True))}
    show_shapes = any(shapes.is_vector(n.tensor.value) for n in nodes)
    tree = Tree(_node_text(out, refs.get(out.id), show_shapes), guide_style="dim")
    drawn = {out.id}
    cut_depth = cut_count = 0
    # Pre-order, one child at a time, so "drawn above" is true of every reference.
    stack = [(out, tree, 0, iter(out.inputs))]
    while stack:
        node, branch, depth, inputs = stack[-1]
        j = next(inputs, None)
        if j is None:
            stack.pop()
            continue
        child = nodes[j]
        if child.id in drawn and child.kind != "constant":
            ref = f" {refs[child.id]}" if child.id in refs else ""
            shown = f"{child.name} = {child.label}" if child.kind == "op" and child.name else child.label
            branch.add(Text(f"{shown}{ref} (drawn above)", style="dim"))
            continue
        if depth + 1 > MAX_DEPTH:
            cut_depth += 1
            continue
        if len(drawn) >= MAX_NODES:
            cut_count += 1
            continue
        drawn.add(child.id)
        stack.append((child, branch.add(_node_text(child, refs.get(child.id), show_shapes)), depth + 1,
                      iter(child.inputs)))
    hidden = len(nodes) - len(drawn)
    if hidden > 0 and (cut_depth or cut_count):
        why = f"deeper than {MAX_DEPTH} levels" if cut_depth else f"past the first {MAX_NODES} nodes"
        tree.add(Text(f"... {hidden} more nodes not drawn ({why}); --format json gives every gradient",
                      style="dim italic"))
    return tree


def _table(*columns: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    return table


def leaf_table(result: Result) -> Table:
    rows = [(escape(name), t, result.grads.get(name)) for name, t in result.variables.items()]
    rows += [(f"{escape(name)} (non-leaf, retained)", result.assigned[name], g)
             for name, g in result.grads.items() if name not in result.variables]
    show_shapes = any(shapes.is_vector(t.value) for _, t, _ in rows)
    table = _table("leaf", *["shape"] * show_shapes, "value", "requires_grad", "grad")
    for name, t, g in rows:
        table.add_row(name, *[shapes.shape_text(t.value)] * show_shapes, numbers.short(t.value),
                      str(t.requires_grad), numbers.short(g))
    return table


def passes_table(result: Result) -> Table:
    names = list(result.passes[0])
    table = _table("pass", *[f"{n}.grad" for n in names])
    for k, grads in enumerate(result.passes, 1):
        table.add_row(str(k), *[numbers.short(grads[n]) for n in names])
    return table


def trace_table(steps: list[dict]) -> Table:
    table = _table("step", "node", "grad in", "input", "local derivative", "sent (grad in x local)")
    for k, step in enumerate(steps, 1):
        if step["kind"] == "accumulate":
            table.add_row(str(k), escape(step["node"]), numbers.short(step["grad_in"]), "",
                          "", f"accumulated: {escape(step['node'])}.grad = {numbers.short(step['grad'])}")
            continue
        first = True
        for inp in step["inputs"] or [{"input": "", "local": None, "sent": None}]:
            table.add_row(str(k) if first else "", escape(step["node"]) if first else "",
                          numbers.short(step["grad_in"]) if first else "", escape(inp["input"]),
                          numbers.short(inp["local"]) if inp["input"] else "",
                          numbers.short(inp["sent"]) if inp["input"] else "")
            first = False
    return table


def derivatives_table(derivatives: dict) -> Table:
    order = max((len(v) for v in derivatives.values()), default=0)
    table = _table("variable", *[f"d{'^' + str(k) if k > 1 else ''}/dx{'^' + str(k) if k > 1 else ''}"
                                 for k in range(1, order + 1)])
    for name, values in derivatives.items():
        table.add_row(escape(name), *[numbers.short(v) for v in values])
    return table


def hessian_table(hessian: tuple) -> Table:
    names, matrix = hessian
    table = _table("d2/d row d column", *[escape(n) for n in names])
    for name, row in zip(names, matrix):
        table.add_row(escape(name), *[numbers.short(v) for v in row])
    return table


def jacobian_table(name: str, jacobian, output, variable) -> Group:
    """One variable's Jacobian under a heading: a row per output element, a column per element
    of the variable; long sides abbreviated to their first and last elements."""
    from agrad.render.text import jacobian_rows

    rows = [row if isinstance(row, list) else [row] for row in jacobian_rows(jacobian, output)]
    out_shape = [len(output)] if isinstance(output, list) else []
    var_shape = list(shapes.shape(variable))
    heading = Text.assemble("Jacobian with respect to ", (name, STYLES["variable"]),
                            (f"  shape {out_shape + var_shape}", "dim"))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("")
    columns = _shown(var_shape[0] if var_shape else 1)
    for j in columns:
        table.add_column("…" if j is None else f"{escape(name)}[{j}]" if var_shape else escape(name),
                         justify="right", overflow="fold")
    for i in _shown(len(rows)):
        label = "…" if i is None else f"out[{i}]" if out_shape else "out"
        table.add_row(label, *["…" if i is None or j is None else numbers.text(rows[i][j]) for j in columns])
    return Group(heading, table)


def _shown(n: int) -> list:
    """Indices to show of n, with None where the middle is left out."""
    if n <= numbers.FULL:
        return list(range(n))
    return list(range(numbers.EDGE)) + [None] + list(range(n - numbers.EDGE, n))


def render(result: Result, no_grad_reason: str | None = None) -> Group:
    header = Text()
    header.append(result.source.strip(), style="bold")
    header.append(f"  =  {numbers.short(result.value)}")
    if result.dtype != "float64":
        header.append(f"  ({result.dtype})", style="dim")
    if result.jacobian is not None:
        return Group(header, *[jacobian_table(name, j, result.value, result.variables[name].value)
                               for name, j in result.jacobian.items()])
    parts = [header]
    if result.gradient is not None:
        parts.append(Text(f"backward from gradient {numbers.short(result.gradient)} "
                          "(the vector-Jacobian product)", style="dim"))
    parts.append(graph_tree(result.graph))
    if result.variables or len(result.grads) > len(result.variables):
        parts.append(leaf_table(result))
    if no_grad_reason:
        parts.append(Text(no_grad_reason, style="yellow"))
    if len(result.passes) > 1:
        parts += [Text("Backward passes on the same graph:", style="bold"), passes_table(result)]
    for k, steps in enumerate(result.trace, 1):
        title = "Backward, step by step (the chain rule)" + (f", pass {k}" if len(result.trace) > 1 else "")
        parts += [Text(title + ":", style="bold"), trace_table(steps)]
    if result.derivatives:
        parts += [Text("Derivatives of the output:", style="bold"), derivatives_table(result.derivatives)]
    if result.hessian:
        parts += [Text("Hessian (second derivatives):", style="bold"), hessian_table(result.hessian)]
    for note in result.notes:
        parts.append(Text(note, style="dim"))
    return Group(*parts)


def settings(stream) -> tuple:
    """How pretty output looks on `stream` (stdout): (width, color system, terminal, no color),
    taken once, in the process that owns the stream, and given to every renderer (a batch's
    workers write into buffers). On a terminal, or with COLUMNS set, Rich's width; in a pipe
    WIDTH_IN_PIPES."""
    import os

    probe = Console(file=stream, emoji=False)
    width = probe.width if probe.is_terminal or os.environ.get("COLUMNS") else WIDTH_IN_PIPES
    return (width, probe.color_system, probe.is_terminal, probe.no_color)


def buffer_console(look: tuple) -> Console:
    """A Console writing into a StringIO (its .file), with settings()'s look."""
    import io

    width, color_system, terminal, no_color = look
    # emoji=False: agrad writes no :emoji: codes, and looking for them loads Rich's 200 KB table
    # of emoji names (a few ms of every pretty run).
    return Console(file=io.StringIO(), width=width, color_system=color_system, force_terminal=terminal,
                   no_color=no_color, highlight=False, legacy_windows=False, emoji=False)

