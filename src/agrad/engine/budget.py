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

    def charge_pass(self, steps: int) -> None:
        """One backward pass of `steps` (autograd.steps), charged before it runs."""
        self.steps -= steps + limits.PASS_STEPS
        if self.steps < 0:
            self._out_of_steps()

    def expect_passes(self, passes: int, steps: int) -> None:
        """Refuse at once `passes` passes of `steps` each that the steps left cannot pay for."""
        if passes * (steps + limits.PASS_STEPS) > self.steps:
            self._out_of_steps()

    def _out_of_steps(self):
        raise LimitError(limits.too_costly(
            f"the backward passes would take too many steps (a step per node and per input, {limits.PASS_STEPS} "
            "per pass; --backward, grad(), --order, --hessian and --jacobian passes all count)",
            "max_backward_steps", self.max_steps))
