"""How numbers are written out: repr for floats (round-trips exactly), and non-finite values
as the strings "inf", "-inf", "nan" in JSON so that jq can read every line. The one writer of
numbers: every output format and the batch's records write them through here.

A vector (a list of floats, or a numpy array) is written in full as `[1.0, 2.0]` by text, as
`1.0,2.0` by plain (which a binding reads back: `--x 1.0,2.0`), as a JSON list by json_value
(and as JSON text by dumps), and abbreviated to its first and last few elements by short, for
people.

Long vectors are written by orjson (imported only when a vector is written). For a vector of a
million elements the standard library is the bottleneck: Python's float repr writes about 1.5
million numbers a second on the project's machine, which alone would spend most of the issue's
2-second budget. orjson does it in C at over ten times the speed, with the same guarantee: every
number written is the shortest text that reads back as the same float64. Its notation differs
from repr in two places: 0.00001 where repr writes 1e-05, and 1e-7 where repr writes 1e-07.
No numpy here, except in repr_texts (whose callers hold numpy arrays already).

orjson writes a vector PIECE elements at a time, and the pieces are joined: given one list of
50 million numbers under an address-space cap, orjson.dumps crashed the process (a segfault:
its allocations are not checked), so before each piece of a long vector the room for it is
reserved and released (_room: numpy's empty, which fails cleanly and touches no page): when
memory runs out it is Python's MemoryError, which the command line reports in one line.
"""

from __future__ import annotations

import math

EDGE = 3  # elements shown at each end of an abbreviated vector
FULL = 8  # vectors up to this length are shown in full
PIECE = 1 << 16  # elements orjson writes in one call (about 1.5 MB of text)
ROOM = 8 * PIECE * 32  # bytes that must be free before orjson writes a piece: its buffer grows by doubling


def _pieces(items):
    """The start of each PIECE of a long vector, each checked to have room (MemoryError if not)."""
    if len(items) > PIECE:
        import numpy as np

        for start in range(0, len(items), PIECE):
            np.empty(ROOM, dtype=np.uint8)  # reserved and freed at once: the check, not a buffer
            yield start
    elif len(items):
        yield 0


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


def dumps(value) -> str:
    """A vector as a JSON list, `[1.0, 2.0]` (a matrix, as a list of rows), inf, -inf and nan
    as the strings "inf", "-inf", "nan"; the separators are json.dumps's."""
    import orjson

    items = json_value(value)
    if items and isinstance(items[0], list):
        return "[" + ", ".join(dumps(row) for row in items) + "]"
    if len(items) <= PIECE:
        return orjson.dumps(items).replace(b",", b", ").decode()
    return "[" + ", ".join(orjson.dumps(items[i:i + PIECE])[1:-1].replace(b",", b", ").decode()
                           for i in _pieces(items)) + "]"


def joined(value) -> str:
    """A vector's elements joined by commas, no brackets or spaces: `1.0,2.0`; inf, -inf and
    nan bare, as a binding reads them back."""
    import orjson

    items = _floats(value)
    if all(map(math.isfinite, items)):
        return ",".join(orjson.dumps(items[i:i + PIECE])[1:-1].decode() for i in _pieces(items))
    return ",".join(map(text, items))


def repr_texts(values) -> list[str]:
    """Each number's text exactly as text() writes it (repr; nan, inf, -inf), several times
    faster than repr for long lists: orjson's digits are repr's (both the shortest that read
    back), and its notation is repr's too except between 1e-9 and 1e-4 (0.00001 and 1e-7 where
    repr writes 1e-05 and 1e-07), where repr writes those numbers instead."""
    import numpy as np
    import orjson

    array = np.asarray(values, dtype=np.float64)
    if not len(array):
        return []
    texts = []
    for i in _pieces(array):
        texts += orjson.dumps(array[i:i + PIECE], option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].decode().split(",")
    size = np.abs(array)
    redo = ~np.isfinite(array) | ((size > 0.9e-9) & (size < 1.1e-4))  # (orjson writes null for nan)
    for i in np.flatnonzero(redo).tolist():
        texts[i] = repr(float(array[i]))
    return texts
