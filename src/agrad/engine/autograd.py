"""Backward: the iterative pass that runs the op table's gradient rules from an output to its
leaves, as torch's engine does (`Tensor.backward`, `grad`, and the order they run the graph in).

Gradients are computed by the rules in the op table (ops.py), which are written with Tensors, so
with create_graph=True a gradient is itself a graph and can be differentiated again. No
recursion: the topological sort keeps its own stack. This module sits above the table (it runs
its rules, and sums a broadcast operand's gradient with its ops), so it gives Tensor its
`backward` method itself, below: tensor.py, under the table, cannot import it.
"""

from __future__ import annotations

from agrad.engine.watch import current as _watching  # --anomaly's switch
from agrad.engine import shapes as _shapes
from agrad.engine.ops import SELECT, sum_to
from agrad.engine.tensor import Tensor, current_mode, running_formulas
from agrad.errors import ComputeError, ScalarOutputError, ShapeError

NO_GRAD_FN = "element 0 of tensors does not require grad and does not have a grad_fn"
SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)
IMPLICIT_GRAD = "grad can be implicitly created only for scalar outputs"

def execution_order(root: Tensor) -> list[Tensor]:
    """Every tensor that requires grad and that root depends on, in the order torch's engine
    runs them in backward: ops newest first (creation order reversed, a topological order since
    an input always exists before the op that uses it), and each leaf's accumulation as soon as
    its last user has run, in that user's input order. This also fixes the order in which
    gradients arriving by several paths are added, so sums agree with torch to the last bit.
    The search for what is reachable keeps its own stack."""
    found = {id(root): root}
    stack = [root]
    while stack:
        for child in stack.pop().inputs:
            if child.requires_grad and id(child) not in found:
                found[id(child)] = child
                stack.append(child)
    ops = sorted((t for t in found.values() if t.op is not None), key=_by_seq, reverse=True)
    last_user: dict[int, Tensor] = {}
    for node in ops:
        for child in node.inputs:
            if child.op is None and child.requires_grad:
                last_user[id(child)] = node
    order: list[Tensor] = [] if root.op is not None else [root]
    for node in ops:
        order.append(node)
        for child in node.inputs:
            if child.op is None and last_user.get(id(child)) is node:
                del last_user[id(child)]
                order.append(child)
    return order


def steps(order: list[Tensor]) -> int:
    """What a backward pass over `order` (execution_order) costs, in the budget's steps: a step
    per node and one per input (each a gradient rule that may run)."""
    return len(order) + sum([len(node.inputs) for node in order])


def expect_passes(root: Tensor, passes: int) -> None:
    """Refuse, before the first, `passes` backward passes from root that would exceed the step
    budget (limits.py), so that a bomb of many cheap passes ends at once."""
    budget = current_mode().budget
    if budget is not None and root.requires_grad:
        budget.expect_passes(passes, steps(execution_order(root)))


def _by_seq(t: Tensor) -> int:
    return t.seq


def _seed(root: Tensor, gradient) -> Tensor:
    if gradient is None:
        if not _shapes.is_scalar(root.value):
            raise ScalarOutputError(IMPLICIT_GRAD)
        return Tensor(1.0)
    return seed_like(root, gradient)


def backward(root: Tensor, gradient=None, retain_graph: bool | None = None, create_graph: bool = False,
             on_step=None) -> None:
    """Backpropagate from root, adding into the .grad of every leaf that requires grad (and of
    every non-leaf that retains its grad), like torch's Tensor.backward.

    `on_step(node, grad_in, contributions)` is called for each node processed, in the engine's
    order, with the gradient that arrived (after hooks) and [(input index, gradient sent)], for
    tools that show the chain rule at work.
    """
    _run(root, gradient, retain_graph, create_graph, None, on_step)


