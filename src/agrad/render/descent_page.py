"""`agrad minimize -o FILE.html`: one self-contained page (inline SVG, a content security policy
that forbids loading anything, as the graph page's) with the loss curve and, for a
two-variable loss, the path drawn on a shaded grid of the loss around it (batch/descent.py
computes the grid).

Drawn here as SVG elements, so the page needs no script to show it; its one small script
shows the point under the pointer.
"""

from __future__ import annotations

import html
import math

from agrad.render.html import script_json
from agrad.values import write as numbers

WIDTH, HEIGHT, PAD = 560, 420, 64


def _shade(t: float) -> str:
    """A colour from dark blue (low loss) to pale yellow (high), t in [0, 1]."""
    low, high = (35, 52, 110), (250, 240, 180)
    r, g, b = (round(a + (c - a) * t) for a, c in zip(low, high))
    return f"#{r:02x}{g:02x}{b:02x}"


def _scale(low: float, high: float, out_low: float, out_high: float):
    span = (high - low) or 1.0
    return lambda v: out_low + (v - low) / span * (out_high - out_low)


def contour(names: list, curve: list, grid) -> str:
    """The shaded grid (the loss's log, ranked in 24 bands) and the path, start and end marked."""
    xs, ys, rows = grid
    fx = _scale(xs[0], xs[-1], PAD, WIDTH - PAD / 2)
    fy = _scale(ys[0], ys[-1], HEIGHT - PAD, PAD / 2)
    finite = sorted(v for row in rows for v in row if v is not None)
    floor = finite[0] if finite else 0.0
    level = (lambda v: math.log1p(v - floor))
    top = level(finite[-1]) if finite else 1.0
    cw = (fx(xs[-1]) - fx(xs[0])) / (len(xs) - 1)
    ch = (fy(ys[0]) - fy(ys[-1])) / (len(ys) - 1)
    cells = []
    for j, row in enumerate(rows):
        for i, v in enumerate(row):
            colour = "#cccccc" if v is None else _shade(round(24 * level(v) / top) / 24 if top > 0 else 0)
            cells.append(f'<rect x="{fx(xs[i]) - cw / 2:.2f}" y="{fy(ys[j]) - ch / 2:.2f}" width="{cw + 0.3:.2f}" '
                         f'height="{ch + 0.3:.2f}" fill="{colour}"/>')
    path = [(c[2][0], c[2][1]) for c in curve if all(map(math.isfinite, c[2]))]
    points = " ".join(f"{fx(x):.2f},{fy(y):.2f}" for x, y in path)
    (x0, y0), (x1, y1) = path[0], path[-1]
    return (f'<svg id="contour" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
            f'role="img" aria-label="the path on the loss">'
            f'<g id="cells">{"".join(cells)}</g>'
            f'<polyline id="path" points="{points}" fill="none" stroke="#e0245e" stroke-width="2"/>'
            f'<circle id="start" cx="{fx(x0):.2f}" cy="{fy(y0):.2f}" r="5" fill="#ffffff" stroke="#e0245e"/>'
            f'<circle id="end" cx="{fx(x1):.2f}" cy="{fy(y1):.2f}" r="5" fill="#e0245e"/>'
            + _axes(xs[0], xs[-1], ys[0], ys[-1], html.escape(names[0]), html.escape(names[1])) + "</svg>")


def _axes(x_low, x_high, y_low, y_high, x_name: str, y_name: str) -> str:
    def t(v: float) -> str:  # an axis's end, to 4 significant digits
        return f"{v:.4g}"

    return (f'<g class="axes"><text x="{PAD}" y="{HEIGHT - PAD + 18}">{t(x_low)}</text>'
            f'<text x="{WIDTH - PAD / 2}" y="{HEIGHT - PAD + 18}" text-anchor="end">{t(x_high)}</text>'
            f'<text x="{(WIDTH + PAD / 2) / 2}" y="{HEIGHT - 8}" text-anchor="middle">{x_name}</text>'
            f'<text x="{PAD - 6}" y="{HEIGHT - PAD}" text-anchor="end">{t(y_low)}</text>'
            f'<text x="{PAD - 6}" y="{PAD / 2 + 10}" text-anchor="end">{t(y_high)}</text>'
            f'<text x="4" y="{HEIGHT / 2}">{y_name}</text></g>')


