"""`agrad plot`'s numbers: one variable swept over A:B (N points), the others fixed, and at each
point f and its derivatives in that variable, each equal to `agrad eval` at that point.

First derivatives go through the `--points` machinery (batch/points.py): when the program is
elementwise, a block of points is one vectorized evaluation (bit for bit what row-by-row gives),
else one evaluation a point. Orders above 1 run `agrad eval --order K`'s evaluation at each
point (Taylor mode, engine/taylor.py), so that its numbers are eval's own. Nothing here draws:
render/plot_terminal.py, plot_image.py and plot_page.py take the Columns this makes.
"""

from __future__ import annotations

import math

from agrad.errors import AgradError, BindingError, LimitError, ScalarOutputError, UsageError
from agrad.limits import MAX_ORDER, MAX_PLOT_POINTS, check_plot_points

DEFAULT_POINTS = 201
BLOCK = 1 << 15  # points evaluated together: bounds the vectorized graph's memory (a few MB a block)


class Range:
    """A:B:N as written (`text`) and read: the bounds and the number of points."""

    def __init__(self, name: str, text: str, start: float, stop: float, count: int):
        self.name, self.text, self.start, self.stop, self.count = name, text, start, stop, count

    def points(self):
        import numpy as np

        return np.linspace(self.start, self.stop, self.count)


def _bad(name: str, text: str, why: str, span: tuple[int, int] | None) -> BindingError:
    return BindingError(f"bad range for --{name} {text}: {why}", span, text)


def parse_range(name: str, text: str, constant=None) -> Range:
    """`A:B` or `A:B:N`: A and B numbers or constant expressions (`-pi:pi`, read as a binding
    is: constant computes them), finite, A < B; N a whole number from 2 to MAX_PLOT_POINTS.
    A BindingError with a caret under the part at fault otherwise."""
    from agrad.values.read import parse_value

    if constant is None:
        from agrad.evaluation.constants import constant_value as constant
    parts, starts, at = text.split(":"), [], 0
    for part in parts:
        starts.append(at)
        at += len(part) + 1
    if len(parts) > 3:
        raise _bad(name, text, "write A:B or A:B:N (N points, 201 by default)", (starts[3] - 1, starts[3]))
    bounds = []
    for which, part, start in zip(("start", "end"), parts, starts):
        span = (start, start + max(len(part), 1))
        if not part.strip():
            raise _bad(name, text, f"the {which} is missing: write A:B or A:B:N", span)
        try:
            value = parse_value(part, constant)
        except AgradError as exc:  # a name that is not a constant: the caret inside the part
            inner = exc.span or (0, len(part))
            raise _bad(name, text, f"the {which}: {exc.message}",
                       (inner[0] + start, inner[1] + start)) from None
        except ValueError:
            raise _bad(name, text, f"the {which}, {part.strip()!r}, is not a number", span) from None
        if not isinstance(value, float):
            raise _bad(name, text, f"the {which} is a vector; a range is two numbers", span)
        if not math.isfinite(value):
            raise _bad(name, text, f"the {which} is {value!r}; a range has finite bounds", span)
        bounds.append(value)
    count = DEFAULT_POINTS
    if len(parts) == 3:
        part, start = parts[2], starts[2]
        span = (start, start + max(len(part), 1))
        if not part.strip().isdigit():
            raise _bad(name, text, f"the number of points, {part.strip()!r}, is not a whole number", span)
        count = int(part)
        if count < 2:
            raise _bad(name, text, "a range needs at least 2 points (both ends)", span)
        if count > MAX_PLOT_POINTS:
            check_plot_points(count, span, text)
    if bounds[0] < bounds[1] and not math.isfinite(bounds[1] - bounds[0]):
        raise _bad(name, text, "the range is wider than float64 holds (its width is inf)", (0, len(text)))
    if bounds[0] >= bounds[1]:
        raise _bad(name, text, f"the end ({bounds[1]!r}) must be greater than the start ({bounds[0]!r})",
                   (starts[1], starts[1] + max(len(parts[1]), 1)))
    return Range(name, text, bounds[0], bounds[1], count)


def header(name: str, order: int) -> list[str]:
    """The columns' names: the variable, f, df/dx, d2f/dx2, ..."""
    return [name, "f", f"df/d{name}"] + [f"d{k}f/d{name}{k}" for k in range(2, order + 1)]


