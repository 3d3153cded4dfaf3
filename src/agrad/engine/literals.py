"""Arithmetic of literals: what Python computes for the numbers written in an expression.

In torch's terms a number written in the expression (a literal, `pi`, `e`) is a Python number,
and arithmetic on numbers alone is done by Python before any tensor sees the result:
`-(0*0)` is the int 0 (so `y / -(0*0)` is inf, not -inf), `2^-1` is 0.5, `7/2` is 3.5. This
module is that arithmetic, with Python's int and float semantics exactly, and three rules
where Python has no float answer:

- where Python raises (`1/0`, `0**-1`, `10.0**400`), the IEEE 754 result (inf, -inf, nan), as
  torch's kernels give for the same operands as tensors;
- where Python gives a complex number (`(-8)**(1/3)`), nan, as torch does;
- an int beyond the float range becomes ±inf, so that ints stay small: `9^9^9` is inf at once
  (an int of |n| >= 2**1024 is never made).

A function of literals (`log(2)`) is not arithmetic: torch's functions take tensors, so its
result is a 0-d constant tensor (the lowering and the tape builder make it one). The evaluation
and the compiled path both fold with fold(), so they agree bit for bit.
"""

from __future__ import annotations

import math

from agrad.engine import kernels as K

_INF = math.inf


def parse(text: str):
    """The Python number a NUMBER token's text is: an int for digits only (`3`, `007`), else a
    float (`3.5`, `1e3`, `.5`). An int past the float range is inf (its digits are not read:
    Python refuses ints of more than 4,300 digits, and this one would only become inf)."""
    if text.isdigit() and text.isascii():
        if len(text) < 300:  # (most: below 1e300, which floats hold)
            return int(text)
        digits = text.lstrip("0")
        if len(digits) > 309:  # >= 1e309: past the float range
            return _INF
        return normal(int(digits or "0"))
    return float(text)


def normal(value):
    """An int as it is when float() can hold it, ±inf when it cannot; a float as it is."""
    if type(value) is int and value.bit_length() > 1023:
        try:
            float(value)
        except OverflowError:
            return _INF if value > 0 else -_INF
    return value


def to_float(value) -> float:
    """The float a folded number becomes when it meets a tensor (normal() ints always fit)."""
    return float(value)


def fold(name: str, args):
    """name(*args) for Python numbers args (int or float): Python's result, made normal()."""
    if name == "neg":
        return -args[0]
    a, b = args
    try:
        if name == "pow":
            result = _pow(a, b)
        elif name == "add":
            result = a + b
        elif name == "sub":
            result = a - b
        elif name == "mul":
            result = a * b
        elif name == "div":
            result = a / b
        else:
            raise ValueError(f"not arithmetic: {name}")
    except (ZeroDivisionError, OverflowError):  # Python refuses: the IEEE result
        return _ieee(name, float(a), float(b))
    if type(result) is complex:  # a negative base, a fractional exponent
        return math.nan
    return normal(result)


def _pow(a, b):
    if type(a) is int and type(b) is int and b > 0 and abs(a) > 1 and (a.bit_length() - 1) * b >= 1024:
        # |a| ** b >= 2 ** 1024: past the float range, found without making the int
        return -_INF if (a < 0 and b % 2) else _INF
    return a ** b


def _ieee(name: str, a: float, b: float) -> float:
    if name == "div":
        return K.div(a, b)
    if name == "pow":
        return K.pow(a, b)
    # + - * of floats never raise; an int and a float: the int fits (normal), so neither
    raise AssertionError(name)  # pragma: no cover
