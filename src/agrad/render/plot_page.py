"""`agrad plot -o FILE.html`: one self-contained page (templates/plot.html: script and style
inline, a content security policy that forbids loading anything, as the graph page), which
draws the curves as SVG and reads out x, f and the derivatives under the pointer. Numbers go
in as eval's texts (values/write.py), so the readout shows exactly what `agrad eval` prints;
the page reads them with Number() to draw ("nan", "inf" are gaps)."""

from __future__ import annotations

import html
import re
from importlib import resources

from agrad.render.html import script_json
from agrad.values.write import repr_texts

_SLOT = re.compile(r"__AGRAD_(TITLE|DATA)__")


def render(sweep, curves: list, title: str, fit: int | None = None) -> str:
    """The page; fit: how many of the first curves set the y range (plot_terminal.draw's)."""
    data = {"title": title, "name": sweep.name, "x": repr_texts(sweep.x), "fit": len(curves) if fit is None else fit,
            "curves": [{"label": label, "values": None if ys is None else repr_texts(ys)} for label, ys in curves]}
    fill = {"TITLE": html.escape(title, quote=True), "DATA": script_json(data)}
    page = resources.files("agrad.render").joinpath("templates", "plot.html").read_text(encoding="utf-8")
    return _SLOT.sub(lambda m: fill[m.group(1)], page)
