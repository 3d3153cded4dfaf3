"""Numbers as the pretty output shows them: rounded to a number of significant digits
(--digits N; screen.DEFAULT_DIGITS says why 6), never cut. JSON, plain and csv write every
number exactly (values/write.py); only what a person reads is rounded.

A number whose shortest repr has at most N significant digits is shown as repr writes it
(0.1, 2.0, 3.55), so that a value that is exact stays recognisable; a longer one is written
with N significant digits (%.Ng). Either way float(shown) == float(f"{value:.{N}g}").
"""

from __future__ import annotations

import math

from agrad.values import write as numbers


def _significant(text: str) -> int:
    mantissa = text.lstrip("-").split("e")[0].replace(".", "")
    return len(mantissa.strip("0")) or 1


def number(value, digits: int) -> str:
    if value is None:
        return "None"
    v = float(value)
    if not math.isfinite(v):
        return numbers.text(v)
    text = repr(v)
    if _significant(text) <= digits:
        return text
    text = f"{v:.{digits}g}"
    if "e" not in text and "." not in text:
        text += ".0"
    return text


def value(v, digits: int) -> str:
    """A scalar, or a vector abbreviated as values/write.short does (its first and last 3
    elements past 8), each element rounded."""
    if v is None or not numbers._is_vector(v):
        return number(v, digits)
    items = numbers._floats(v)
    if len(items) <= numbers.FULL:
        return "[" + ", ".join(number(x, digits) for x in items) + "]"
    head = [number(x, digits) for x in items[:numbers.EDGE]]
    tail = [number(x, digits) for x in items[len(items) - numbers.EDGE:]]
    return "[" + ", ".join(head) + ", …, " + ", ".join(tail) + "]"
