"""The autograd engine: a Tensor that mirrors torch's (value, grad, requires_grad, is_leaf,
grad_fn), grad mode (`no_grad`), and an iterative backward pass.

Gradients are computed by the rules in the op table (ops.py), which are written with these same
tensors, so with create_graph=True a gradient is itself a graph and can be differentiated again.
No recursion: the topological sort keeps its own stack.
"""

from __future__ import annotations

import itertools
import warnings
from contextlib import contextmanager

from agrad.engine import shapes as _shapes
from agrad.errors import ComputeError, ScalarOutputError

_grad_enabled = True
_next_seq = itertools.count().__next__
_round = None  # None for float64; a rounding function under dtype_mode("float32")

NO_GRAD_FN = "element 0 of tensors does not require grad and does not have a grad_fn"
SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)
IMPLICIT_GRAD = "grad can be implicitly created only for scalar outputs"
NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf "
    "Tensor by mistake, make sure you access the leaf Tensor instead."
)


def is_grad_enabled() -> bool:
    return _grad_enabled


@contextmanager
def set_grad_enabled(mode: bool):
    previous = set_grad_mode(mode)
    try:
        yield
    finally:
        set_grad_mode(previous)


def set_grad_mode(mode: bool) -> bool:
    """Switch grad mode without a context manager (for the lowering's explicit stack); returns
    the previous mode, which the caller must restore."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = bool(mode)
    return previous


def _round_float32(value):
    from agrad.engine import precision

    return precision.to_float32(value)


@contextmanager
def dtype_mode(dtype: str):
    """float64 (the default), or float32: every value an op produces, and every leaf created,
    is rounded to float32 as a torch float32 tensor would hold it."""
    global _round
    if dtype not in ("float64", "float32"):
        raise ValueError(f"unknown dtype {dtype!r}: float64 or float32")
    previous = _round
    _round = _round_float32 if dtype == "float32" else None
    try:
        yield
    finally:
        _round = previous


def rounded(value):
    """value as the current dtype holds it."""
    return value if _round is None else _round(value)


def no_grad():
    """Like torch.no_grad(): results computed inside require no grad and are leaves."""
    return set_grad_enabled(False)


def enable_grad():
    return set_grad_enabled(True)


class GradFn:
    """What torch shows as `tensor.grad_fn`: the backward node's name and its inputs."""

    __slots__ = ("tensor",)

    def __init__(self, tensor: "Tensor"):
        self.tensor = tensor

    def name(self) -> str:
        return self.tensor.op.grad_fn

    @property
    def next_functions(self) -> tuple:
        out = []
        for inp in self.tensor.inputs:
            if not inp.requires_grad:
                out.append((None, 0))
            elif inp.is_leaf:
                out.append(("AccumulateGrad", 0))
            else:
                out.append((inp.grad_fn, 0))
        return tuple(out)

    def __eq__(self, other):
        if isinstance(other, str):
            return self.name() == other
        return isinstance(other, GradFn) and other.tensor is self.tensor

    def __hash__(self):
        return id(self.tensor)

    def __repr__(self):
        return f"<{self.name()}>"

    __str__ = name


class Hook:
    __slots__ = ("tensor", "fn")

    def __init__(self, tensor, fn):
        self.tensor, self.fn = tensor, fn

    def remove(self):
        if self.fn in self.tensor.hooks:
            self.tensor.hooks.remove(self.fn)


class Tensor:
    """A value in the graph. A result of an op that had a requires-grad input (with grad mode
    on) records the op and its inputs; everything else is a leaf.

    `is_number` marks a Python number in torch's terms (a literal, a constant, or arithmetic on
    those alone): it picks the grad_fn torch would use (`2 - x` is RsubBackward1, `x ** 2`
    PowBackward0) and is folded before any graph is built.
    """

    __slots__ = ("value", "_grad", "requires_grad", "op", "inputs", "name", "is_number",
                 "retains_grad", "hooks", "freed", "label", "cut", "seq", "__weakref__")

    def __init__(self, value, requires_grad: bool = False, *, name: str | None = None,
                 is_number: bool = False, label: str | None = None):
        self.value = value
        self._grad = None
        self.requires_grad = requires_grad
        self.op = None
        self.inputs = ()
        self.name = name
        self.is_number = is_number
        self.retains_grad = False
        self.hooks = None
        self.freed = False
        self.label = label
        self.cut = None  # "detach" or "no_grad": where the program cut the graph
        self.seq = _next_seq()  # creation order, which the backward pass runs in reverse

    # -- torch's attributes -------------------------------------------------------------
    @property
    def is_leaf(self) -> bool:
        return self.op is None

    @property
    def grad_fn(self):
        return None if self.op is None else GradFn(self)

    @property
    def grad(self):
        if self.op is not None and not self.retains_grad and self.requires_grad:
            warnings.warn(NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value if (value is None or isinstance(value, Tensor)) else Tensor(value)

    def item(self) -> float:
        return _shapes.item(self.value)

    def __float__(self):
        return _shapes.item(self.value)

    @property
    def shape(self) -> tuple:
        """() for a scalar, (n,) for a vector of n elements."""
        return _shapes.shape(self.value)

    def __len__(self):
        if _shapes.is_scalar(self.value):
            raise TypeError("len() of a 0-d tensor")
        return len(self.value)

    def __getitem__(self, index):
        return _ops.call("select", self, index)

    def __iter__(self):
        if _shapes.is_scalar(self.value):
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.value)))

    def tolist(self):
        """The value as plain Python: a float, or a list of floats."""
        return _shapes.to_python(self.value)

    def __repr__(self):
        extra = ""
        if self.op is not None:
            extra = f", grad_fn=<{self.op.grad_fn}>"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        return f"tensor({_shapes.to_python(self.value)!r}{extra})"

    def detach(self) -> "Tensor":
        """The same value, cut from the graph: a leaf that requires no grad."""
        return Tensor(self.value)

    def requires_grad_(self, mode: bool = True) -> "Tensor":
        if self.op is not None and not mode:
            raise ComputeError("you can only change requires_grad flags of leaf variables. If you want to use "
                               "a computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        self.requires_grad = mode
        return self

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise ComputeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.op is not None:
            self.retains_grad = True

    def register_hook(self, fn) -> Hook:
        if not self.requires_grad:
            raise ComputeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)
        return Hook(self, fn)

    def zero_(self) -> "Tensor":
        self.value = _shapes.zeros_like(self.value)
        return self

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        backward(self, gradient, retain_graph, create_graph)

    # -- operators, dispatched through the op table ---------------------------------------------
    def __add__(self, other):
        return _ops.call("add", self, other)

    def __radd__(self, other):
        return _ops.call("add", other, self)

    def __sub__(self, other):
        return _ops.call("sub", self, other)

    def __rsub__(self, other):
        return _ops.call("sub", other, self)

    def __mul__(self, other):
        return _ops.call("mul", self, other)

    def __rmul__(self, other):
        return _ops.call("mul", other, self)

    def __truediv__(self, other):
        return _ops.call("div", self, other)

    def __rtruediv__(self, other):
        return _ops.call("div", other, self)

    def __pow__(self, other):
        return _ops.call("pow", self, other)

    def __rpow__(self, other):
        return _ops.call("pow", other, self)

    def __neg__(self):
        return _ops.call("neg", self)

    def __pos__(self):
        return self  # torch's +x returns x itself


