"""Vector forward kernels: numpy float64, with the same IEEE 754 results as torch and as the
scalar kernels of the same name in kernels.py (the op table finds each op's vector kernel here
by its scalar kernel's name).

This module (and float32_reductions.py, under float32) alone imports numpy at its top, and it
is imported only when a vector appears. numpy's floating-point warnings (divide by zero, overflow, invalid) are silenced in
every kernel: 1/0 is inf and log(-1) is nan, as in torch, and nothing is printed.
"""

from __future__ import annotations

import contextvars
import math
import operator
from contextlib import contextmanager
from functools import wraps
from itertools import repeat

import numpy as np

from agrad.engine import backward_kernels as BK
from agrad.engine import kernels as K
from agrad.errors import IndexingError, ShapeError

F64 = np.float64
_EXACT = contextvars.ContextVar("agrad_scalar_exact", default=False)  # inside scalar_exact(): per thread and task


@contextmanager
def scalar_exact():
    """Compute the functions that numpy may round differently from the C library (exp, sin,
    pow, atan2, ...: numpy has its own SIMD versions, a few ulps apart on some CPUs) element by
    element with the scalar kernels, so that every element is exactly what a scalar evaluation
    gives. Arithmetic, sqrt and the comparisons are correctly rounded in both and stay numpy's.
    --points uses this: its vectorized rows must equal row-by-row evaluation bit for bit."""
    token = _EXACT.set(True)
    try:
        yield
    finally:
        _EXACT.reset(token)


def _libm(vector_fn, scalar_fn, raw=None):
    """A kernel that is numpy's vector_fn, or scalar_fn element by element under scalar_exact().
    raw: the C function scalar_fn wraps (math.exp for kernels.exp), which gives the same value
    wherever it does not raise; it is tried first, being several times faster."""

    @wraps(vector_fn)
    def kernel(*args):
        if _EXACT.get():
            if raw is not None:
                try:
                    return per_element(raw, args)
                except (ValueError, OverflowError, ZeroDivisionError, TypeError):  # (TypeError: complex)
                    pass
            return per_element(scalar_fn, args)
        return vector_fn(*args)

    return kernel


def per_element(scalar_fn, args) -> np.ndarray:
    """scalar_fn over the elements of vectors, broadcasting scalars and one-element vectors."""
    n = max((len(a) for a in args if np.ndim(a)), default=1)
    columns = [a.tolist() if np.ndim(a) and len(a) == n else repeat(float(a if np.ndim(a) == 0 else a[0]), n)
               for a in args]
    return np.fromiter(map(scalar_fn, *columns), dtype=F64, count=n)


def quiet(fn):
    """Run a kernel with numpy's floating-point warnings off (a fresh errstate per call, so
    kernels that call kernels nest safely)."""

    @wraps(fn)
    def kernel(*args):
        with np.errstate(all="ignore"):
            return fn(*args)

    return kernel


# -- values -----------------------------------------------------------------------------------

def as_vector(value) -> np.ndarray:
    """A 1-D float64 copy of a sequence or array of numbers; ValueError for anything else."""
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ValueError(f"agrad's vectors are one-dimensional, got an array of shape {list(value.shape)}")
        if value.dtype.kind not in "iuf":
            raise ValueError(f"expected numbers, got an array of {value.dtype}")
        return value.astype(F64)  # a copy: later changes to the caller's array do not reach agrad
    items = list(value)
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, (int, float, np.integer, np.floating)):
            what = type(item).__name__
            hint = " (agrad's vectors are one-dimensional)" if isinstance(item, (list, tuple)) else ""
            raise ValueError(f"element {i} is {what}, not a number{hint}")
    return np.array(items, dtype=F64).reshape(len(items))


def zeros(n: int) -> np.ndarray:
    return np.zeros(int(n), dtype=F64)


def minus_zeros(n: int) -> np.ndarray:
    """n times -0.0, the exact identity of addition (autograd.IndexGrads adds onto it)."""
    return np.full(int(n), -0.0, dtype=F64)


def one_hot(n: int, i: int) -> np.ndarray:
    z = zeros(n)
    z[i] = 1.0
    return z


# -- arithmetic -------------------------------------------------------------------------------

add = quiet(np.add)
sub = quiet(np.subtract)
rsub = quiet(np.subtract)  # agrad keeps the operands in source order: a is the number
mul = quiet(np.multiply)
div = quiet(np.divide)
neg = quiet(np.negative)
pow = _libm(quiet(np.power), K.pow, operator.pow)  # noqa: A001 - the op's name


@quiet
def reciprocal(a):
    return 1.0 / a


@quiet
def pow_scalar(a, b):
    """x ** c with c a Python number, the way torch's pow(Tensor, Scalar) computes it (see
    kernels.pow_scalar): some exponents by sqrt, reciprocal or products."""
    if b == 0.5:
        return np.sqrt(a)
    if b == -0.5:
        return 1.0 / np.sqrt(a)
    if b == -1.0:
        return 1.0 / a
    if b == 2.0:
        return a * a
    if b == 3.0:
        return a * a * a
    if b == -2.0:
        return 1.0 / (a * a)
    return pow(a, b)


