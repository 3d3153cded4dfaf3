"""How close two results are, part by part: bit for bit, within k ulps, different, or raises.

A result is {"error": text} or {"parts": {name: number, vector, matrix or text}}; numbers are
floats (nan and infinities included), None where a side has no value (a grad torch leaves None).
"""

from __future__ import annotations

import math
import struct

BIT, DIFFERENT, RAISES = "bit", "different", "raises"
# Beyond this many ulps (a relative difference of about 2e-10 in float64) two numbers are
# different results, not the same one rounded differently.
MAX_ULPS = 2 ** 20


def ordinal(x: float, dtype: str) -> int:
    """x's place among the floats of its dtype: neighbours differ by 1, and -0.0 sits just below
    +0.0 (so a sign of zero counts as 1 ulp)."""
    if dtype == "float32":
        bits = struct.unpack("<I", struct.pack("<f", x))[0]
        sign, mask = 1 << 31, (1 << 31) - 1
    else:
        bits = struct.unpack("<Q", struct.pack("<d", x))[0]
        sign, mask = 1 << 63, (1 << 63) - 1
    return -(bits & mask) - 1 if bits & sign else bits


def ulps(a: float, b: float, dtype: str) -> int | None:
    """The distance in ulps, 0 for identical bits (two nans are identical); None when one is a
    nan or an infinity and the other is not the same (no number of ulps says that)."""
    if math.isnan(a) or math.isnan(b):
        return 0 if math.isnan(a) and math.isnan(b) else None
    if math.isinf(a) or math.isinf(b):
        return 0 if a == b else None
    return abs(ordinal(a, dtype) - ordinal(b, dtype))


def _flat(value):
    if isinstance(value, list):
        for item in value:
            yield from _flat(item)
    else:
        yield value


def _shape(value):
    return [len(value), *(_shape(value[0]) if value and isinstance(value[0], list) else [])] \
        if isinstance(value, list) else []


def part_distance(mine, theirs, dtype: str):
    """0 for bit for bit, k for within k ulps (the worst element), DIFFERENT otherwise."""
    if isinstance(mine, str) or isinstance(theirs, str):
        return 0 if mine == theirs else DIFFERENT
    if mine is None or theirs is None:
        return 0 if mine is theirs else DIFFERENT
    if _shape(mine) != _shape(theirs):
        return DIFFERENT
    worst = 0
    for a, b in zip(_flat(mine), _flat(theirs)):
        d = ulps(float(a), float(b), dtype)
        if d is None or d > MAX_ULPS:
            return DIFFERENT
        worst = max(worst, d)
    return worst


def compare(mine: dict, theirs: dict, dtype: str) -> dict:
    """{part: 0 | k | DIFFERENT | RAISES}, for each part torch gives. Errors: torch's text must
    be within agrad's message (agrad may add a hint or a position)."""
    if "error" in mine or "error" in theirs:
        if "error" in mine and "error" in theirs:
            return {"error": 0 if theirs["error"] in mine["error"] else DIFFERENT}
        return {"error": RAISES}
    # torch's parts are the reference: its functional hessian and jacobian give no value or grads
    return {name: part_distance(mine["parts"].get(name), theirs["parts"][name], dtype) for name in theirs["parts"]}


def worst(distances) -> object:
    """The worst of several parts' distances: RAISES, then DIFFERENT, then the most ulps."""
    distances = list(distances)
    for bad in (RAISES, DIFFERENT):
        if bad in distances:
            return bad
    return max(distances, default=0)
