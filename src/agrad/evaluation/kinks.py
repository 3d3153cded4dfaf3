"""Where a computed graph is not differentiable: the kinks --check must not call a failure.

Central differences straddle a kink (relu at 0, abs at 0, a max tie, clamp at a bound, floor at
an integer, ...) and give a value that no gradient rule gives: (relu(eps) - relu(-eps)) / 2eps
is 1/2, where relu's rule, torch's, says 0. That is not a wrong gradient but a point where there
is none, and agrad follows a convention there (the subgradient torch picks). So the check walks
the graph it ran, finds each op whose input sits within a few steps of that op's kink, and names
it with the convention the op table states for it (its `notes`, or its derivative in words).

The op table does not say where an op's kinks are, so they are listed here by op name: a new
piecewise op needs a line in KINKS. tests/test_check.py checks that every name here is in the
table, and that the list covers every op whose derivative the table writes piecewise ("if",
"else") or as 0 (the step functions).
"""

from __future__ import annotations

import math

from agrad.engine import ops, shapes
from agrad.engine.graph import describe


def _near(a, b, window: float) -> bool:
    """Whether a and b (numbers or arrays) come within `window` of each other anywhere."""
    if shapes.is_vector(a) or shapes.is_vector(b):
        import numpy

        return bool(numpy.any(numpy.abs(numpy.asarray(a, dtype=float) - numpy.asarray(b, dtype=float)) <= window))
    return abs(float(a) - float(b)) <= window


def _whole(x, window: float) -> bool:  # a jump at every integer (floor, ceil)
    if shapes.is_vector(x):
        import numpy

        x = numpy.asarray(x, dtype=float)
        return bool(numpy.any(numpy.abs(x - numpy.round(x)) <= window))
    return math.isfinite(x) and abs(x - round(x)) <= window


def _half(x, window: float) -> bool:  # a jump at every half-integer (round)
    if shapes.is_vector(x):
        import numpy

        x = numpy.asarray(x, dtype=float)
        return bool(numpy.any(numpy.abs(x - numpy.floor(x) - 0.5) <= window))
    return math.isfinite(x) and abs(x - math.floor(x) - 0.5) <= window


def _tie(v, window: float) -> bool:  # max(v), min(v): the two largest (smallest) elements tie
    if not shapes.is_vector(v) or len(v) < 2:
        return False
    import numpy

    s = numpy.sort(numpy.asarray(v, dtype=float))
    return bool(s[-1] - s[-2] <= window or s[1] - s[0] <= window)


def _zero_vector(v, window: float) -> bool:
    if shapes.is_vector(v):
        import numpy

        return bool(len(v) and numpy.all(numpy.abs(numpy.asarray(v, dtype=float)) <= window))
    return abs(float(v)) <= window


# op name: (the kink in words, whether the op's input values are at it)
KINKS = {
    "relu": ("relu at 0", lambda w, x: _near(x, 0.0, w)),
    "abs": ("abs at 0", lambda w, x: _near(x, 0.0, w)),
    "sign": ("sign's jump at 0", lambda w, x: _near(x, 0.0, w)),
    "sgn": ("sgn's jump at 0 (abs's derivative)", lambda w, x: _near(x, 0.0, w)),
    "threshold_backward": ("relu's derivative at its step (0)",
                           lambda w, g, x, t: _near(x, t, w)),
    "max": ("max(a, b) at a tie", lambda w, a, b: _near(a, b, w)),
    "min": ("min(a, b) at a tie", lambda w, a, b: _near(a, b, w)),
    "clamp": ("clamp at a bound", lambda w, x, lo, hi: _near(x, lo, w) or _near(x, hi, w)),
    "clamp_tensor": ("clamp at a bound", lambda w, x, lo, hi: _near(x, lo, w) or _near(x, hi, w)),
    "floor": ("floor's jump at an integer", lambda w, x: _whole(x, w)),
    "ceil": ("ceil's jump at an integer", lambda w, x: _whole(x, w)),
    "round": ("round's jump at a half-integer", lambda w, x: _half(x, w)),
    "max_reduce": ("max(v) at a tie", lambda w, v: _tie(v, w)),
    "min_reduce": ("min(v) at a tie", lambda w, v: _tie(v, w)),
    "norm": ("norm at the zero vector", lambda w, v: _zero_vector(v, w)),
    "sqrt": ("sqrt at 0, the edge of its domain", lambda w, x: _near(x, 0.0, w)),
    "hypot": ("hypot at (0, 0)", lambda w, a, b: _near(a, 0.0, w) and _near(b, 0.0, w)),
    "atan2": ("atan2 at (0, 0)", lambda w, y, x: _near(y, 0.0, w) and _near(x, 0.0, w)),
}


class Kink:
    """One op of the graph at a kink: its grad_fn, the kink in words, agrad's convention there
    (from the op table), and the leaves whose gradients pass through it."""

    __slots__ = ("grad_fn", "where", "convention", "leaves")

    def __init__(self, grad_fn: str, where: str, convention: str, leaves: frozenset):
        self.grad_fn, self.where, self.convention, self.leaves = grad_fn, where, convention, leaves

    def text(self) -> str:
        return f"{self.grad_fn}: {self.where} is not differentiable at this point; agrad follows torch: " \
               f"{self.convention}"

    def as_dict(self) -> dict:
        return {"grad_fn": self.grad_fn, "where": self.where, "convention": self.convention,
                "leaves": sorted(self.leaves)}


def convention(name: str) -> str:
    """What the op table says agrad does at the op's kink: its notes, else its derivative."""
    op = ops.TABLE[name]
    return op.notes or f"derivative {op.derivatives[0]}"


def find(output, leaves, window: float) -> list[Kink]:
    """The ops of output's graph whose inputs lie within `window` of their kink (scaled by the
    kink's size: window * max(1, |input|)), each with the leaves (by name, of `leaves`) it
    depends on. Walks the graph once, in evaluation order."""
    found = []
    depends: list[frozenset] = []
    names = set(leaves)
    for node in describe(output):
        t = node.tensor
        if t.op is None:
            depends.append(frozenset([t.name]) if t.name in names and t.requires_grad else frozenset())
            continue
        mine = frozenset().union(*(depends[i] for i in node.inputs)) if node.inputs else frozenset()
        depends.append(mine)
        entry = KINKS.get(t.op.name)
        if entry is None or not mine:
            continue
        values = [x.value for x in t.inputs]
        scale = max([1.0] + [abs(float(v)) for v in values if not shapes.is_vector(v) and math.isfinite(v)])
        try:
            hit = entry[1](window * scale, *values)
        except (TypeError, ValueError):  # pragma: no cover - a value the predicate cannot read
            hit = False
        if hit:
            found.append(Kink(t.op.grad_fn, entry[0], convention(t.op.name), mine))
    return found