def tensor(value, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """A leaf, like torch.tensor(value, requires_grad=...): a number gives a scalar, a sequence
    (or 1-D array) of numbers a vector."""
    return Tensor(_shapes.as_value(value), requires_grad, name=name)


def as_tensor(value) -> Tensor:
    """A Python number becomes a number tensor; a Tensor is returned as it is."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a Tensor or a number, got {type(value).__name__}")
    return Tensor(float(value), is_number=True)


def apply(op, *inputs: Tensor) -> Tensor:
    """Run one op forward; record it in the graph when grad mode is on and an input requires grad."""
    values = [t.value for t in inputs]
    for v in values:
        if type(v) is not float and getattr(v, "ndim", 0):
            out = Tensor(_shapes.run_vector(op, values))
            break
    else:
        out = Tensor(op.kernel(*values))  # the scalar path: plain floats, no numpy
    if _round is not None:
        out.value = _round(out.value)
    if _grad_enabled:
        for t in inputs:
            if t.requires_grad:
                out.requires_grad = True
                out.op = op
                out.inputs = inputs
                return out
    for t in inputs:
        if not t.is_number:
            return out
    out.is_number = type(out.value) is float or _shapes.is_scalar(out.value)
    return out


# -- backward --------------------------------------------------------------------------------

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


def _by_seq(t: Tensor) -> int:
    return t.seq


def _seed(root: Tensor, gradient) -> Tensor:
    if gradient is None:
        if not _shapes.is_scalar(root.value):
            raise ScalarOutputError(IMPLICIT_GRAD)
        return Tensor(1.0)
    return _ops.seed_like(root, gradient)


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
    if not allow_unused and any(g is None for g in result):
        raise ComputeError("One of the differentiated Tensors appears to not have been used in the graph. "
                           "Set allow_unused=True if this is the desired behavior.")
    return result


def _run(root: Tensor, gradient, retain_graph, create_graph, captured, on_step) -> None:
    # captured: None to accumulate into .grad (backward), or {id(input): None} to fill (grad)
    if not root.requires_grad:
        raise ComputeError(NO_GRAD_FN)
    if retain_graph is None:
        retain_graph = create_graph
    seed = _seed(root, gradient)
    order = execution_order(root)
    pending: dict[int, Tensor] = {id(root): seed}
    with set_grad_enabled(create_graph):
        for node in order:
            g = pending.pop(id(node), None)
            if g is None:
                continue
            if node.hooks:
                for hook in list(node.hooks):
                    replaced = hook(g)
                    if replaced is not None:
                        replaced = _ops.as_grad(replaced)
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
            for i, rule in enumerate(op.grads):
                inp = inputs[i]
                if not inp.requires_grad or rule is None:
                    continue
                contrib = rule(g, node, *inputs)
                if contrib is None:
                    continue
                cv, iv = contrib.value, inp.value
                if not (type(cv) is float and type(iv) is float) and not _shapes.same_shape(cv, iv):
                    contrib = _ops.sum_to(contrib, inp)  # inp was broadcast
                contributions.append((i, contrib))
                key = id(inp)
                prev = pending.get(key)
                pending[key] = contrib if prev is None else prev + contrib
            if on_step is not None:
                on_step(node, g, contributions)
            if not retain_graph and op.saves:
                node.freed = True


from agrad.engine import ops as _ops  # noqa: E402  (ops builds on Tensor; Tensor's operators dispatch to ops)
