"""The cost budget of one evaluation (limits.py: nodes, backward steps): a mutable counter that
the modes of one evaluation share (tensor.Mode.budget), charged by `apply` for every op's result
and by each backward pass for the nodes it visits, so that a cost bomb stops while it spends
instead of after. Counting down keeps apply's check to one subtraction and one comparison."""

from __future__ import annotations

from agrad import limits
from agrad.errors import LimitError


class Budget:
    __slots__ = ("nodes", "steps", "max_nodes", "max_steps")

    def __init__(self, max_nodes: int = limits.MAX_NODES, max_steps: int = limits.MAX_BACKWARD_STEPS):
        self.max_nodes, self.max_steps = max_nodes, max_steps
        self.nodes, self.steps = max_nodes, max_steps

    def charge_vector(self, value) -> None:
        """A vector result's elements beyond the node itself (apply charges the node): 1/32 of a
        node each, a node's size in float64s."""
        if getattr(value, "ndim", 0):
            self.nodes -= len(value) >> 5

    def out_of_nodes(self):
        raise LimitError(limits.too_costly(
            "the evaluation made too many nodes (the forward pass, grad(), --order, --backward passes, "
            "hooks, --hessian and --jacobian all count)", "max_nodes", self.max_nodes))

    def charge_pass(self, visits: int) -> None:
        """One backward pass over `visits` nodes, charged before it runs."""
        self.steps -= visits + limits.PASS_STEPS
        if self.steps < 0:
            raise LimitError(limits.too_costly(
                f"the backward passes would visit too many nodes ({limits.PASS_STEPS} more per pass; --backward, "
                "grad(), --order, --hessian and --jacobian passes all count)", "max_backward_steps", self.max_steps))
