"""How a Tensor or a Result shows itself in a notebook: the slot behind their `_repr_html_`,
`_repr_markdown_` and `_repr_latex_` (IPython's display protocol, which Jupyter calls).

The display is drawn by render/notebook.py, two layers above the engine and one above
evaluation, which may not import it, not even inside a function (pyproject.toml's layers). So
the lower layer holds only this slot, and the package's top (agrad/__init__.py, above every
layer) fills it with a function that imports render/notebook.py when something is first shown:
`import agrad` imports neither render nor IPython, and nothing here knows how a picture is drawn.
"""

from __future__ import annotations

_show = None  # (obj, mime) -> text or None, set once by agrad/__init__.py


def set_renderer(show) -> None:
    global _show
    _show = show


def represent(obj, mime: str):
    """obj drawn as `mime` ("text/html", "text/markdown", "text/latex"), or None (IPython then
    uses the next representation) when no renderer is set."""
    return None if _show is None else _show(obj, mime)
