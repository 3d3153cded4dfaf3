"""float32 rounding, for --dtype float32: a value as a torch float32 tensor would hold it."""

from __future__ import annotations

from ctypes import c_float


def to_float32(value):
    if isinstance(value, float):
        return c_float(value).value  # C's conversion: out-of-range values become inf
    import numpy as np  # (a vector: numpy is loaded)

    with np.errstate(over="ignore"):  # out-of-range values become inf, silently, as for a float
        return value.astype("float32").astype("float64")
