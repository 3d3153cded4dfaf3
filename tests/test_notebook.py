"""A Result and a Tensor in a notebook: a real notebook, built with nbformat and executed by
nbclient on an ipykernel running this Python (a kernelspec written to a temporary JUPYTER_PATH),
its outputs read back and checked against hand-derived numbers and against `agrad graph`'s page;
then the HTML output opened in headless Chromium, where the sandboxed frame draws the graph.

(x+w)*2 at x = 3, w = 1: x + w = 4, the output 8; d/dx = d/dw = 2 (the 2 of the product).
"""

import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

import agrad
from agrad.limits import MAX_NOTEBOOK_NODES
from conftest import missing_tool

CELLS = [
    # 0: a Result
    'import agrad\nr = agrad.evaluate("(x+w)*2", x=3, w=1)\nr',
    # 1: a Tensor built by hand, before backward (w unnamed: shown as t0)
    'x = agrad.tensor(3.0, requires_grad=True, name="x")\nw = agrad.tensor(1.0, requires_grad=True)\n'
    'y = (x + w) * 2\ny',
    # 2: after backward, a leaf
    "y.backward()\nx",
    # 3: the same output, now its leaves hold their grads
    "y",
    # 4: a graph past the inline cap: 600 products and 599 sums of one leaf
    f'agrad.evaluate("+".join(["x*x"] * 600), x=1.5)',
    # 5: a vector's gradient
    'agrad.evaluate("sum(v^2)", v=[1, 2, 3])',
]


def _outputs(cell) -> dict:
    """The mime bundle of a cell's execute_result."""
    (result,) = [o for o in cell["outputs"] if o["output_type"] == "execute_result"]
    return result["data"]


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    try:
        import nbformat
        from nbclient import NotebookClient
        import ipykernel  # noqa: F401  (the kernel the notebook runs on)
    except ImportError as exc:
        missing_tool(f"the notebook test needs nbclient, nbformat and ipykernel (pip install '.[test]'): {exc}")
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / "agrad-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "agrad test", "language": "python"}))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    saved = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(home)
    try:
        NotebookClient(nb, kernel_name="agrad-test", timeout=120, resources={"metadata": {"path": str(home)}}).execute()
    finally:
        if saved is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = saved
    for cell in nb.cells:
        errors = [o for o in cell["outputs"] if o["output_type"] == "error" or o.get("name") == "stderr"]
        assert errors == [], (cell["source"], errors)
    nbformat.validate(nb)
    return nb


class _Frames(HTMLParser):
    """The iframes of an HTML output, with their attributes (srcdoc unescaped, as a browser reads it)."""

    def __init__(self):
        super().__init__()
        self.frames = []

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.frames.append(dict(attrs))


def frames(text: str) -> list:
    parser = _Frames()
    parser.feed(text)
    return parser.frames


def plain(text: str) -> str:
    """The HTML output's text as a reader sees it: tags dropped, entities read, frames removed."""
    text = re.sub(r"<iframe.*?</iframe>", "", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_a_result_shows_its_tree_and_gradients_in_html(notebook):
    shown = plain(_outputs(notebook.cells[0])["text/html"])
    lines = shown.splitlines()
    assert lines[0] == "(x+w)*2 = 8.0"
    assert lines[1] == "MulBackward0  (x + w) * 2 = 8.0  grad in 1.0"
    assert "├── AddBackward0  x + w = 4.0  grad in 2.0" in lines
    assert "│   ├── x = 3.0  grad 2.0" in lines and "│   └── w = 1.0  grad 2.0" in lines
    assert lines[-2:] == ["x       3.0   2.0", "w       1.0   2.0"]  # the leaf table


def test_the_html_is_what_agrad_eval_prints(notebook, cli):
    """The tree and the table are agrad eval's pretty output, line for line (at a pipe's width)."""
    eval_text = cli("eval", "(x+w)*2", "--x", "3", "--w", "1").stdout
    assert plain(_outputs(notebook.cells[0])["text/html"]).strip("\n") == eval_text.strip("\n")


def test_the_frame_holds_agrad_graphs_page_sandboxed(notebook, cli, tmp_path):
    (frame,) = frames(_outputs(notebook.cells[0])["text/html"])
    assert frame["sandbox"] == "allow-scripts"  # no allow-same-origin: the page cannot reach the notebook
    page = frame["srcdoc"]
    assert page.startswith("<!DOCTYPE html>")
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
            'script-src \'unsafe-inline\'; img-src data:">') in page
    target = tmp_path / "graph.html"
    assert cli("graph", "(x+w)*2", "--x", "3", "--w", "1", "-o", str(target)).exit_code == 0
    assert page + "\n" == target.read_text(encoding="utf-8")  # the same page, byte for byte