# -- one-argument functions -------------------------------------------------------------------

exp = _libm(quiet(np.exp), K.exp, math.exp)
expm1 = _libm(quiet(np.expm1), K.expm1, math.expm1)
log = _libm(quiet(np.log), K.log, math.log)
log2 = _libm(quiet(np.log2), K.log2, math.log2)
log10 = _libm(quiet(np.log10), K.log10, math.log10)
log1p = _libm(quiet(np.log1p), K.log1p, math.log1p)
sqrt = quiet(np.sqrt)
sin = _libm(quiet(np.sin), K.sin, math.sin)
cos = _libm(quiet(np.cos), K.cos, math.cos)
tan = _libm(quiet(np.tan), K.tan, math.tan)
asin = _libm(quiet(np.arcsin), K.asin, math.asin)
acos = _libm(quiet(np.arccos), K.acos, math.acos)
atan = _libm(quiet(np.arctan), K.atan, math.atan)
sinh = _libm(quiet(np.sinh), K.sinh, math.sinh)
cosh = _libm(quiet(np.cosh), K.cosh, math.cosh)
tanh = _libm(quiet(np.tanh), K.tanh, math.tanh)
asinh = _libm(quiet(np.arcsinh), K.asinh, math.asinh)
acosh = _libm(quiet(np.arccosh), K.acosh, math.acosh)
atanh = _libm(quiet(np.arctanh), K.atanh, math.atanh)
abs = quiet(np.abs)  # noqa: A001
floor = quiet(np.floor)
ceil = quiet(np.ceil)
round = quiet(np.rint)  # noqa: A001 - half to even, like torch.round


@quiet
def rsqrt(a):
    return 1.0 / np.sqrt(a)


@quiet
def sigmoid(a):
    return 1.0 / (1.0 + exp(-a))


@quiet
def relu(a):
    # torch's relu keeps -0.0 and nan as they are
    return np.where(a < 0, 0.0, a)


@quiet
def sign(a):
    # (0 < a) - (a < 0): sign(nan) and sign(-0.0) are 0.0, as torch.sign
    return np.greater(a, 0).astype(F64) - np.less(a, 0)


@quiet
def softplus(a):
    # beta 1, threshold 20: linear above it, as torch.nn.functional.softplus
    return np.where(a > 20.0, a, log1p(exp(a)))


def erf(a):
    # numpy has no erf; math.erf per element gives exactly the scalar kernel's values
    return np.fromiter(map(math.erf, a.tolist()), dtype=F64, count=len(a))


@quiet
def silu(a):
    # the scalar kernel's operations in its order, so each element is bit for bit kernels.silu
    # (exp is the libm one under scalar_exact, as for sigmoid)
    return a / (1.0 + exp(-a))


@quiet
def gelu(a):
    return a * 0.5 * (1.0 + erf(a * K.M_SQRT1_2))


@quiet
def logsigmoid(a):
    # minimum(x, 0) as the scalar kernel takes it: nan stays nan, -0.0 gives 0.0
    return np.where(a < 0, a, 0.0) - log1p(exp(-np.abs(a)))


# -- torch's backward functions (engine/backward_kernels.py: the same operations, in its order,
# each rounded as the dtype rounds) --------------------------------------------------------------

@quiet
def tanh_backward(g, y):
    r = BK.rounding()
    return r(g * r(1.0 - r(y * y)))


@quiet
def sigmoid_backward(g, y):
    r = BK.rounding()
    return r(r(g * r(1.0 - y)) * y)


@quiet
def threshold_backward(g, x, threshold):
    return np.where(x <= threshold, 0.0, g).astype(F64, copy=False)


@quiet
def softplus_backward(g, x):
    r = BK.rounding()
    z = r(exp(x))
    return np.where(x > BK.SOFTPLUS_THRESHOLD, g, r(r(g * z) / r(z + 1.0))).astype(F64, copy=False)


@quiet
def gelu_backward(g, x):
    r = BK.rounding()
    cdf = r(0.5 * r(1.0 + r(erf(np.atleast_1d(r(x * K.M_SQRT1_2))))))
    pdf = r(BK.GELU_BETA * r(exp(r(r(x * x) * -0.5))))
    return r(g * r(cdf + r(x * pdf)))


@quiet
def log_sigmoid_backward(g, x):
    r = BK.rounding()
    negative = np.less(x, 0.0)
    z = r(exp(-np.abs(x)))
    q = r(z / r(1.0 + z))
    return r(g * r(np.where(negative, 1.0, 0.0) - r(np.where(negative, 1.0, -1.0) * q)))


# -- two and three arguments ------------------------------------------------------------------

atan2 = _libm(quiet(np.arctan2), K.atan2, math.atan2)
hypot = _libm(quiet(np.hypot), K.hypot, math.hypot)


