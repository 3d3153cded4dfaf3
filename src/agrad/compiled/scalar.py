"""The compiled scalar path's value: `Scalar`, a float and whether it is a Python number, on
which the op table's gradient rules run unchanged, building no graph.

A Scalar offers what the rules use (ops.py, "helpers the rules are written with"): the
arithmetic operators, and the rule helpers' methods rule_fn, rule_mask, rule_where and
rule_zeros_like. Each operation runs the kernel of the entry `ops.variant` picks, exactly as
`ops.call` and `apply` would with grad mode off, without making a Tensor: so the rules, the
same ones the engine runs, give the engine's results to the last bit. The engine never imports
this module.
"""

from __future__ import annotations

from agrad.engine import ops
from agrad.engine import shapes


class Scalar:
    """A scalar value in a backward pass that builds no graph (tape.run): the value and whether
    it is a Python number.

    Made for speed, as the fast path makes several per node: a plain class with __slots__ and no
    __init__ (calling a Python __init__ would cost a third of an operator): where speed matters
    a Scalar is made with Scalar() and its two slots set, elsewhere with make_scalar(); and each
    operator has its kernels picked in advance."""

    __slots__ = ("value", "is_number")
    requires_grad = False

    def __neg__(self):
        result = Scalar()
        result.value = _NEG(self.value)
        result.is_number = self.is_number
        return result

    def __repr__(self):
        return f"Scalar({self.value!r}{', number' if self.is_number else ''})"

    # -- the rule helpers' protocol (ops.fn, mask, where, zeros_like) ---------------------------

    def rule_fn(self, name: str, args: tuple) -> "Scalar":
        if len(args) == 1:  # most calls: scalar_call's steps, written out for one Scalar
            number = self.is_number
            kernel = _SCALAR_KERNELS.get((name, (number,))) or scalar_kernel(name, (number,))
            result = Scalar()
            result.value = kernel(self.value)
            result.is_number = number
            return result
        if len(args) == 2 and type(args[1]) is Scalar:  # the backward functions' calls (tanh_backward, ...)
            other = args[1]
            flags = (self.is_number, other.is_number)
            kernel = _SCALAR_KERNELS.get((name, flags)) or scalar_kernel(name, flags)
            result = Scalar()
            result.value = kernel(self.value, other.value)
            result.is_number = flags[0] and flags[1]
            return result
        return scalar_call(name, *args)

    def rule_mask(self, predicate, scalars: tuple) -> "Scalar":
        result = Scalar()
        if len(scalars) == 2:
            result.value = predicate(self.value, scalars[1].value)
        elif len(scalars) == 1:
            result.value = predicate(self.value)
        else:
            result.value = predicate(*[s.value for s in scalars])
        result.is_number = False
        return result

    def rule_where(self, a, b) -> "Scalar":
        # scalar_call("where", self, a, b), written out: the rules' most used call
        if type(a) is Scalar:
            a_number, a = a.is_number, a.value
        else:  # a Python number, as as_tensor takes it
            a_number, a = True, float(a)
        if type(b) is Scalar:
            b_number, b = b.is_number, b.value
        else:
            b_number, b = True, float(b)
        result = Scalar()
        result.value = _WHERE(self.value, a, b)
        result.is_number = self.is_number and a_number and b_number
        return result

    def rule_zeros_like(self) -> "Scalar":
        return make_scalar(shapes.zeros_like(self.value))


_NEG = ops.NEG.kernel
_WHERE = ops.WHERE.kernel


def make_scalar(value, is_number: bool = False) -> Scalar:
    result = Scalar()
    result.value = value
    result.is_number = is_number
    return result


_SCALAR_KERNELS: dict = {}


def scalar_kernel(name: str, numbers: tuple):
    """The kernel of the variant `ops.call(name, ...)` runs for operands that are or are not
    Python numbers (for c / x, x.reciprocal() * c), memoized."""
    kernel = _SCALAR_KERNELS.get((name, numbers))
    if kernel is None:
        op = ops.variant(name, numbers)
        if op is None:
            reciprocal, mul = ops.RECIPROCAL.kernel, ops.MUL.kernel

            def kernel(c, x):
                return mul(reciprocal(x), c)
        else:
            kernel = op.kernel
        _SCALAR_KERNELS[(name, numbers)] = kernel
    return kernel


def _scalar_operators(name: str):
    # Scalar's operator for `name` and its reflected form, each with the four kernels picked
    # once: by whether the left and the right operand are Python numbers (a bare Python number
    # as an operand is one, as as_tensor makes it).
    values_values, value_number, number_value, number_number = (
        scalar_kernel(name, (a, b)) for a in (False, True) for b in (False, True))

    def method(self, other):
        result = Scalar()
        if type(other) is Scalar:
            if self.is_number:
                if other.is_number:
                    result.value = number_number(self.value, other.value)
                    result.is_number = True
                    return result
                result.value = number_value(self.value, other.value)
            elif other.is_number:
                result.value = value_number(self.value, other.value)
            else:
                result.value = values_values(self.value, other.value)
        elif self.is_number:
            result.value = number_number(self.value, float(other))
            result.is_number = True
            return result
        else:
            result.value = value_number(self.value, float(other))
        result.is_number = False
        return result

    def reflected(self, other):  # other is a Python number
        result = Scalar()
        if self.is_number:
            result.value = number_number(float(other), self.value)
            result.is_number = True
        else:
            result.value = number_value(float(other), self.value)
            result.is_number = False
        return result

    return method, reflected


ops.install_operators(Scalar, _scalar_operators)


def scalar_call(name: str, *args) -> Scalar:
    """ops.call() for Scalars and Python numbers: the same variant, the same kernel, no Tensor.
    (Scalar.rule_fn does the same for a single Scalar, the most frequent call, itself.)"""
    values = []
    numbers = []
    for x in args:
        if type(x) is Scalar:
            values.append(x.value)
            numbers.append(x.is_number)
        else:  # a Python number, as as_tensor takes it
            values.append(float(x))
            numbers.append(True)
    flags = tuple(numbers)
    return make_scalar(scalar_kernel(name, flags)(*values), all(flags))