def test_markdown_and_latex(notebook):
    data = _outputs(notebook.cells[0])
    assert data["text/markdown"].splitlines() == [
        "`(x+w)*2` = 8.0 · grad_fn `MulBackward0`", "",
        "| leaf | value | grad |", "|:--|--:|--:|", "| `x` | 3.0 | 2.0 |", "| `w` | 1.0 | 2.0 |"]
    assert data["text/latex"] == (r"$\displaystyle f = \left(x + w\right) \cdot 2 = 8.0,\quad "
                                  r"\frac{\partial f}{\partial x} = 2.0,\quad \frac{\partial f}{\partial w} = 2.0$")
    assert data["text/plain"] == "Result(source='(x+w)*2', value=8.0, grads={'x': 2.0, 'w': 2.0}, grad_fn='MulBackward0')"


def test_a_tensor_shows_value_grad_fn_requires_grad_and_grad(notebook):
    before = _outputs(notebook.cells[1])
    shown = plain(before["text/html"]).splitlines()
    assert shown[0] == "tensor(8.0, grad_fn=<MulBackward0>)"
    assert shown[1] == ("value 8.0  grad_fn MulBackward0  requires_grad True  is_leaf False  "
                        "grad None (not a leaf: only leaves keep .grad, or retain_grad())")
    assert "MulBackward0  (x + t0) * 2.0 = 8.0" in shown
    assert "│   ├── x = 3.0  grad None" in shown and "│   └── t0 = 1.0  grad None" in shown
    assert before["text/markdown"].startswith("`tensor(8.0, grad_fn=<MulBackward0>)`: value 8.0, grad_fn "
                                              "`MulBackward0`, requires_grad True, grad None")
    (frame,) = frames(before["text/html"])
    assert frame["sandbox"] == "allow-scripts" and "Content-Security-Policy" in frame["srcdoc"]
    assert "No backward pass is played here" in plain(before["text/html"])
    leaf = _outputs(notebook.cells[2])
    assert plain(leaf["text/html"]).splitlines() == [
        "tensor(3.0, requires_grad=True)", "value 3.0  grad_fn None  requires_grad True  is_leaf True  grad 2.0"]
    assert frames(leaf["text/html"]) == []  # a leaf has no graph to draw
    assert leaf["text/markdown"] == "`tensor(3.0, requires_grad=True)`: value 3.0, grad_fn None, requires_grad True, grad 2.0"
    after = plain(_outputs(notebook.cells[3])["text/html"]).splitlines()
    assert "│   ├── x = 3.0  grad 2.0" in after and "│   └── t0 = 1.0  grad 2.0" in after


def test_a_big_graph_is_not_drawn_inline_and_the_output_says_so(notebook):
    data = _outputs(notebook.cells[4])
    assert frames(data["text/html"]) == []
    nodes = 1 + 600 + 599
    assert nodes > MAX_NOTEBOOK_NODES
    assert (f"The graph has {nodes:,} nodes, more than the {MAX_NOTEBOOK_NODES:,} a notebook draws inline"
            in plain(data["text/html"]))
    assert "more nodes not drawn" in plain(data["text/html"])  # the tree's own cut
    assert len(data["text/html"]) < 200_000
    # d/dx of 600 x*x at 1.5: 600 * 2 * 1.5
    assert "| `x` | 1.5 | 1800.0 |" in data["text/markdown"]


def test_a_vectors_gradient(notebook):
    data = _outputs(notebook.cells[5])
    assert "| `v` | [1.0, 2.0, 3.0] | [2.0, 4.0, 6.0] |" in data["text/markdown"]
    assert data["text/latex"].endswith(r"\frac{\partial f}{\partial v} = \left[2.0, 4.0, 6.0\right]$")
    assert "v = [1.0, 2.0, 3.0]  shape [3]  grad [2.0, 4.0, 6.0]" in plain(data["text/html"])


# -- without a kernel ---------------------------------------------------------------------------

