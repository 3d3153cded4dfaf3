"""float32, for --dtype float32: a value as a torch float32 tensor would hold it, and the ops
whose float32 result is not their float64 result rounded once.

Under float32, `apply` (tensor.py) runs an op through `run_scalar` or `run_vector` here. Most ops
are one IEEE operation (+ - * /), whose float64 result rounded to float32 is the correctly
rounded float32 result, as torch's; or a function computed in float64 and rounded (torch's own
float32 kernels can differ from that in the last bits; even its sqrt is 1 ulp off the correctly
rounded result at about 17% of points, measured). The ops below are not: torch computes
them as several float32 operations, each rounded, and so does agrad:

- pow with the exponents 3, -2 and -0.5 (torch's pow(Tensor, Scalar), PowKernel.cpp: x*x*x,
  1/(x*x), 1/sqrt(x)); 2, -1 and 0.5 are one operation and need nothing here;
- sum, mean, prod, norm and dot of a vector: accumulated in float32 in torch's order
  (float32_reductions.py).
"""

from __future__ import annotations

from ctypes import c_float

from agrad.engine import kernels as K
from agrad.engine import shapes as _shapes


def to_float32(value):
    if isinstance(value, float):
        return c_float(value).value  # C's conversion: out-of-range values become inf
    import numpy as np  # (a vector: numpy is loaded)

    with np.errstate(over="ignore"):  # out-of-range values become inf, silently, as for a float
        return value.astype("float32").astype("float64")


def _f(value: float) -> float:
    return c_float(value).value


def pow_scalar(a: float, b: float) -> float:
    """x ** c with c a Python number, each float32 operation rounded as torch's does them."""
    if b == 3.0:
        return _f(_f(a * a) * a)
    if b == -2.0:
        return _f(K.div(1.0, _f(a * a)))
    if b == -0.5:
        return _f(K.div(1.0, _f(K.sqrt(a))))
    return _f(K.pow_scalar(a, b))


def pow_scalar_vector(a, b):
    """pow_scalar of a vector, or None for the exponents whose rounded float64 result is
    torch's."""
    import numpy as np

    if b not in (3.0, -2.0, -0.5):
        return None
    x = a.astype(np.float32)
    with np.errstate(all="ignore"):
        if b == 3.0:
            r = x * x * x
        elif b == -2.0:
            r = np.float32(1.0) / (x * x)
        else:
            r = np.float32(1.0) / np.sqrt(x)
    return r.astype(np.float64)


def _reduction(name):
    def kernel(a):
        from agrad.engine import float32_reductions

        return getattr(float32_reductions, name)(a)

    return kernel


def _dot(a, b):
    from agrad.engine import float32_reductions, vector_kernels

    vector_kernels.dot(a, b)  # (its checks of the operands: two vectors of one length)
    return float32_reductions.dot(a, b)


SCALAR = {"pow_scalar": pow_scalar}
# op name: the float32 kernel of a vector operand, which may return None to take the default
VECTOR = {"pow_scalar": pow_scalar_vector, "sum": _reduction("cascade_sum"), "mean": _reduction("mean"),
          "prod": _reduction("prod"), "norm": _reduction("norm"), "dot": _dot}


def run_scalar(op, values: list) -> float:
    """op on floats, as torch's float32 kernels compute it (see the module's docstring)."""
    special = SCALAR.get(op.name)
    if special is not None:
        return special(*values)
    return to_float32(op.kernel(*values))  # (a vector from scalars too: expand's kernel)


def run_vector(op, values: list):
    """op with a vector among its inputs, in float32: the float64 result rounded, or the float32
    computation of the ops listed in the module's docstring."""
    special = VECTOR.get(op.name)
    if special is not None:
        if op.elementwise:
            _shapes.check_broadcast(op, values)
        value = special(*values)
        if value is not None:
            return value
    return to_float32(_shapes.run_vector(op, values))
