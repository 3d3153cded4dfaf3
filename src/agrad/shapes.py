"""Shape questions about values; scalars are Python floats (vectors arrive with their own issue)."""

from __future__ import annotations


def is_scalar(value) -> bool:
    return getattr(value, "shape", ()) == ()


def zeros_like(value):
    return 0.0 if is_scalar(value) else value * 0.0


def ones_like(value):
    if is_scalar(value):
        return 1.0
    import numpy  # only vectors pay for it

    return numpy.ones_like(value)
