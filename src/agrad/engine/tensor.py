"""The engine's value: a Tensor that mirrors torch's (value, grad, requires_grad, is_leaf,
grad_fn), the modes (grad mode, `no_grad`; the dtype; the node budget), and `apply`, which runs
one op forward and records it in the graph.

The modes are per thread and per asyncio task: one immutable Mode in a ContextVar, replaced (never
changed) when a mode changes, so that threads and tasks each see their own and get exactly the
results one thread alone gets. `apply` reads it once per op (a ContextVar read is one C call,
cheaper than the Tensor it makes); a backward pass reads it once.

This module is the engine's bottom: it imports no other part of it but shapes. The op table
(ops.py) builds on Tensor and gives it its operators (`x * y`, `v[0]`), and autograd.py, above
the table, gives it `backward`: each is assigned to the class there, once what it calls exists.
"""

from __future__ import annotations

import contextvars
import itertools
import warnings
from contextlib import contextmanager

from agrad.engine import shapes as _shapes
from agrad.errors import ComputeError, ScalarOutputError

_next_seq = itertools.count().__next__  # (one counter for all threads: only the order matters)


class Mode:
    """The modes one thread or task runs under: grad (grad mode), round (None for float64; a
    rounding function under dtype_mode("float32")) and budget (a Budget that every op's output
    and every backward pass is charged to, or None outside an evaluation). Never changed once
    made: a change is a new Mode in the ContextVar, so a task that copied the context keeps its
    own. The budget is the one mutable part, shared by the modes of one evaluation.

    formulas is True while a backward pass that builds a graph runs the op table's rules: a
    Python number in a rule is then a C++ Scalar in torch's formulas (`grad * 2` is mul.Scalar,
    MulBackward1), where in a program it is a wrapped number (`x * 2`, MulBackward0)."""

    __slots__ = ("grad", "round", "budget", "formulas")

    def __init__(self, grad: bool = True, round=None, budget=None, formulas: bool = False):
        self.grad = grad
        self.round = round
        self.budget = budget
        self.formulas = formulas


_MODE = contextvars.ContextVar("agrad_mode", default=Mode())
_get_mode = _MODE.get
_set_mode = _MODE.set


def current_mode() -> Mode:
    return _get_mode()

NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf "
    "Tensor by mistake, make sure you access the leaf Tensor instead."
)


def is_grad_enabled() -> bool:
    return _get_mode().grad


@contextmanager
def set_grad_enabled(mode: bool):
    previous = _get_mode()
    if previous.grad != bool(mode):
        _set_mode(Mode(bool(mode), previous.round, previous.budget, previous.formulas))
    try:
        yield
    finally:
        _set_mode(previous)


def set_grad_mode(mode: bool) -> bool:
    """Switch grad mode without a context manager (for the lowering's explicit stack); returns
    the previous mode, which the caller must restore."""
    current = _get_mode()
    previous = current.grad
    if previous != bool(mode):
        _set_mode(Mode(bool(mode), current.round, current.budget, current.formulas))
    return previous


def _precision():
    from agrad.engine import precision  # (float32 only: not imported for float64)

    return precision


def _round_float32(value):
    return _precision().to_float32(value)


@contextmanager
def dtype_mode(dtype: str):
    """float64 (the default), or float32: every value an op produces, and every leaf created,
    is rounded to float32 as a torch float32 tensor would hold it."""
    if dtype not in ("float64", "float32"):
        raise ValueError(f"unknown dtype {dtype!r}: float64 or float32")
    previous = _get_mode()
    _set_mode(Mode(previous.grad, _round_float32 if dtype == "float32" else None, previous.budget,
                   previous.formulas))
    try:
        yield
    finally:
        _set_mode(previous)


def enter_evaluation(dtype: str, budget) -> Mode:
    """Start one evaluation's modes: its dtype (as dtype_mode) and its own budget (a fresh
    Budget, or None for none), grad mode as it is. Returns the modes to restore with
    leave_evaluation, in a finally (a plain pair rather than a context manager: this runs once
    per evaluation, and a generator-based one measured a few percent of a small evaluation)."""
    if dtype not in ("float64", "float32"):
        raise ValueError(f"unknown dtype {dtype!r}: float64 or float32")
    previous = _get_mode()
    _set_mode(Mode(previous.grad, _round_float32 if dtype == "float32" else None, budget))
    return previous


def leave_evaluation(previous: Mode) -> None:
    _set_mode(previous)


def rounded(value):
    """value as the current dtype holds it."""
    rnd = _get_mode().round
    return value if rnd is None else rnd(value)


@contextmanager
def running_formulas(grad: bool, formulas: bool):
    """Grad mode `grad`, and Python numbers read as torch's formulas read them when `formulas`
    (Mode.formulas): a backward pass runs its rules under this (both on when it builds a
    graph), and a hook, which is a program, with formulas off."""
    previous = _get_mode()
    _set_mode(Mode(bool(grad), previous.round, previous.budget, bool(formulas)))
    try:
        yield
    finally:
        _set_mode(previous)


def in_formulas() -> bool:
    return _get_mode().formulas


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
    those alone, which the lowering folds as Python does: literals.py; a function of numbers is
    a tensor): it picks the grad_fn torch would use (`2 - x` is RsubBackward1, `x ** 2`
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

    # backward (autograd.py), and the arithmetic operators, indexing and the rule helpers'
    # methods (ops.py), are assigned to this class by the modules that hold what they call:
    # see this module's docstring.

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
    mode = _get_mode()
    budget = mode.budget
    values = [t.value for t in inputs]
    # Under float32, precision.py's kernels: torch's order of float32 operations where it is not
    # one rounding of the float64 result.
    precision = None if mode.round is None else _precision()
    for v in values:
        if type(v) is not float and getattr(v, "ndim", 0):
            out = Tensor(_shapes.run_vector(op, values) if precision is None else precision.run_vector(op, values))
            if budget is not None:
                budget.charge_vector(out.value)
            break
    else:  # the scalar path: plain floats, no numpy
        out = Tensor(op.kernel(*values) if precision is None else precision.run_scalar(op, values))
    if budget is not None:
        budget.nodes -= 1
        if budget.nodes < 0:
            budget.out_of_nodes()
    if mode.grad:
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
