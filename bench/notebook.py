"""What a Result and a Tensor cost to draw in a notebook (render/notebook.py): the time of each
representation and the size of the HTML a notebook file keeps, for a small graph, graphs near
the inline cap (MAX_NOTEBOOK_NODES) and one past it; and what `import agrad` costs with and
without the first drawing (the renderers are imported only then).

    python bench/notebook.py
"""

import subprocess
import sys

import agrad
from agrad.limits import MAX_NOTEBOOK_NODES
from timing import timed

GRAPHS = {
    "(x+w)*2": ("(x+w)*2", {"x": 3, "w": 1}),
    "30 terms, wide": (" + ".join(f"sin(x*{k} + w)*cos(w^2 - x/{k})" for k in range(1, 31)), {"x": 0.3, "w": 0.7}),
    "x*x + ..., 999 nodes": ("+".join(["x*x"] * 499) + "+x", {"x": 1.5}),
    "x*x + ..., 1,200 nodes (past the cap)": ("+".join(["x*x"] * 600), {"x": 1.5}),
}


def main():
    print(f"inline cap: {MAX_NOTEBOOK_NODES:,} nodes")
    for name, (source, bindings) in GRAPHS.items():
        r = agrad.evaluate(source, **bindings)
        nodes = len(r.graph)
        html, seconds = timed(r._repr_html_)
        _, md_seconds = timed(r._repr_markdown_)
        _, tex_seconds = timed(r._repr_latex_)
        per_node = len(html.encode()) / nodes
        print(f"{name}: {nodes:,} nodes; HTML {len(html.encode()) / 1024:,.1f} KiB ({per_node:,.0f} B a node) "
              f"in {seconds * 1000:,.1f} ms; Markdown {md_seconds * 1000:,.2f} ms; LaTeX {tex_seconds * 1000:,.1f} ms")
    x = agrad.tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(300):
        y = agrad.sin(y) * x
    html, seconds = timed(y._repr_html_)
    print(f"a Tensor, 300 sin(y)*x: "
          f"HTML {len(html.encode()) / 1024:,.1f} KiB in {seconds * 1000:,.1f} ms")
    for label, code in (("import agrad", "import agrad"),
                        ("import agrad + the first _repr_html_",
                         "import agrad; agrad.evaluate('(x+w)*2', x=3, w=1)._repr_html_()")):
        best = min(_python_seconds(code) for _ in range(5))
        print(f"{label}: {best * 1000:,.0f} ms (a fresh python, best of 5)")


def _python_seconds(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", f"import time; t = time.perf_counter(); {code}; "
                          "print(time.perf_counter() - t)"], capture_output=True, text=True, check=True)
    return float(out.stdout)


if __name__ == "__main__":
    main()
