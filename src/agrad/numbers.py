"""How numbers are written out: repr for floats (round-trips exactly), and non-finite values
as the strings "inf", "-inf", "nan" in JSON so that jq can read every line."""

from __future__ import annotations

import math


def text(value) -> str:
    if value is None:
        return "None"
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def json_value(value):
    if value is None:
        return None
    v = float(value)
    if math.isfinite(v):
        return v
    return text(v)