@quiet
def maximum(a, b):
    # nan wins; at a tie the first operand is returned (maximum(-0.0, 0.0) is -0.0), as torch
    return np.where((a >= b) | np.isnan(a), a, b)


@quiet
def minimum(a, b):
    return np.where((a <= b) | np.isnan(a), a, b)


def clamp(x, lo, hi):
    return minimum(maximum(x, lo), hi)


def where(cond, a, b):
    return np.where(cond, a, b).astype(F64, copy=False)


def masked_fill(t, cond, value):
    return np.where(cond, value, t).astype(F64, copy=False)


# -- reductions, dot, indexing ----------------------------------------------------------------

@quiet
def sum(a):  # noqa: A001
    return float(np.sum(a))


@quiet
def sum_keepdim(a):
    return np.full(1, np.sum(a), dtype=F64)


@quiet
def mean(a):
    return math.nan if len(a) == 0 else float(np.mean(a))


@quiet
def prod(a):
    return float(np.prod(a))


@quiet
def dot(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ShapeError(f"dot() needs two vectors (torch: 1D tensors expected, but got {np.ndim(a)}D and "
                         f"{np.ndim(b)}D tensors)", argument=0 if np.ndim(a) == 0 else 1)
    if len(a) != len(b):
        raise ShapeError(f"dot() needs vectors of the same length, got lengths {len(a)} and {len(b)} (torch: "
                         f"inconsistent tensor size, expected tensor [{len(a)}] and src [{len(b)}] to have "
                         f"the same number of elements, but got {len(a)} and {len(b)} elements respectively)",
                         argument=1)
    return float(np.dot(a, b))


@quiet
def norm(a):
    if len(a) == 1:  # torch's vector_norm of one element is its abs, even where its square overflows (measured)
        return abs(float(a[0]))
    return math.sqrt(float(np.dot(a, a)))  # (no scaling, as torch: norm([1e200, 1]) is inf)


def _extreme(name, reduce):
    @quiet
    def kernel(a):
        if len(a) == 0:
            raise ShapeError(f"{name}() of an empty vector has no value (torch: {name}(): Expected reduction "
                             "dim to be specified for input.numel() == 0. Specify the reduction dim with the "
                             "'dim' argument.)")
        return float(reduce(a))  # nan propagates

    kernel.__name__ = f"a{name}"
    return kernel


amax = _extreme("max", np.max)
amin = _extreme("min", np.min)


def check_index(n: int, i) -> int:
    """A Python index into a vector of length n (negative counts from the end), or torch's
    IndexError in words."""
    if i != i or i in (float("inf"), float("-inf")):
        raise IndexingError(f"an index must be a whole number, got {i!r} (torch: only integers, slices (`:`), "
                            "ellipsis (`...`), None and long or byte Variables are valid indices (got float))")
    k = int(i)
    if k != i:
        raise IndexingError(f"an index must be a whole number, got {i!r} (torch: only integers, slices (`:`), "
                            "ellipsis (`...`), None and long or byte Variables are valid indices (got float))")
    if not -n <= k < n:
        raise IndexingError(f"index {k} is out of range for a vector of length {n}: valid indices are 0 to {n - 1}"
                            f" and -{n} to -1 (torch: index {k} is out of bounds for dimension 0 with size {n})"
                            if n else
                            f"index {k} is out of range: the vector is empty (torch: index {k} is out of bounds "
                            "for dimension 0 with size 0)")
    return k


def select(a, i):
    return float(a[check_index(len(a), i)])


def select_backward(g, n, i):
    z = zeros(n)
    z[int(i)] = g
    return z


def stack(*items):
    for i, item in enumerate(items):
        if np.ndim(item):
            raise ShapeError(f"a vector's items must be scalars, but item {i} is a vector of length {len(item)} "
                             f"(agrad's vectors are one-dimensional{_stack_sizes(items)})", argument=i)
    return np.array(items, dtype=F64).reshape(len(items))


def _stack_sizes(items) -> str:
    """torch.stack's words for the first item whose shape differs from the first's, if one does
    (items of one length torch stacks into a matrix, which agrad has not)."""
    shapes = [list(np.shape(item)) for item in items]
    for j, shape in enumerate(shapes):
        if shape != shapes[0]:
            return (f"; torch: stack expects each tensor to be equal size, but got {shapes[0]} at entry 0 and "
                    f"{shape} at entry {j}")
    return ""


def view(a):
    return a


def exclusive_products(a):
    """Each element's product of the others, as torch's prod_safe_zeros_backward computes it:
    the exclusive cumulative product from the left times the one from the right (cumprod
    multiplies in order, as np.cumprod does)."""
    ones = np.ones(1, dtype=F64)
    with np.errstate(all="ignore"):
        left = np.cumprod(np.concatenate((ones, a[:-1])))
        right = np.cumprod(np.concatenate((ones, a[:0:-1])))[::-1]
        return left * right


def expand(g, n):
    return np.full(int(n), g, dtype=F64)
