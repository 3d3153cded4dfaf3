"""One description of a computed graph, which every renderer reads (the tree, the tables,
and later the pictures), so the graph is walked once, without recursion."""

from __future__ import annotations

from dataclasses import dataclass

from .tensor import Tensor


@dataclass(slots=True)
class GraphNode:
    id: int  # position in topological order: inputs before the nodes that use them
    tensor: Tensor
    kind: str  # "variable", "constant", "op", "cut" (detach/no_grad), or "value" (computed without a graph)
    label: str  # what to call it: a name, a literal's text, or the grad_fn
    inputs: tuple  # ids of the inputs
    uses: int  # how many edges lead out of it

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
    """Every tensor output depends on, in topological order (output last)."""
    order: list[Tensor] = []
    index: dict[int, int] = {}
    stack = [(output, iter(output.inputs))]
    seen = {id(output)}
    while stack:
        node, it = stack[-1]
        for child in it:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append((child, iter(child.inputs)))
                break
        else:
            stack.pop()
            index[id(node)] = len(order)
            order.append(node)
    uses = [0] * len(order)
    nodes = []
    for i, t in enumerate(order):
        ins = tuple(index[id(x)] for x in t.inputs)
        for j in ins:
            uses[j] += 1
        nodes.append(GraphNode(i, t, _kind(t), _label(t), ins, 0))
    for node, n in zip(nodes, uses):
        node.uses = n
    return nodes


def _kind(t: Tensor) -> str:
    if t.op is not None:
        return "op"
    if t.cut is not None:
        return "cut"
    if t.is_number:
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
