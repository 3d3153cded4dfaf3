"""The backward pass as data, step by step in the engine's order: for each node, the gradient
that arrives, each input's local derivative and the product sent to it (the chain rule), and for
each leaf the accumulation into .grad. Read by `--trace` and by the graph pictures."""

from __future__ import annotations

from agrad.engine import shapes
from agrad.engine.graph import GraphNode, describe
from agrad.engine.autograd import backward
from agrad.engine.tensor import Tensor, no_grad


def node_label(node: GraphNode) -> str:
    if node.kind == "op":
        return f"{node.name} ({node.label})" if node.name else node.label
    return node.label


def record(output: Tensor, run=None, nodes: list[GraphNode] | None = None) -> list[dict]:
    """Run one backward pass from output (or `run(on_step)`, which must) and return its steps."""
    nodes = nodes if nodes is not None else describe(output)
    ids = {id(n.tensor): n for n in nodes}
    steps: list[dict] = []

    def on_step(tensor: Tensor, g: Tensor, contributions):
        node = ids[id(tensor)]
        if tensor.op is None:
            total = tensor._grad.value if tensor._grad is not None else None
            steps.append({"kind": "accumulate", "id": node.id, "node": node_label(node), "grad_in": g.value,
                          "grad": total})
            return
        inputs = []
        with no_grad():
            one = Tensor(shapes.ones_like(g.value))  # the local derivative: the rule with a seed of 1
            for i, sent in contributions:
                inp = tensor.inputs[i]
                local = tensor.op.grads[i](one, tensor, *tensor.inputs)
                inputs.append({"id": ids[id(inp)].id, "input": node_label(ids[id(inp)]), "slot": i,
                               "local": local.value, "sent": sent.value})
        steps.append({"kind": "node", "id": node.id, "node": node_label(node), "grad_fn": tensor.op.grad_fn,
                      "grad_in": g.value, "inputs": inputs})

    if run is None:
        backward(output, on_step=on_step)
    else:
        run(on_step)
    return steps
