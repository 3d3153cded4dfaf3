"""`agrad plot`'s outputs from a sweep's columns (batch/sweep.py): which renderer makes which
format, and what the drawing says (title, legend labels)."""

from __future__ import annotations

import os
import shutil
import sys

from agrad.values import write as numbers


def curves(sweep) -> list:
    """[(label, values), ...]: f, each derivative, the tangent line."""
    x = sweep.name
    labels = ["f", f"df/d{x}"] + [f"d{k}f/d{x}{k}" for k in range(2, sweep.order + 1)]
    out = list(zip(labels, sweep.columns))
    if sweep.tangent is not None:
        out.append((f"tangent at {x} = {numbers.text(sweep.tangent[0])}", sweep.tangent[3]))
    return out


def title(sweep) -> str:
    """f = EXPR, and the fixed variables' values."""
    fixed = ", ".join(f"{k} = {numbers.text(float(v))}" for k, v in sweep.fixed.items())
    text = f"f = {' '.join(sweep.source.split())}"
    return f"{text}  ({fixed})" if fixed else text


def color_wanted(stream) -> bool:
    """Colour on a terminal that has it: not with NO_COLOR set (no-color.org), nor TERM=dumb,
    nor into a pipe or a file."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def output_bytes(sweep, fmt: str, size: tuple = (None, None), to_stdout: bool = True) -> bytes:
    """The sweep in one of plot's formats: text (the drawing, sized to the terminal unless
    `size` says), csv, json, html, svg, png, pdf."""
    if fmt == "csv":
        from agrad.render.plot_points import csv_text

        return csv_text(sweep).encode("utf-8")
    if fmt == "json":
        from agrad.render.plot_points import json_text

        return json_text(sweep).encode("utf-8")
    if fmt == "html":
        from agrad.render.plot_page import render

        return render(sweep, curves(sweep), title(sweep), fit=len(sweep.columns)).encode("utf-8")
    if fmt in ("svg", "png", "pdf"):
        from agrad.render.plot_image import draw

        return draw(sweep.x, curves(sweep), fmt, title(sweep), sweep.name, fit=len(sweep.columns))
    from agrad.render.plot_terminal import draw, size_for

    columns, lines = shutil.get_terminal_size((80, 24))  # (COLUMNS and LINES first, then the terminal)
    width, height = size_for(size[0] or columns, lines)
    height = size[1] or height
    from agrad.render.visible import visible  # (control characters in a comment: shown, not obeyed)

    color = to_stdout and color_wanted(sys.stdout)
    text = draw(sweep.x, curves(sweep), width, height, color, visible(title(sweep)), visible(sweep.name),
                fit=len(sweep.columns))  # (the tangent line is cut at f's and the derivatives' range)
    return (text + "\n").encode("utf-8")