def grad(output: Tensor, inputs, gradient=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """Like torch.autograd.grad: the gradients of output with respect to inputs, returned rather
    than accumulated into .grad. An input output does not depend on gives None, or raises
    unless allow_unused."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise ComputeError("One of the differentiated Tensors does not require grad")
    captured = {id(t): None for t in inputs}
    _run(output, gradient, retain_graph, create_graph, captured, None)
    result = tuple(captured[id(t)] for t in inputs)
    if not allow_unused and None in result:
        raise ComputeError(f"The differentiated Tensor at index {result.index(None)} appears to not have been "
                           "used in the graph. Set allow_unused=True if this is the desired behavior.")
    return result


def _run(root: Tensor, gradient, retain_graph, create_graph, captured, on_step) -> None:
    # captured: None to accumulate into .grad (backward), or {id(input): None} to fill (grad)
    if not root.requires_grad:
        raise ComputeError(NO_GRAD_FN)
    if retain_graph is None:
        retain_graph = create_graph
    seed = _seed(root, gradient)
    order = execution_order(root)
    mode = current_mode()
    if mode.budget is not None:
        mode.budget.charge_pass(steps(order))
    watch = _watching()  # --anomaly: one read per pass, None when off
    if watch is not None:
        on_step = watch.step(on_step)
    # Without a graph to build (and no trace to show each contribution), an index's gradient is
    # kept sparse (IndexGrads) until its vector is reached: a dense vector per index made
    # x[0] + ... + x[n] over a long x quadratic.
    sparse = not create_graph and on_step is None
    pending: dict[int, Tensor] = {id(root): seed}
    with running_formulas(create_graph, create_graph):  # (a graph's numbers are torch's formulas')
        for node in order:
            g = pending.pop(id(node), None)
            if g is None:
                continue
            if type(g) is IndexGrads:
                g = Tensor(g.dense())
            if node.hooks:
                for hook in list(node.hooks):
                    with running_formulas(create_graph, False):  # a hook is a program: x * 2 is MulBackward0
                        replaced = hook(g)
                    if replaced is not None:
                        replaced = in_dtype(as_grad(replaced), mode)
                        if not _shapes.same_shape(replaced.value, g.value):
                            raise ComputeError(f"hook '{getattr(hook, '__name__', 'hook')}' has changed the size "
                                               "of value")
                        g = replaced
            op = node.op
            if captured is not None:
                if id(node) in captured:
                    captured[id(node)] = g
            elif op is None or node.retains_grad:
                node._grad = g if node._grad is None else node._grad + g
            if op is None:
                if on_step is not None:
                    on_step(node, g, ())
                continue
            if node.freed:
                raise ComputeError(SECOND_BACKWARD)
            contributions = []
            inputs = node.inputs
            if sparse and op is SELECT:
                inp = inputs[0]
                if inp.requires_grad:
                    key = id(inp)
                    prev = pending.get(key)
                    if type(prev) is not IndexGrads:
                        prev = pending[key] = IndexGrads(len(inp.value), prev, mode.round)
                    prev.add_at(inputs[1].value, g.value)
                if not retain_graph and op.saves:
                    node.freed = True
                continue
            for i, rule in enumerate(op.grads):
                inp = inputs[i]
                if not inp.requires_grad or rule is None:
                    continue
                contrib = rule(g, node, *inputs)
                if contrib is None:
                    continue
                cv, iv = contrib.value, inp.value
                if not (type(cv) is float and type(iv) is float) and not _shapes.same_shape(cv, iv):
                    contrib = sum_to(contrib, inp)  # inp was broadcast
                contributions.append((i, contrib))
                key = id(inp)
                prev = pending.get(key)
                if prev is None:
                    pending[key] = contrib
                elif type(prev) is IndexGrads:
                    prev.add_dense(contrib.value)
                else:
                    pending[key] = prev + contrib
            if on_step is not None:
                on_step(node, g, contributions)
            if not retain_graph and op.saves:
                node.freed = True


class IndexGrads:
    """The gradient arriving at a vector of length n from indexing (SelectBackward0) and any other
    contributions, summed without a dense vector per index: the same floats, to the last bit, as
    adding each contribution as a dense vector (select_backward's zeros elsewhere) in arrival
    order. Each element's contributions are added in order onto -0.0 (the exact identity of
    addition); at the end an element that some contribution did not touch gets that
    contribution's +0.0 added, which only turns a -0.0 into 0.0, as the dense sum would."""

    __slots__ = ("n", "rnd", "total", "values", "common")
    ALL, NONE = -2, -1  # common: every element so far / none / else the one index

    def __init__(self, n: int, first: Tensor | None, rnd):
        self.n, self.rnd = n, rnd  # rnd: the dtype's rounding after each addition (None: float64)
        self.values = None  # a float64 array of the sums, once a dense contribution arrived
        self.total = {}  # index: sum, while every contribution is an index's
        self.common = self.ALL  # the elements every contribution so far touched
        if first is not None:
            self.add_dense(first.value)

    def add_at(self, i: float, value: float) -> None:
        k = int(i)
        if k < 0:
            k += self.n
        common = self.common
        self.common = k if common == self.ALL or common == k else self.NONE
        if self.values is not None:
            total = float(self.values[k]) + value  # (Python floats: inf - inf is nan without a numpy warning)
            self.values[k] = total if self.rnd is None else self.rnd(total)
        elif k in self.total:
            total = self.total[k] + value
            self.total[k] = total if self.rnd is None else self.rnd(total)
        else:
            self.total[k] = value

    def _array(self):
        from agrad.engine import vector_kernels

        values = vector_kernels.minus_zeros(self.n)
        for k, v in self.total.items():
            values[k] = v
        return values

    def add_dense(self, value) -> None:
        from agrad.engine import vector_kernels

        values = vector_kernels.add(self._array() if self.values is None else self.values, value)
        self.values = values if self.rnd is None else self.rnd(values)  # (touches every element: common stays)

    def dense(self):
        values = self._array() if self.values is None else self.values
        if self.common == self.ALL:
            return values
        if self.common == self.NONE:
            return values + 0.0
        keep = values[self.common]
        values = values + 0.0
        values[self.common] = keep
        return values


def as_grad(value) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(_shapes.as_value(value))


def seed_like(root: Tensor, gradient) -> Tensor:
    """The gradient backward starts from: the output's shape, as torch checks it."""
    g = as_grad(gradient)
    if not _shapes.same_shape(g.value, root.value):
        raise ShapeError(f"Mismatch in shape: grad_output[0] has a shape of {_shapes.size_text(g.value)} and "
                         f"output[0] has a shape of {_shapes.size_text(root.value)}.")
    if g.requires_grad:
        return g
    return in_dtype(Tensor(g.value), current_mode())


def in_dtype(g: Tensor, mode) -> Tensor:
    """A gradient given from outside (a seed, a hook's result) as the dtype holds it: torch
    casts a gradient to its tensor's dtype, so under float32 a seed of 0.1 is 0.1 in float32."""
    if mode.round is None or g.requires_grad:
        return g
    return Tensor(mode.round(g.value))


def _tensor_backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
    backward(self, gradient, retain_graph, create_graph)


# Tensor.backward, as torch's; assigned here rather than written in tensor.py, which the op
# table builds on and so cannot import this module, which runs the table's rules.
_tensor_backward.__name__, _tensor_backward.__qualname__ = "backward", "Tensor.backward"
Tensor.backward = _tensor_backward
