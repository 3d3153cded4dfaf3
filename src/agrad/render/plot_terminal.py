"""Curves drawn as text for a terminal, by plotext (imported here only, when a plot is drawn):
axes, a legend, and colour where the caller says the terminal has it.

`draw` is the one entry point and takes plain columns, so that `agrad plot`, a loss curve or
the REPL's `:plot` can share it. plotext cannot take nan or inf (its tick labels fail on them),
so a curve is cut into its finite runs: a point that is not finite is a gap.
"""

from __future__ import annotations

import math
import re

from agrad.errors import ComputeError

# Each curve's colour on a terminal with colour, and its marker without: without colour the
# markers are what tells the curves apart, braille for the first (the finest line).
COLORS = ("blue", "red", "green", "magenta", "orange", "cyan")
MARKERS = ("braille", "•", "+", "x", "*", "o")
MIN_WIDTH, MIN_HEIGHT = 30, 8
LARGEST = 1e300


def size_for(columns: int, lines: int) -> tuple[int, int]:
    """A plot's width and height for a terminal of columns x lines: the whole width, and a
    height that keeps the plot about 3 times wider than tall, no taller than the screen leaves
    for it (a line for the prompt), and not under MIN_HEIGHT."""
    width = max(MIN_WIDTH, columns)
    height = max(MIN_HEIGHT, min(lines - 2, width // 3, 40))
    return width, height


def _runs(x: list, y: list):
    """The finite stretches of a curve, each as (xs, ys)."""
    xs, ys = [], []
    for a, b in zip(x, y):
        if b is not None and math.isfinite(b) and math.isfinite(a):
            xs.append(a)
            ys.append(b)
        elif xs:
            yield xs, ys
            xs, ys = [], []
    if xs:
        yield xs, ys


def _thinned(x: list, y: list, buckets: int) -> tuple[list, list]:
    """At most about 3 points a bucket of a long curve (a terminal column holds 2 braille dots
    across): each bucket's lowest and highest finite points, in order, and a nan where it had a
    gap, so the drawing keeps the curve's extremes and gaps at a cost that does not grow with
    the points (plotext's does: 100,000 points took 2 s)."""
    if len(x) <= 4 * buckets:
        return x, y
    out_x, out_y = [], []
    size = len(x) / buckets
    for b in range(buckets):
        lo, hi = int(b * size), int((b + 1) * size)
        part = [(y[i], i) for i in range(lo, hi) if math.isfinite(y[i])]
        if part:
            for i in sorted({min(part)[1], max(part)[1]}):
                out_x.append(x[i])
                out_y.append(y[i])
        if len(part) < hi - lo:
            out_x.append(x[lo])
            out_y.append(math.nan)
    return out_x, out_y


def draw(x, curves: list, width: int, height: int, color: bool = False, title: str = "",
         xlabel: str = "", fit: int | None = None) -> str:
    """The curves [(label, ys), ...] over x as text exactly `width` columns wide at most and
    `height` lines tall (ANSI colours when `color`). ys may hold nan and inf (gaps) or be None
    (left out). fit: how many of the first curves set the y range (the rest, a tangent line,
    are cut at its edges); None: all."""
    import plotext as plt

    width, height = max(MIN_WIDTH, width), max(MIN_HEIGHT, height)
    x = [float(v) for v in x]
    shown = [(k, label, _thinned(x, [float(v) for v in ys], 2 * width))
             for k, (label, ys) in enumerate(curves) if ys is not None]
    low, high = _range([ys for k, _, (_, ys) in shown if fit is None or k < fit])
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")  # (no background: the terminal keeps its own, dark or light)
    for k, label, (xs_all, ys) in shown:
        style = {"color": COLORS[k % len(COLORS)], "marker": "braille"} if color else \
            {"marker": MARKERS[k % len(MARKERS)]}
        # Outside the range is a gap too: plotext's legend fails on a curve with no point inside.
        ys = [v if low <= v <= high else math.nan for v in ys]
        runs = list(_runs(xs_all, ys))
        for i, (xs, part) in enumerate(runs):
            plt.plot(xs, part, label=None if i else label, **style)
        if not runs:  # still in the legend, with no line
            why = "outside the range" if any(map(math.isfinite, ys)) or fit is not None and k >= fit else \
                "no finite value"
            plt.plot([x[0]], [low], label=f"{label} ({why})", marker=" ")
    finite_x = [v for v in x if math.isfinite(v)]
    if finite_x:
        plt.xlim(*_range([finite_x]))
    plt.ylim(low, high)
    if title:
        plt.title(title if len(title) <= width - 2 else title[:width - 5] + "...")
    if xlabel:
        plt.xlabel(xlabel)
    try:
        text = plt.build()
    except (ArithmeticError, IndexError, ValueError) as exc:  # a case of plotext's found after these guards
        raise ComputeError(f"the terminal drawing failed ({type(exc).__name__}: {exc}); --format csv or "
                           "-o FILE.html shows the points") from None
    if not color:
        text = plt.uncolorize(text)
    lines = [_trimmed(line) for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _range(columns: list) -> tuple[float, float]:
    """The y range: the finite values' (a constant gets a band around it; nothing finite, -1 to 1)."""
    finite = [v for ys in columns for v in ys if math.isfinite(v)]
    if not finite:
        return -1.0, 1.0
    # plotext's arithmetic on the range overflows near float64's end: past +-1e300 is cut off
    low, high = max(min(finite), -LARGEST), min(max(finite), LARGEST)
    if not high - low > max(abs(low), abs(high)) * 1e-12 + 1e-280:  # a constant, to plotext's resolution
        pad = abs(low) * 0.5 or 1.0
        return low - pad, high + pad
    return low, high


_TRAILING = re.compile(r"(?:\s|\x1b\[0m)+\Z")


def _trimmed(line: str) -> str:
    """A line without its trailing blanks (plotext pads to the width, and ends coloured lines
    with a reset after the padding), with one reset kept where colours were set."""
    bare = _TRAILING.sub("", line)
    return bare + "\x1b[0m" if "\x1b[" in bare else bare
