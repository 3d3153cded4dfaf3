"""Shape questions about values, without numpy.

A value is a Python float (a scalar, torch's 0-d tensor) or a 1-D numpy float64 array (a
vector). numpy is imported only by vector_kernels, and that only when a vector first appears:
everything here works on scalars without it, so the scalar path never pays for numpy's import.
"""

from __future__ import annotations


def is_scalar(value) -> bool:
    return getattr(value, "ndim", 0) == 0


def is_vector(value) -> bool:
    return getattr(value, "ndim", 0) != 0


def shape(value) -> tuple:
    return () if is_scalar(value) else (len(value),)


def same_shape(a, b) -> bool:
    return shape(a) == shape(b)


def size_text(value) -> str:
    """torch's way of writing a shape: torch.Size([3]), torch.Size([])."""
    return f"torch.Size([{', '.join(map(str, shape(value)))}])"


def shape_text(value) -> str:
    """A shape as the tree shows it: [3] for a vector, [] for a scalar."""
    return f"[{', '.join(map(str, shape(value)))}]"


def describe(value) -> str:
    """A value's shape in words, for error messages."""
    return "a scalar" if is_scalar(value) else f"a vector of length {len(value)}"


def zeros_like(value):
    if is_scalar(value):
        return 0.0
    from agrad.engine import vector_kernels

    return vector_kernels.zeros(len(value))


def ones_like(value):
    return 1.0 if is_scalar(value) else zeros_like(value) + 1.0


def count_true(value) -> float:
    """How many elements of a boolean mask are set (1.0 or 0.0 for a scalar)."""
    if is_scalar(value):
        return float(bool(value))
    return float(value.sum())


def true_indices(value) -> list[int]:
    """The positions where a boolean vector mask is set."""
    return value.nonzero()[0].tolist()


def as_value(value):
    """A value for a Tensor: a float for a number, a float64 vector for a sequence or array.
    Raises TypeError or ValueError (with a message) for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise TypeError(f"expected a number or a sequence of numbers, got {type(value).__name__}")
    if getattr(value, "ndim", None) == 0:  # a numpy scalar or 0-d array
        return float(value)
    from agrad.engine import vector_kernels

    return vector_kernels.as_vector(value)


def to_python(value):
    """A value as plain Python: a float, or a list of floats for a vector (None stays None)."""
    if value is None:
        return None
    if is_scalar(value):
        return float(value)
    return value.tolist()


def item(value) -> float:
    """torch's .item(): the number in a scalar or a one-element vector."""
    if is_vector(value):
        if len(value) != 1:
            from agrad.errors import ShapeError

            raise ShapeError(f"a Tensor with {len(value)} elements cannot be converted to Scalar")
        return float(value[0])
    return float(value)


# -- elementwise operations on vectors --------------------------------------------------------

def run_vector(op, values):
    """Run an op whose inputs include a vector: elementwise ops first check that the operands
    broadcast as torch's do (equal lengths, or a scalar, or a vector of length 1)."""
    if op.elementwise:
        check_broadcast(op, values)
    return op.vector(*values)


def check_broadcast(op, values) -> None:
    first = None
    for i, v in enumerate(values):
        if is_scalar(v) or len(v) == 1:  # broadcasts against any length, as in torch
            continue
        if first is None:
            first = i
        elif len(v) != len(values[first]):
            raise mismatch(op, values, first, i)


def mismatch(op, values, i: int, j: int):
    """torch's `The size of tensor a (3) must match the size of tensor b (2) at non-singleton
    dimension 0`, in words: which operands, what shapes."""
    from agrad.errors import ShapeError

    a, b = len(values[i]), len(values[j])
    if op.symbol is not None and len(values) == 2:
        what = f"'{op.symbol}' needs operands of the same length, but the left is a vector of length {a} " \
               f"and the right a vector of length {b}"
    else:
        call = op.called or op.name
        what = f"{call}() needs arguments of the same length, but {op.params[i]} is a vector of length {a} " \
               f"and {op.params[j]} a vector of length {b}"
    return ShapeError(f"{what} (a scalar, or a vector of length 1, goes with any length; torch: The size of "
                      f"tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension 0)",
                      argument=j)


class LazyKernel:
    """vector_kernels.NAME, resolved on its first call: the op table names each op's vector
    kernel without importing numpy."""

    __slots__ = ("name", "fn")

    def __init__(self, name: str):
        self.name = name
        self.fn = None

    def __call__(self, *args):
        fn = self.fn
        if fn is None:
            from agrad.engine import vector_kernels

            fn = getattr(vector_kernels, self.name, None)
            if fn is None:  # vector_kernel_names lists it (the op table checked): a bug, said as one
                from agrad.errors import InternalError

                raise InternalError(f"vector_kernels has no kernel {self.name!r}, though vector_kernel_names lists it")
            self.fn = fn
        return fn(*args)

    def __repr__(self):
        return f"vector_kernels.{self.name}"
