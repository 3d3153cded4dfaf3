"""The pretty output for people: a Rich tree of the graph from the output down, then a table of
the leaves. Built from graph.describe, with an explicit stack; a node used twice is drawn once
and referred to after that, and very deep or very large graphs are cut with a note."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from . import numbers
from .api import Result
from .graph import GraphNode, describe

MAX_DEPTH = 40
MAX_NODES = 400

STYLES = {"op": "bold cyan", "variable": "bold green", "constant": "magenta", "value": "yellow"}


def _node_text(node: GraphNode, ref: str | None) -> Text:
    t = node.tensor
    text = Text()
    if node.kind == "op":
        if t.name:
            text.append(t.name, style="bold")
            text.append(" = ")
        text.append(node.label, style=STYLES["op"])
    else:
        text.append(node.label, style=STYLES[node.kind])
    if ref:
        text.append(f" {ref}", style="dim")
    text.append(f"  value {numbers.text(t.value)}")
    if node.kind == "op":
        text.append("  non-leaf", style="dim")
        if t.retains_grad:
            text.append(f"  grad {numbers.text(node.grad)}")
    else:
        kind = {"variable": "leaf", "constant": "constant leaf", "value": "leaf"}[node.kind]
        text.append(f"  {kind}", style="dim")
        text.append(f"  requires_grad {t.requires_grad}")
        if node.kind == "variable" or t.requires_grad:
            text.append(f"  grad {numbers.text(node.grad)}")
    return text


def graph_tree(nodes: list[GraphNode]) -> Tree:
    out = nodes[-1]
    shared = {n.id for n in nodes if n.uses > 1 and n.kind == "op"}  # numbered: #1, #2, ...
    refs = {i: f"#{k + 1}" for k, i in enumerate(sorted(shared, reverse=True))}
    tree = Tree(_node_text(out, refs.get(out.id)), guide_style="dim")
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
        stack.append((child, branch.add(_node_text(child, refs.get(child.id))), depth + 1, iter(child.inputs)))
    hidden = len(nodes) - len(drawn)
    if hidden > 0 and (cut_depth or cut_count):
        why = f"deeper than {MAX_DEPTH} levels" if cut_depth else f"past the first {MAX_NODES} nodes"
        tree.add(Text(f"... {hidden} more nodes not drawn ({why}); --format json gives every gradient",
                      style="dim italic"))
    return tree


def leaf_table(result: Result) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for col, justify in (("leaf", "left"), ("value", "right"), ("requires_grad", "left"), ("grad", "right")):
        table.add_column(col, justify=justify)
    for name in result.grads:
        t = result.variables[name]
        table.add_row(escape(name), numbers.text(t.value), str(t.requires_grad), numbers.text(result.grads[name]))
    return table


def render(result: Result) -> Group:
    nodes = describe(result.output)
    header = Text()
    header.append(result.source.strip(), style="bold")
    header.append(f"  =  {numbers.text(result.value)}")
    parts = [header, graph_tree(nodes)]
    if result.grads:
        parts.append(leaf_table(result))
    if not result.output.requires_grad:
        parts.append(Text("No gradients: the output does not depend on any input that requires grad "
                          "(it is built from constants only), so there is nothing to backpropagate.",
                          style="yellow"))
    return Group(*parts)


def print_result(result: Result, console: Console | None = None) -> None:
    (console or Console()).print(render(result))
