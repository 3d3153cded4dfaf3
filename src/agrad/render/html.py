"""The graph as one self-contained HTML page that plays the forward and the backward pass.

The page is templates/graph.html (its script and style inline; its content security policy
forbids loading anything) with the picture and the layout injected as JSON. The JSON is escaped
so that no text from the user (a comment can hold `</script>`) can end the script element.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources

from agrad.render.layout import edges, layered
from agrad.render.picture import ROLES, Picture

_SLOT = re.compile(r"__AGRAD_(TITLE|STYLE|DATA)__")
_UNSAFE_IN_SCRIPT = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def template() -> str:
    return resources.files("agrad.render").joinpath("templates", "graph.html").read_text(encoding="utf-8")


def script_json(data) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' left to end the element or open a
    comment (JSON.parse reads the \\u escapes back as the same characters)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _UNSAFE_IN_SCRIPT[m.group()], text)


def render(picture: Picture) -> str:
    inputs = [n.inputs for n in picture.nodes]
    lay = layered(inputs, [n.role in ("input", "input-no-grad") for n in picture.nodes])
    # The layout's routes come in node then argument order; the picture's edges are in that order
    # too, but for the page's dashed edges into a cut, added last: match them by (target, slot).
    route = {(t, slot): bends for (_, t, slot), bends in zip(edges(inputs), lay.bends)}
    bends = [route[(e.target, e.slot)] for e in picture.edges]
    present = list(dict.fromkeys(n.role for n in picture.nodes))
    data = {
        "picture": picture.as_data(),
        "roles": [[role, *ROLES[role]] for role in present],
        "layout": {"layer": lay.layer, "y": [round(v, 3) for v in lay.y],
                   "bends": [[[c, round(y, 3)] for c, y in r] for r in bends], "columns": lay.columns,
                   "height": round(lay.height(), 3)},
    }
    fill = {"TITLE": html.escape(picture.source.strip(), quote=True), "STYLE": _role_styles(),
            "DATA": script_json(data)}
    # One pass, so text put in one slot is never read as the other slot.
    return _SLOT.sub(lambda m: fill[m.group(1)], template())


def _role_styles() -> str:
    rules = []
    for role, (fill, border, dashed, _) in ROLES.items():
        dash = " stroke-dasharray: 5 3;" if dashed else ""
        width = " stroke-width: 2.6;" if role == "output" else ""
        rules.append(f".role-{role} rect {{ fill: {fill}; stroke: {border};{dash}{width} }}")
    return "\n".join(rules)
