"""`agrad minimize` run end to end: the descent (evaluation/minimize.py) written as it goes, a
progress bar on a terminal, the loss curve (--plot) and the page (-o FILE.html).

Here rather than in the command line because it is a loop over many evaluations, and the page's
contour is a grid of points evaluated together by points.py's vectorized path.
"""

from __future__ import annotations

import sys

from agrad.evaluation.minimize import NotFinite, descend

# --plot and the page draw at most about this many points of the descent (every n-th step and the
# last), so that their memory stays small whatever --steps is: 10,000,000 steps kept whole would
# be over a gigabyte of Python objects.
CURVE_POINTS = 20_000

# The progress bar is shown for descents of at least this many steps (a shorter one ends
# before a bar would be drawn), and moved at most 100 times.
BAR_FROM_STEPS = 2000


def run_descent(source: str, start: dict, optimizer: str, settings: dict, how: dict) -> int:
    """Run and write the descent; returns the exit status (1 when the loss stopped being finite,
    after the last finite point was written)."""
    from agrad.render import descent as words
    from agrad.render.screen import look

    screen = look(sys.stdout, how["digits"])
    every, steps, as_json = how["every"], how["steps"], how["json"]
    bar = _bar(steps)
    curve: list = []  # (step, loss, values) of every stride-th step and the last, for --plot and the page
    keep = how["plot"] or how["output"] is not None
    stride = max(1, steps // CURVE_POINTS)

    def out(text: str) -> None:
        if bar is not None and sys.stdout.isatty():
            bar.print_text(text)  # above the bar, not through it
        else:
            sys.stdout.write(text)

    last = previous = None
    failure = None
    try:
        for point in descend(source, start, optimizer, settings, steps, how["tol"]):
            if point.step == 0 and not as_json:  # (after the first evaluation: a bad program says so alone)
                out(words.header_text(optimizer, settings, screen.width))
            if keep and (point.step % stride == 0 or point.stop is not None):
                curve.append((point.step, point.loss, list(point.values.values())))
            if point.step % every == 0 or point.stop is not None:
                out(words.step_record(point) if as_json else words.step_text(point, screen.digits, screen.width))
            if bar is not None and point.step % max(1, steps // 100) == 0:
                bar.update(point.step, f"step {point.step:,} of {steps:,}")
            previous, last = last, point
    except NotFinite as exc:
        failure = exc
        last = exc.last
    finally:
        if bar is not None:
            bar.stop()
    if failure is not None:
        if as_json:
            sys.stdout.write(words.final_record(last, "not finite", optimizer, settings))
        elif last is not None:
            sys.stdout.write(words.last_finite_text(last, screen.digits, screen.width))
    elif as_json:
        sys.stdout.write(words.final_record(last, last.stop, optimizer, settings))
    else:
        sys.stdout.write(words.stop_text(last, last.stop, how["tol"], steps,
                                         previous.loss if previous is not None else None,
                                         screen.digits, screen.width))
    if how["plot"] and curve:
        sys.stdout.write(words.loss_plot([c[0] for c in curve], [c[1] for c in curve], screen.width,
                                         screen.color))
    if how["output"] is not None and curve:
        _write_page(how["output"], source, list(start), curve)
    if failure is not None:
        raise failure
    return 0


def _bar(steps: int):
    """A progress bar on stderr when it is a terminal and the descent is long enough to need one."""
    if steps < BAR_FROM_STEPS or not _is_terminal(sys.stderr):
        return None
    from agrad.render.terminal import Bar

    bar = Bar(steps, None)
    if not bar.on_terminal:
        bar.stop()
        return None
    return bar


def _is_terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):
        return False


def _write_page(path: str, source: str, names: list, curve: list) -> None:
    from agrad.errors import BindingError
    from agrad.render.descent_page import page
    from agrad.render.files import write_atomically

    scalars = len(names) == 2 and all(type(v) is float for v in curve[0][2])
    grid = landscape(source, names, curve) if scalars else None
    try:
        write_atomically(path, page(source, names, curve, grid).encode("utf-8"))
    except (OSError, ValueError) as exc:
        raise BindingError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from None


GRID = 81  # the contour's grid is GRID x GRID points: 6,561 evaluations, one vectorized block


def landscape(source: str, names: list, curve: list):
    """The loss on a grid around the path of a two-variable descent: (xs, ys, rows), rows[j][i]
    the loss at (xs[i], ys[j]) (None where it is not finite). Evaluated as one block of points
    (points.py's vectorized path) when the program is elementwise, else point by point."""
    import math

    from agrad.batch.points import evaluate_block
    from agrad.evaluation.api import prepare, run
    from agrad.errors import AgradError

    xs_path = [c[2][0] for c in curve if all(map(math.isfinite, c[2]))]
    ys_path = [c[2][1] for c in curve if all(map(math.isfinite, c[2]))]
    if not xs_path:
        return None
    xs = _axis(min(xs_path), max(xs_path))
    ys = _axis(min(ys_path), max(ys_path))
    columns_x = [x for y in ys for x in xs]
    columns_y = [y for y in ys for x in xs]
    program = prepare(source)
    values = None
    try:
        import numpy as np

        from agrad.evaluation.options import RunOptions

        block = evaluate_block(program, source, tuple(names), [np.array(columns_x), np.array(columns_y)], {},
                               RunOptions())
        if block is not None:
            values = block.value
    except AgradError:
        values = None
    if values is None:
        values = []
        for x, y in zip(columns_x, columns_y):
            try:
                values.append(run(source, {names[0]: x, names[1]: y}, program=program).value)
            except AgradError:
                values.append(math.nan)
    rows = [[v if isinstance(v, float) and math.isfinite(v) else None for v in values[j * GRID:(j + 1) * GRID]]
            for j in range(GRID)]
    return xs, ys, rows


def _axis(low: float, high: float) -> list:
    """GRID points over the path's range, widened by a quarter on each side (a path that does
    not move gets a range of 1 around it)."""
    span = high - low
    if not span > 0:
        span = max(1.0, abs(low))
    low, high = low - span / 4, high + span / 4
    return [low + (high - low) * i / (GRID - 1) for i in range(GRID)]
