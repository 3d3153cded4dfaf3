"""Scalar forward kernels: float64 in, float64 out, IEEE 754 as PyTorch computes it.

Python's math module raises where IEEE arithmetic gives inf or nan (1/0, exp(1000), log(-1));
these wrappers return what torch returns instead, so no ZeroDivisionError, OverflowError or
"math domain error" ever escapes.
"""

from __future__ import annotations

import math
import operator

INF = math.inf
NAN = math.nan
_copysign = math.copysign
_isfinite = math.isfinite


# a + b, a - b, a * b and -a: Python's own operators, called directly (a Python function around
# each would cost a call on every use)
add = operator.add
sub = operator.sub
mul = operator.mul
neg = operator.neg


def rsub(a, b):
    # torch.rsub(x, c) = c - x; agrad keeps the operands in source order: a is the number.
    return a - b


def div(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return NAN
        return _copysign(INF, a) * _copysign(1.0, b)


def reciprocal(a):
    return div(1.0, a)


def _is_odd_integer(b):
    return _isfinite(b) and b == int(b) and int(b) % 2 == 1


def pow(a, b):  # noqa: A001 - the op's name
    try:
        r = a ** b
    except ZeroDivisionError:  # 0 ** negative
        return -INF if (_copysign(1.0, a) < 0 and _is_odd_integer(b)) else INF
    except OverflowError:  # also complex results too large: a negative base, a fractional exponent
        if a < 0 and b != int(b):
            return NAN
        return -INF if (a < 0 and _is_odd_integer(b)) else INF
    if type(r) is complex:  # negative base, fractional exponent
        return NAN
    return r


def pow_scalar(a, b):
    """x ** c with c a Python number: torch's pow(Tensor, Scalar) computes some exponents
    another way (aten/src/ATen/native/cpu/PowKernel.cpp), which differs from pow in the last bit
    or at signed zeros and infinities: (-0.0) ** 0.5 is -0.0, (-inf) ** 0.5 is nan."""
    if b == 0.5:
        return sqrt(a)
    if b == -0.5:
        return rsqrt(a)
    if b == -1.0:
        return reciprocal(a)
    if b == 2.0:
        return a * a
    if b == 3.0:
        return a * a * a
    if b == -2.0:
        return div(1.0, a * a)
    return pow(a, b)


def exp(a):
    try:
        return math.exp(a)
    except OverflowError:
        return INF


def expm1(a):
    try:
        return math.expm1(a)
    except OverflowError:
        return INF


def _log_like(fn, pole):
    def kernel(a):
        try:
            return fn(a)
        except ValueError:
            return -INF if a == pole else NAN

    kernel.__name__ = fn.__name__
    return kernel


log = _log_like(math.log, 0.0)
log2 = _log_like(math.log2, 0.0)
log10 = _log_like(math.log10, 0.0)
log1p = _log_like(math.log1p, -1.0)


def sqrt(a):
    try:
        return math.sqrt(a)
    except ValueError:
        return NAN


def rsqrt(a):
    return div(1.0, sqrt(a))


def _nan_outside(fn):
    def kernel(a):
        try:
            return fn(a)
        except ValueError:
            return NAN

    kernel.__name__ = fn.__name__
    return kernel


sin = _nan_outside(math.sin)
cos = _nan_outside(math.cos)
tan = _nan_outside(math.tan)
asin = _nan_outside(math.asin)
acos = _nan_outside(math.acos)
atan = math.atan
tanh = math.tanh
asinh = math.asinh
acosh = _nan_outside(math.acosh)
erf = math.erf


def atanh(a):
    try:
        return math.atanh(a)
    except ValueError:
        if a == 1.0 or a == -1.0:
            return _copysign(INF, a)
        return NAN


def sinh(a):
    try:
        return math.sinh(a)
    except OverflowError:
        return _copysign(INF, a)


def cosh(a):
    try:
        return math.cosh(a)
    except OverflowError:
        return INF


def sigmoid(a):
    # torch: 1 / (1 + exp(-x)); exp overflowing to inf gives 0.
    return 1.0 / (1.0 + exp(-a))


def relu(a):
    # torch: clamp_min(x, 0), i.e. x < 0 ? 0 : x, so relu(-0.0) is -0.0 and relu(nan) nan
    return 0.0 if a < 0 else a


def abs(a):  # noqa: A001
    return math.fabs(a)


def sign(a):
    if a > 0:
        return 1.0
    if a < 0:
        return -1.0
    return 0.0  # zero and nan: torch.sign(nan) is 0


def softplus(a):
    # torch's defaults beta=1, threshold=20: linear above the threshold.
    if a > 20.0:
        return a
    return math.log1p(exp(a)) if a == a else a


# silu, gelu and logsigmoid: torch's CPU formulas, operation for operation, as its scalar path
# (a 0-d tensor) computes them with the C library's exp and erf (aten/src/ATen/native/cpu/
# Activation.cpp); torch's vectorized path uses SLEEF's exp and erf, a last bit apart at times.

M_SQRT1_2 = 0.70710678118654752440  # <math.h>'s 1/sqrt(2), gelu's kAlpha


def silu(a):
    # silu_kernel: x / (1 + exp(-x))
    return a / (1.0 + exp(-a))


def gelu(a):
    # GeluKernelImpl, approximate='none': x * 0.5 * (1 + erf(x * kAlpha))
    return a * 0.5 * (1.0 + math.erf(a * M_SQRT1_2))


def logsigmoid(a):
    # _vec_log_sigmoid: minimum(x, 0) - log1p(exp(-|x|)), nan propagating
    if a != a:
        return a
    return (a if a < 0 else 0.0) - math.log1p(exp(-math.fabs(a)))


def _integral(fn):
    def kernel(a):
        if not _isfinite(a):
            return a
        r = float(fn(a))
        return r if r != 0 else _copysign(0.0, a)

    kernel.__name__ = fn.__name__
    return kernel


floor = _integral(math.floor)
ceil = _integral(math.ceil)
round = _integral(round)  # noqa: A001 - Python's round is half-to-even, like torch.round


def atan2(a, b):
    return math.atan2(a, b)


def hypot(a, b):
    return math.hypot(a, b)


def maximum(a, b):
    if a != a or b != b:
        return NAN
    return a if a >= b else b


def minimum(a, b):
    if a != a or b != b:
        return NAN
    return a if a <= b else b


def clamp(x, lo, hi):
    if x != x:
        return NAN
    return minimum(maximum(x, lo), hi)


def where(cond, a, b):
    return a if cond else b


def masked_fill(t, cond, value):
    return value if cond else t


# -- reductions, dot and indexing of a scalar (torch's 0-d tensor) ----------------------------

def identity(a):
    """sum, mean, prod, max and min of a single number: the number itself."""
    return a


def dot(a, b):
    from agrad.errors import ShapeError

    raise ShapeError("dot() needs two vectors (torch: 1D tensors expected, but got 0D and 0D tensors)",
                     argument=0)


def select(a, i):
    from agrad.errors import IndexingError

    raise IndexingError("cannot index a scalar (torch: invalid index of a 0-dim tensor. Use `tensor.item()` in "
                        "Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number)", argument=0)
