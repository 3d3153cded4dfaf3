"""Forward mode: the Jacobian-vector product (torch.func.jvp), pushed through a computed graph
from the variables to the output, with forward rules DERIVED from the op table's reverse rules
(there is no second table of formulas).

Why that works: every gradient rule of the table is linear in the gradient g it receives. For an
elementwise op, rule_i(g) = g * d_i elementwise, d_i the local derivative of the output by input i,
so rule_i run on a seed of ones gives d_i, and the tangent of the output is the sum over inputs of
d_i * (input i's tangent), broadcast as the op broadcast its operands. For an op with a scalar
output (sum, mean, prod, dot, norm, max/min), rule_i(1) is the whole row of the Jacobian, and the
tangent is sum(rule_i(1) * tangent_i). Ops whose output is a vector that is not elementwise
(indexing, stack, the backward functions' expand and select_backward, masked_fill with a tensor
value) get small rules of their own below: for them the reverse rule is the transpose of what
forward mode needs.

The local derivatives d_i are computed once per node (ForwardPlan keeps them), so the many passes
of a forward-mode Jacobian (one per input element) cost one multiply-add per node each. Every
tangent is computed with the engine's own ops under no_grad: float32 rounds as it does forward,
and the evaluation's node budget counts each op.
"""

from __future__ import annotations

from agrad.engine import shapes
from agrad.engine.autograd import execution_order
from agrad.engine.tensor import Tensor, apply, no_grad


class NoForwardRule(Exception):
    """An op the forward pass has no rule for: a bug in agrad (tests/test_jvp.py runs every
    entry of the table), never a user's error."""


def _ones_like(t: Tensor) -> Tensor:
    return Tensor(shapes.ones_like(t.value))


def _zero() -> Tensor:
    return Tensor(0.0)


def _sum(t: Tensor) -> Tensor:
    from agrad.engine.ops import SUM

    return apply(SUM, t)


# -- the ops whose vector output is not elementwise in its inputs: their own rules --------------
# Each is rule(node, tangents) -> the output's tangent; tangents[i] is None where input i has
# none (a constant, or a variable given no tangent): zero.

def _stack_rule(node: Tensor, tangents: list) -> Tensor:
    from agrad.engine.ops import stack

    return stack([_zero() if t is None else t for t in tangents])


def _select_rule(node: Tensor, tangents: list) -> Tensor:
    from agrad.engine.ops import SELECT

    return apply(SELECT, tangents[0], node.inputs[1])


def _same_op_rule(node: Tensor, tangents: list) -> Tensor:
    # a linear op of its first input (the others are constants: a length, an index): the
    # tangent goes through the op itself (view, sum_keepdim, expand, select_backward)
    return apply(node.op, tangents[0], *node.inputs[1:])


def _masked_fill_tensor_rule(node: Tensor, tangents: list) -> Tensor:
    from agrad.engine.ops import WHERE

    t, _, v = tangents
    filled = _zero() if v is None else v
    kept = Tensor(shapes.zeros_like(node.value)) if t is None else t
    return apply(WHERE, node.inputs[1], filled, kept)


def _sum_rule(node: Tensor, tangents: list) -> Tensor:
    return _sum(tangents[0])


def _mean_rule(node: Tensor, tangents: list) -> Tensor:
    from agrad.engine.ops import TABLE

    return apply(TABLE["mean"], tangents[0])


OWN_RULES = {
    "stack": _stack_rule,
    "select": _select_rule,
    "view": _same_op_rule,
    "sum_keepdim": _same_op_rule,
    "expand": _same_op_rule,
    "select_backward": _same_op_rule,
    "masked_fill_tensor": _masked_fill_tensor_rule,
    "sum": _sum_rule,  # (the generic reduction rule gives the same up to rounding: sum(1 * t) is exact,
    "mean": _mean_rule,  # mean's sum(t * (1/n)) is not torch's sum(t) / n)
}

# Not elementwise, but with a scalar output: tangent = sum(rule_i(1) * tangent_i).
SCALAR_OUTPUT = frozenset(("prod", "dot", "norm", "max_reduce", "min_reduce"))


def has_forward_rule(op) -> bool:
    """Whether the forward pass knows how to push a tangent through op."""
    return op.elementwise or op.name in OWN_RULES or op.name in SCALAR_OUTPUT


class ForwardPlan:
    """The graph of `output` in creation order (inputs before their users), and each node's local
    derivatives once computed: push() runs one forward-mode pass over it.
    Only the nodes that require grad take part: a tangent flows where a gradient would."""

    def __init__(self, output: Tensor):
        self.output = output
        order = execution_order(output) if output.requires_grad else []
        self.nodes = [t for t in reversed(order) if t.op is not None]
        self.local: dict[int, list] = {}  # id(node) -> [d_i or None per input]

    def _locals(self, node: Tensor) -> list:
        found = self.local.get(id(node))
        if found is None:
            from agrad.engine.ops import ZERO_RULE

            # a derivative that is 0 everywhere (sign, floor, ...) sends no tangent at all, as torch's
            # zeros_like does: not 0 * tangent, which is nan for an inf or nan tangent
            seed = _ones_like(node) if node.op.elementwise else Tensor(1.0)
            found = [None if rule is None or rule is ZERO_RULE or not inp.requires_grad else rule(seed, node, *node.inputs)
                     for rule, inp in zip(node.op.grads, node.inputs)]
            self.local[id(node)] = found
        return found

    def push(self, tangents: dict) -> Tensor:
        """The output's tangent, given {id(leaf): its tangent Tensor} (a leaf not given has none).
        A zero of the output's shape when no tangent reaches the output."""
        with no_grad():
            known = dict(tangents)
            for node in self.nodes:
                given = [known.get(id(inp)) for inp in node.inputs]
                if all(t is None for t in given):
                    continue
                known[id(node)] = self._tangent(node, given)
            out = known.get(id(self.output))
            return Tensor(shapes.zeros_like(self.output.value)) if out is None else out

    def _tangent(self, node: Tensor, given: list) -> Tensor:
        op = node.op
        own = OWN_RULES.get(op.name)
        if own is not None:
            return own(node, given)
        if not (op.elementwise or op.name in SCALAR_OUTPUT):
            raise NoForwardRule(f"forward mode has no rule for {op.name!r} ({op.grad_fn})")
        total = None
        for d, t in zip(self._locals(node), given):
            if t is None or d is None:
                continue
            part = d * t
            if not op.elementwise and not shapes.is_scalar(part.value):
                part = _sum(part)
            total = part if total is None else total + part
        return Tensor(shapes.zeros_like(node.value)) if total is None else total


def jvp(output: Tensor, tangents: dict) -> Tensor:
    """One forward-mode pass: output's tangent for {id(leaf): tangent Tensor}."""
    return ForwardPlan(output).push(tangents)
