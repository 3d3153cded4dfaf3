"""One description of a computed graph, which every renderer reads (the tree, the tables, the
trace, and the DOT, Mermaid and HTML pictures), so the graph is walked once, without recursion."""

from __future__ import annotations

from dataclasses import dataclass

from agrad.engine.tensor import Tensor


@dataclass(slots=True)
class GraphNode:
    id: int  # position in evaluation order: inputs before the nodes that use them, output last
    tensor: Tensor
    kind: str  # "variable", "constant", "op", "cut" (detach/no_grad), or "value" (computed without a graph)
    label: str  # what to call it: a name, a literal's text, or the grad_fn
    inputs: tuple  # ids of the inputs, in argument order (x*x has the same id twice)
    uses: int  # how many edges lead out of it
    index: int | None = None  # an indexing node's (v[0]) index, shown in its label: not an input node

    @property
    def grad_fn(self):
        return None if self.tensor.op is None else self.tensor.op.grad_fn

    @property
    def name(self):
        return self.tensor.name

    @property
    def value(self):
        return self.tensor.value

    @property
    def grad(self):
        """The stored gradient's value (leaves, and non-leaves that retain their grad), or None."""
        g = self.tensor._grad
        return None if g is None else g.value


def describe(output: Tensor) -> list[GraphNode]:
    """Every tensor output depends on, in evaluation order (output last).

    Ops come in the order they were computed, which is the order of the statements rather than
    of a walk from the output; each leaf comes just before the first op that uses it.
    """
    found: list[Tensor] = []
    # An index (v[0]) is not an input of torch's SelectBackward0 (it is saved in the node, and
    # gets no gradient): it is part of the indexing node, not a constant node of its own.
    seen = {id(output)}
    stack = [output]
    while stack:
        t = stack.pop()
        found.append(t)
        for child in _inputs(t):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    order: list[Tensor] = []
    placed: set[int] = set()
    for t in sorted((t for t in found if t.op is not None), key=lambda t: t.seq):
        for child in _inputs(t):
            if child.op is None and id(child) not in placed:
                placed.add(id(child))
                order.append(child)
        order.append(t)
    if output.op is None:
        order.append(output)
    index = {id(t): i for i, t in enumerate(order)}
    uses = [0] * len(order)
    nodes = []
    for i, t in enumerate(order):
        ins = tuple(index[id(x)] for x in _inputs(t))
        for j in ins:
            uses[j] += 1
        selected = int(t.inputs[1].value) if _is_select(t) else None
        nodes.append(GraphNode(i, t, _kind(t), _label(t), ins, 0, selected))
    for node, n in zip(nodes, uses):
        node.uses = n
    return nodes


def _is_select(t: Tensor) -> bool:
    return t.op is not None and t.op.name == "select"


def _inputs(t: Tensor) -> tuple:
    """The tensors drawn as t's inputs: all of them, but an indexing node's index."""
    return t.inputs[:1] if _is_select(t) else t.inputs


def _kind(t: Tensor) -> str:
    if t.op is not None:
        return "op"
    if t.cut is not None:
        return "cut"
    if t.is_number or (t.label is not None and not t.requires_grad):  # a vector of constants too
        return "constant"
    if t.name is not None and t.label is None:
        return "variable"
    return "value"


def _label(t: Tensor) -> str:
    if t.op is not None:
        return t.op.grad_fn
    if t.is_number:
        return t.label if t.label is not None else repr(t.value)
    return t.name or t.label or "tensor"