class Columns:
    """The sweep's numbers: x, f and each derivative (numpy arrays; a derivative None where
    eval has none, a variable cut from the graph by detach), and the tangent line if asked
    (at, f there, the slope, and its values at every x)."""

    def __init__(self, source: str, name: str, fixed: dict, order: int, x, columns: list):
        self.source, self.name, self.fixed, self.order = source, name, fixed, order
        self.x = x
        self.columns = columns  # [f, df/dx, d2f/dx2, ...]
        self.tangent = None  # (x0, f(x0), f'(x0), values) with --tangent

    @property
    def names(self) -> list[str]:
        return header(self.name, self.order) + (["tangent"] if self.tangent is not None else [])

    def all(self) -> list:
        """Every column in the order of names."""
        return [self.x] + self.columns + ([self.tangent[3]] if self.tangent is not None else [])


def sweep(source: str, span: Range, bindings: dict, order: int = 1, tangent: float | None = None,
          max_source_bytes: int | None = None) -> Columns:
    """f and its first `order` derivatives in span.name at each point of the range, the other
    variables bound to `bindings` (numbers), as `agrad eval SOURCE --NAME x ...` computes them."""
    from agrad.evaluation.api import prepare, run

    name = span.name
    if order > MAX_ORDER:
        raise LimitError(f"--order {order}: the highest order agrad computes is {MAX_ORDER}")
    for other, value in bindings.items():
        if not isinstance(value, (float, int)):
            raise BindingError(f"--{other} is a vector: agrad plot draws a scalar f of one variable, with the "
                               "other variables fixed to numbers")
    options = {"max_source_bytes": max_source_bytes}
    try:
        probe = run(source, {**bindings, name: span.start}, **options)  # eval's errors, as eval gives them
    except ScalarOutputError:
        probe = None
    if probe is None or not isinstance(probe.value, float):
        raise UsageError("the expression's value is a vector: agrad plot draws a scalar f (reduce it, "
                         "e.g. sum(...), or plot one element, v[0])", None, source)
    if name not in probe.used:
        used = ", ".join(probe.used) or "none"
        raise BindingError(f"the expression does not use '{name}', the variable --{name} sweeps "
                           f"(its variables: {used})", None, source)
    prepared = prepare(source)
    xs = span.points()
    if order <= 1:
        columns = _first_order(source, prepared, name, xs, bindings)
    else:
        columns = _higher_order(source, prepared, name, xs, bindings, order)
    result = Columns(source, name, dict(bindings), max(order, 1), xs, columns)
    if tangent is not None:
        at = run(source, {**bindings, name: tangent}, program=prepared)
        f0, slope = at.value, at.grads.get(name)
        slope = 0.0 if slope is None else slope  # (no gradient: torch's None, a flat line)
        result.tangent = (tangent, f0, slope, f0 + slope * (xs - tangent))
    return result


def _first_order(source, prepared, name, xs, bindings) -> list:
    """f and df/dx: a block of points at a time, vectorized where the program is elementwise."""
    import numpy as np

    from agrad.batch.points import elementwise, evaluate_block
    from agrad.evaluation.options import RunOptions

    values, grads, missing = [], [], False
    vector = elementwise(prepared.program)
    plain = RunOptions()
    for start in range(0, len(xs), BLOCK):
        chunk = xs[start:start + BLOCK]
        block = evaluate_block(prepared.program, source, (name,), [chunk], bindings, plain) if vector else None
        if block is not None and isinstance(block.value, list):
            values.append(np.asarray(block.value, dtype=np.float64))
            g = block.grads.get(name)
            missing = missing or g is None
            grads.append(np.zeros(len(chunk)) if g is None else np.asarray(g, dtype=np.float64))
            continue
        f, d = _rows(source, prepared, name, chunk, bindings, 0)
        values.append(f)
        grads.append(d[0])
        missing = missing or d[0] is None
    return [np.concatenate(values), None if missing else np.concatenate(grads)]


def _higher_order(source, prepared, name, xs, bindings, order) -> list:
    f, derivatives = _rows(source, prepared, name, xs, bindings, order)
    return [f] + derivatives


def _rows(source, prepared, name, xs, bindings, order) -> tuple:
    """One evaluation a point: f, and [df/dx] (order 0: the gradient, None where there is
    none) or the `order` derivatives of eval --order."""
    import numpy as np

    from agrad.evaluation.api import run

    n = len(xs)
    f = np.empty(n)
    ds = [np.empty(n) for _ in range(max(order, 1))]
    missing = False
    keywords = {"order": order} if order else {}
    for i, x in enumerate(xs.tolist()):
        try:
            r = run(source, {**bindings, name: x}, program=prepared, **keywords)
        except AgradError as exc:
            exc.message = f"at {name} = {x!r}: {exc.message}"
            raise exc.with_source(source) from None
        f[i] = r.value
        if order:
            got = (r.derivatives or {}).get(name) or [0.0] * order
        else:
            g = r.grads.get(name)
            missing = missing or g is None
            got = [0.0 if g is None else g]
        for column, v in zip(ds, got):
            column[i] = v
    return f, (ds if order else [None if missing else ds[0]])
