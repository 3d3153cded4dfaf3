"""`agrad plot -o FILE.svg|.png|.pdf`: the curves drawn by matplotlib, an optional extra
(`pip install 'agrad[plot]'`): imported only here, and its absence is one usage error that says
how to install it."""

from __future__ import annotations

import io
import math

from agrad.errors import UsageError

MISSING = ("an image (.svg, .png, .pdf) needs matplotlib, which is not installed: pip install 'agrad[plot]' "
           "(or write a page with -o FILE.html, which needs nothing)")


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)  # (no display: a file only)
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(MISSING) from None
    return Figure


def draw(x, curves: list, fmt: str, title: str, xlabel: str, fit: int | None = None) -> bytes:
    """The curves [(label, ys), ...] over x as an image file's bytes. nan and inf are gaps
    (matplotlib breaks a line at nan; inf is made nan first). fit: how many of the first curves
    set the y range (plot_terminal.draw's)."""
    Figure = _pyplot()
    import numpy as np

    figure = Figure(figsize=(8, 5), dpi=100)
    axes = figure.subplots()
    x = np.asarray(x, dtype=np.float64)
    for label, ys in curves:
        if ys is None:
            continue
        ys = np.asarray(ys, dtype=np.float64)
        ys = np.where(np.isfinite(ys), ys, np.nan)
        style = "--" if label.startswith("tangent") else "-"
        axes.plot(x, ys, style, label=label, linewidth=1.6)
    axes.set_title(title if len(title) <= 90 else title[:87] + "...")
    axes.set_xlabel(xlabel)
    axes.axhline(0.0, color="#999999", linewidth=0.6)
    axes.grid(True, alpha=0.3)
    _limit(axes, curves[:fit])
    axes.legend(loc="best")
    figure.tight_layout()
    out = io.BytesIO()
    # No creation date in the file, so that the same plot gives the same bytes.
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}[fmt]
    figure.savefig(out, format=fmt, metadata=metadata)
    return out.getvalue()


def _limit(axes, curves) -> None:
    """The y range of the finite values (a constant gets a band around it)."""
    finite = [v for _, ys in curves if ys is not None for v in map(float, ys) if math.isfinite(v)]
    if not finite:
        return
    low, high = min(finite), max(finite)
    if not high - low > 0:
        pad = abs(low) * 0.5 or 1.0
        low, high = low - pad, high + pad
    margin = (high - low) * 0.05
    axes.set_ylim(low - margin, high + margin)