def test_importing_agrad_imports_neither_render_nor_ipython():
    code = ("import sys, agrad; r = agrad.evaluate('(x+w)*2', x=3, w=1); "
            "print(sorted(m for m in sys.modules if m.startswith(('IPython', 'agrad.render', 'rich'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_drawing_a_result_changes_nothing():
    r = agrad.run("(x+w)*2", {"x": 3, "w": 1}, backward_passes=3)
    assert r.grads == {"x": 6.0, "w": 6.0}
    text = plain(r._repr_html_())
    assert "x = 3.0  grad 6.0" in text  # the result's own grads, after three passes
    assert "The page plays one backward pass of this program, as agrad graph does." in text
    assert r.grads == {"x": 6.0, "w": 6.0} and r.variables["x"].grad.item() == 6.0


def test_drawing_a_tensor_runs_no_backward():
    x = agrad.tensor(2.0, requires_grad=True, name="x")
    calls = []
    x.register_hook(lambda g: calls.append(g))
    y = x * x
    y._repr_html_(), y._repr_markdown_()
    assert x.grad is None and calls == []
    y.backward()  # the graph is still whole: drawing freed nothing
    assert x.grad.item() == 4.0 and len(calls) == 1


def test_user_text_stays_text():
    r = agrad.evaluate("x * 2  # </pre><script>alert(1)</script> `tick`", x=1)
    out = r._repr_html_()
    assert "<script>alert" not in out.split("<iframe")[0]
    (frame,) = frames(out)
    assert "<script>alert" not in frame["srcdoc"]
    md = r._repr_markdown_()
    assert md.startswith("`` x * 2  # </pre><script>alert(1)</script> `tick` `` = 2.0")


def test_latex_leaves_out_a_formula_agrad_diff_cannot_write():
    r = agrad.evaluate("relu(x) * w", x=2, w=3)
    assert r._repr_latex_() == (r"$\displaystyle f = 6.0,\quad \frac{\partial f}{\partial x} = 3.0,\quad "
                                r"\frac{\partial f}{\partial w} = 2.0$")
    y = agrad.evaluate("y = x*w; y + sin(y)", x=0.5, w=2)
    assert r"\frac{\partial f}{\partial x} = \left(1 + \cos\left(x \cdot w\right)\right) \cdot w = 3.0806" in y._repr_latex_()
    assert agrad.jacobian("x^2", x=[1, 2])._repr_latex_() is None  # a vector output: a table, not a line


def test_a_vector_output_without_a_gradient_says_why_no_page():
    out = agrad.jacobian("x^2", x=[1, 2])._repr_html_()
    assert frames(out) == []
    assert "No backward pass to play" in plain(out)
    assert "out[1]   0.0   4.0" in plain(out)


# -- the frame in a browser ----------------------------------------------------------------------

def test_the_frame_draws_the_graph_in_chromium(notebook, tmp_path):
    from test_graph_page import CHROMEDRIVER, CHROMIUM, FLAGS

    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.path.exists(path):
            missing_tool(f"no browser for the notebook's frame: {path} is missing (apt-get install {package})")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    target = tmp_path / "output.html"
    target.write_text("<!DOCTYPE html><meta charset='utf-8'><body>" + _outputs(notebook.cells[0])["text/html"],
                      encoding="utf-8")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(target.as_uri())
        driver.switch_to.frame(driver.find_element("css selector", "iframe.agrad-graph"))
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(
            "return document.body.getAttribute('data-ready') === 'true'"))

        def nodes():
            return driver.execute_script("""return Array.from(document.querySelectorAll('#nodes .node')).map(
                g => Array.from(g.querySelectorAll('text')).map(t => t.textContent));""")

        assert [n[0] for n in nodes()] == ["x", "w", "AddBackward0", "2", "MulBackward0"]
        driver.find_element("id", "end").click()  # both passes played
        shown = {n[0]: n for n in nodes()}
        assert shown["MulBackward0"][2:] == ["value 8.0", "grad in 1.0"]
        assert shown["x"][2:] == ["value 3.0", "grad 2.0"] and shown["w"][2:] == ["value 1.0", "grad 2.0"]
        # the page's script could not reach the notebook around it (an opaque origin)
        assert driver.execute_script("try { return window.parent.document === null; } catch (e) { return 'blocked'; }") \
            == "blocked"
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        driver.quit()


def test_latex_says_no_formula_where_a_hook_changed_the_gradient():
    r = agrad.run("a = x*w; a*a", {"x": 2, "w": 3}, hooks=(("a", "g*10"),))
    # d(a*a)/dx = 2*a*w = 36, times the hook's 10 on a's gradient: 360, with no formula beside it
    assert r._repr_latex_() == (r"$\displaystyle f = 36.0,\quad \frac{\partial f}{\partial x} = 360.0,\quad "
                                r"\frac{\partial f}{\partial w} = 240.0$")
    assert agrad.evaluate("2*3")._repr_latex_() == r"$\displaystyle f = 6.0$"
    assert agrad.run("x*w", {"x": 2, "w": 3}, dtype="float32")._repr_markdown_().startswith("`x*w` = 6.0 (float32)")
