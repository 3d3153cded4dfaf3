"""How numbers are written out: repr for floats (round-trips exactly), and non-finite values
as the strings "inf", "-inf", "nan" in JSON so that jq can read every line.

A vector (a list of floats, or a numpy array) is written in full as `[1.0, 2.0]` by text, as
`1.0,2.0` by plain (which a binding reads back: `--x 1.0,2.0`), as a JSON list by json_value,
and abbreviated to its first and last few elements by short, for people. No numpy here.
"""

from __future__ import annotations

import math

EDGE = 3  # elements shown at each end of an abbreviated vector
FULL = 8  # vectors up to this length are shown in full


def _is_vector(value) -> bool:
    return isinstance(value, (list, tuple)) or getattr(value, "ndim", 0) != 0


def _floats(value) -> list:
    return value.tolist() if hasattr(value, "tolist") else list(value)


def text(value) -> str:
    if type(value) is float and math.isfinite(value):  # the common case, first
        return repr(value)
    if value is None:
        return "None"
    if _is_vector(value):
        return "[" + ", ".join(map(text, _floats(value))) + "]"
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def plain(value) -> str:
    """A scalar as text; a vector's elements joined by commas, without spaces or brackets."""
    if value is not None and _is_vector(value):
        from agrad.values.vector_io import joined

        return joined(value)
    return text(value)


def short(value, edge: int = EDGE, full: int = FULL) -> str:
    """text, with a vector longer than `full` cut to its first and last `edge` elements."""
    if value is None or not _is_vector(value) or len(value) <= full:
        return text(value)
    head = [text(v) for v in _floats(value[:edge])]
    tail = [text(v) for v in _floats(value[len(value) - edge:])]
    return "[" + ", ".join(head) + ", …, " + ", ".join(tail) + "]"


def json_value(value):
    if type(value) is float:  # the common case, first: a scalar
        return value if math.isfinite(value) else text(value)
    if value is None:
        return None
    if _is_vector(value):
        items = _floats(value)
        if items and _is_vector(items[0]):  # a matrix (a Jacobian): row by row
            return [json_value(row) for row in items]
        try:
            if all(map(math.isfinite, items)):
                return items
        except TypeError:  # converted already: "inf" and "nan" strings in place
            pass
        return [v if isinstance(v, str) or math.isfinite(v) else text(v) for v in items]
    v = float(value)
    if math.isfinite(v):
        return v
    return text(v)