def loss_curve(curve: list) -> str:
    """The loss by step, on a log scale when it is positive and spans more than two decades."""
    pts = [(c[0], c[1]) for c in curve if math.isfinite(c[1])]
    logscale = bool(pts) and min(l for _, l in pts) > 0 and max(l for _, l in pts) / min(l for _, l in pts) > 100
    ys = [math.log10(l) if logscale else l for _, l in pts]
    fx = _scale(pts[0][0], pts[-1][0], PAD, WIDTH - PAD / 2)
    fy = _scale(min(ys), max(ys), HEIGHT - PAD, PAD / 2)
    line = " ".join(f"{fx(s):.2f},{fy(y):.2f}" for (s, _), y in zip(pts, ys))
    label = "log10 loss" if logscale else "loss"
    return (f'<svg id="curve" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
            f'aria-label="the loss by step"><polyline id="losses" points="{line}" fill="none" stroke="#1f5fbf" '
            f'stroke-width="2"/>' + _axes(pts[0][0], pts[-1][0], min(ys), max(ys), "step", label) + "</svg>")


def page(source: str, names: list, curve: list, grid) -> str:
    last = curve[-1]
    data = {"steps": [c[0] for c in curve], "loss": [numbers.json_value(c[1]) for c in curve],
            "values": [[numbers.json_value(v) for v in c[2]] for c in curve], "names": names}
    final = ", ".join(f"{html.escape(n)} = {numbers.text(v)}" for n, v in zip(names, last[2]))
    pictures = (contour(names, curve, grid) if grid is not None else "") + loss_curve(curve)
    legend = ("<p id=\"legend\">Left: the loss around the path, darker where it is lower (24 bands of "
              "log(1 + f &minus; min)); the path runs from the white dot (step 0) to the red one. "
              "Right: the loss by step; the pointer over it shows the step.</p>" if grid is not None else
              "<p id=\"legend\">The loss by step; the pointer over it shows the step.</p>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<!-- Self-contained: this page loads nothing from anywhere (the policy below forbids it). -->
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>agrad minimize: {html.escape(source.strip())}</title>
<style>
body {{ font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; color: #1d2733; margin: 16px; }}
h1 {{ font: 600 16px/1.3 "DejaVu Sans Mono", monospace; white-space: pre-wrap; word-break: break-word; }}
.pictures {{ display: flex; flex-wrap: wrap; gap: 16px; }}
svg {{ border: 1px solid #d5dde5; background: #fff; max-width: 100%; height: auto; }}
.axes text {{ font: 12px "DejaVu Sans Mono", monospace; fill: #1d2733; }}
#where {{ font-family: "DejaVu Sans Mono", monospace; min-height: 1.5em; }}
</style>
</head>
<body>
<h1>{html.escape(source.strip())}</h1>
<p id="final">step {last[0]}: loss {numbers.text(last[1])} at {final}</p>
<div class="pictures">{pictures}</div>
{legend}
<p id="where"></p>
<script id="descent" type="application/json">{script_json(data)}</script>
<script>
(function () {{
  var data = JSON.parse(document.getElementById("descent").textContent);
  var curve = document.getElementById("curve");
  curve.addEventListener("mousemove", function (e) {{
    var box = curve.getBoundingClientRect();
    var k = Math.round((e.clientX - box.left) / box.width * (data.steps.length - 1));
    k = Math.max(0, Math.min(data.steps.length - 1, k));
    document.getElementById("where").textContent = "step " + data.steps[k] + ": loss " + data.loss[k] +
      " at " + data.names.map(function (n, i) {{ return n + " = " + data.values[k][i]; }}).join(", ");
  }});
  document.body.setAttribute("data-ready", "true");
}})();
</script>
</body>
</html>
"""
