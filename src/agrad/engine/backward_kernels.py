"""Scalar kernels of the backward functions torch runs as ops of their own (tanh_backward,
sigmoid_backward, threshold_backward, softplus_backward, gelu_backward, log_sigmoid_backward):
the op table's entries for them (ops.py) make a derivative graph's nodes torch's
(TanhBackwardBackward0, ...) and give them torch's own gradient formulas.

Each computes what torch's CPU kernel computes, operation for operation (aten/src/ATen/native/
cpu/BinaryOpsKernel.cpp, Activation.cpp). Under float32 torch's kernel rounds every operation
to float32, so each intermediate is rounded as the mode rounds (`rounding`), exactly as the
composed rules these kernels replace were, one op at a time.

This module is below tensor.py (vector_kernels imports it, and tensor.py's helpers import
vector_kernels), so it cannot import the modes: the op table, which imports both, gives it
tensor.current_mode (`use_modes`), as it gives Tensor its operators.
"""

from __future__ import annotations

import math

from agrad.engine import kernels as K

GELU_BETA = 1.12837916709551257390 * K.M_SQRT1_2 * 0.5  # M_2_SQRTPI * M_SQRT1_2 * 0.5: 1/sqrt(2*pi)
SOFTPLUS_THRESHOLD = 20.0  # torch's default; beta is 1


def _same(value):
    return value


def _no_modes():
    return None


_current_mode = _no_modes  # tensor.current_mode, once the op table has called use_modes


def use_modes(current_mode) -> None:
    global _current_mode
    _current_mode = current_mode


def float32_rounding():
    """The current dtype's rounding of one operation's result, or None in float64 (the kernels
    then compute without it: a backward pass calls them once per node)."""
    mode = _current_mode()
    return None if mode is None else mode.round


def rounding():
    """float32_rounding(), or the identity in float64."""
    rnd = float32_rounding()
    return _same if rnd is None else rnd


def tanh_backward(g, y):
    # a * (1 - b * b)
    r = float32_rounding()
    if r is None:
        return g * (1.0 - y * y)
    return r(g * r(1.0 - r(y * y)))


def sigmoid_backward(g, y):
    # a * (1 - b) * b
    r = float32_rounding()
    if r is None:
        return g * (1.0 - y) * y
    return r(r(g * r(1.0 - y)) * y)


def threshold_backward(g, x, threshold):
    # x <= threshold ? 0 : grad (a nan x passes the gradient, as relu's does)
    return 0.0 if x <= threshold else g


def softplus_backward(g, x):
    # z = exp(x * beta); x * beta > threshold ? grad : grad * z / (z + 1)
    if x > SOFTPLUS_THRESHOLD:
        return g
    r = rounding()
    z = r(K.exp(x))
    return r(r(g * z) / r(z + 1.0))


def gelu_backward(g, x):
    # approximate='none': grad * (cdf + x * pdf), cdf = 0.5 * (1 + erf(x * kAlpha)),
    # pdf = kBeta * exp(x * x * -0.5)
    r = rounding()
    cdf = r(0.5 * r(1.0 + r(math.erf(r(x * K.M_SQRT1_2)))))
    pdf = r(GELU_BETA * r(K.exp(r(r(x * x) * -0.5))))
    return r(g * r(cdf + r(x * pdf)))


def log_sigmoid_backward(g, x):
    # grad * (max_deriv - sign * (z / (1 + z))), z = exp(-|x|); max_deriv 1 and sign 1 where
    # x < 0, else 0 and -1
    r = rounding()
    negative = x < 0.0
    z = r(K.exp(-math.fabs(x)))
    q = r(z / r(1.0 + z))
    return r(g * r((1.0 if negative else 0.0) - r((1.0 if negative else -1.0) * q)))
