"""Long vectors to and from text, fast: orjson reads and writes the numbers.

For a vector of a million elements the standard library is the bottleneck: Python's float
repr writes about 1.5 million numbers a second on the project's machine and float() reads
about 2.5 million, which alone would spend most of the issue's 2-second budget. orjson does
both in C at over ten times the speed, with the same guarantee: every number written is the
shortest text that reads back as the same float64, and every number read is correctly rounded.
Its notation differs from repr in two places: 0.00001 where repr writes 1e-05, and 1e-7 where
repr writes 1e-07.

Imported only when a vector is read from a file or written as JSON or plain text.
"""

from __future__ import annotations

import math

import orjson


def dumps(value) -> str:
    """A vector as a JSON list, `[1.0, 2.0]` (a matrix, as a list of rows), inf, -inf and nan
    as the strings "inf", "-inf", "nan"; the separators are json.dumps's."""
    from agrad.values.write import json_value

    items = json_value(value)
    if items and isinstance(items[0], list):
        return "[" + ", ".join(dumps(row) for row in items) + "]"
    return orjson.dumps(items).replace(b",", b", ").decode()


def joined(value) -> str:
    """A vector's elements joined by commas, no brackets or spaces: `1.0,2.0`; inf, -inf and
    nan bare, as a binding reads them back."""
    items = value.tolist() if hasattr(value, "tolist") else list(value)
    if all(map(math.isfinite, items)):
        return orjson.dumps(items)[1:-1].decode()
    from agrad.values.write import text

    return ",".join(map(text, items))


def repr_texts(values) -> list[str]:
    """Each number's text exactly as numbers.text writes it (repr; nan, inf, -inf), several
    times faster than repr for long lists: orjson's digits are repr's (both the shortest that
    read back), and its notation is repr's too except between 1e-9 and 1e-4 (0.00001 and 1e-7
    where repr writes 1e-05 and 1e-07), where repr writes those numbers instead."""
    import numpy as np

    array = np.asarray(values, dtype=np.float64)
    if not len(array):
        return []
    texts = orjson.dumps(array, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].decode().split(",")
    size = np.abs(array)
    redo = ~np.isfinite(array) | ((size > 0.9e-9) & (size < 1.1e-4))  # (orjson writes null for nan)
    for i in np.flatnonzero(redo).tolist():
        texts[i] = repr(float(array[i]))
    return texts


def loads(body: str):
    """The numbers of `body` as a float64 vector when it is a JSON list's inside (numbers
    separated by commas, or one per line); None when it is not, for the caller to read it the
    slow way (spaces between numbers, inf, nan, 1., .5, ...)."""
    import numpy as np

    if "true" in body or "false" in body:  # JSON booleans would pass as 1.0 and 0.0
        return None
    try:
        items = orjson.loads("[" + (body if "," in body else body.replace("\n", ",")) + "]")
    except orjson.JSONDecodeError:
        return None
    try:
        values = np.array(items)
    except ValueError:  # nested lists of different lengths
        return None
    if values.ndim != 1 or values.dtype.kind not in "iuf":  # strings, null, nested lists
        return None
    if "-0" in body and (values == 0).any():
        return None  # orjson reads -0 as the integer 0, losing the sign: the slow way keeps -0.0
    return values.astype(np.float64, copy=False)
