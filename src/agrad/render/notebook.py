"""A Result or a Tensor in a notebook (IPython's display protocol): `show(obj, mime)` draws it
as HTML, Markdown or LaTeX. Result and Tensor call it through engine/display.py's slot (they sit
below render and may not import it); agrad/__init__.py fills the slot.

- HTML: the pretty tree and the tables `agrad eval` prints (pretty.paint, as HTML), and the graph
  page of `agrad graph -o graph.html` inline, in an <iframe sandbox="allow-scripts" srcdoc=...>:
  the page keeps its own content security policy (nothing loaded from anywhere), and the sandbox
  gives it an opaque origin, so its script cannot reach the notebook. A graph of more than
  MAX_NOTEBOOK_NODES nodes is not drawn inline (the notebook file would carry megabytes), and the
  output says so.
- Markdown: the value, grad_fn and a table of the leaves' gradients (for a viewer that shows no
  HTML). LaTeX (a Result): the output and each gradient as a formula (agrad diff's) and a number.

Drawing never changes what it draws: a Result's page replays the program with trace=True (its
own bindings and options: Result.bindings, Result.options) to play the backward pass; a
Tensor's page plays none, since backward would add into its leaves' .grad and run its hooks.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import replace

from agrad.engine import shapes
from agrad.engine.graph import GraphNode, describe
from agrad.engine.tensor import Tensor
from agrad.errors import AgradError
from agrad.evaluation.api import Result, run
from agrad.evaluation.lessons import no_grad_reason
from agrad.evaluation.options import RunOptions
from agrad.limits import MAX_NOTEBOOK_NODES
from agrad.render import html as page, picture as pictures, pretty, screen, shown
from agrad.render.flow import Canvas, table
from agrad.render.tree import tree_lines
from agrad.render.visible import visible

LOOK = screen.Look(screen.PIPE_WIDTH, False, False)  # a notebook cell shows about a pipe's width
FRAME_HEIGHT = 560  # px: the page's controls, its panel and a few layers of the graph
MAX_ROWS = 50  # leaves in a Markdown table; past it one line says how many more
MAX_FORMULA = 200  # characters of LaTeX per formula; a longer one is left out, its number kept
# agrad diff's cost grows with the program; past this many nodes its formulas are longer than
# MAX_FORMULA anyway (or named statements), so LaTeX shows the numbers without trying
MAX_FORMULA_NODES = 200

_PRE = "font-family:monospace;line-height:1.3;white-space:pre;overflow-x:auto"


def show(obj, mime: str):
    """obj (a Result or a Tensor) as `mime`, or None where that form does not fit it."""
    if isinstance(obj, Result):
        draw = {"text/html": result_html, "text/markdown": result_markdown, "text/latex": result_latex}
    elif isinstance(obj, Tensor):
        draw = {"text/html": tensor_html, "text/markdown": tensor_markdown}
    else:
        return None
    return draw[mime](obj) if mime in draw else None


# -- a Result -------------------------------------------------------------------------------------

def result_html(result: Result) -> str:
    size = len(result.graph)
    traced = _traced(result) if size <= MAX_NOTEBOOK_NODES else None
    shown_result = _with_arrivals(result, traced)
    canvas = pretty.paint(shown_result, no_grad_reason(result), LOOK)
    parts = [f'<pre class="agrad-tree" style="{_PRE}">{canvas.html()}</pre>']
    parts += _page(traced, size, _replay_note(result))
    return _box(parts)


def result_markdown(result: Result) -> str:
    head = f"{_code(result.source.strip())} = {_number(result.value)}"
    head += f" ({result.dtype})" if result.dtype != "float64" else ""
    head += f" · grad_fn {_code(result.grad_fn)}" if result.grad_fn else " · requires no grad"
    rows = []
    for name, g in result.grads.items():
        leaf = result.variables.get(name)
        value = _number(leaf.value) if leaf is not None else "(retained)"
        rows.append(f"| {_code(name)} | {value} | {_number(g)} |")
    if not rows:
        return head
    lines = [head, "", "| leaf | value | grad |", "|:--|--:|--:|"] + rows[:MAX_ROWS]
    if len(rows) > MAX_ROWS:
        lines.append(f"\n… {len(rows) - MAX_ROWS} more leaves (`result.grads` holds them all)")
    return "\n".join(lines)


def result_latex(result: Result) -> str | None:
    """$f = formula = value$ and, per variable, $∂f/∂x = formula = gradient$; a formula agrad
    diff cannot write (relu, a vector, a long program) is left out and the number kept."""
    if not isinstance(result.value, float):
        return None  # a vector output: its Jacobian is a table, not a line
    f = _output_name(result)
    names = [n for n in result.grads if n in result.variables]
    forward, derivatives = _formulas(result, names)
    terms = [f"{f} = " + (forward + " = " if forward and not _is_number(forward) else "") + _latex_number(result.value)]
    for name in names:
        g = result.grads[name]
        if g is None:
            continue
        d = derivatives.get(name)
        formula = d + " = " if d and not _is_number(d) else ""  # (2 = 2.0 would say nothing)
        terms.append(rf"\frac{{\partial {f}}}{{\partial {_latex_name(name)}}} = {formula}{_latex_value(g)}")
    return "$\\displaystyle " + r",\quad ".join(terms) + "$"


def _traced(result: Result):
    """The result with one backward pass recorded step by step (the page plays it): the result
    itself when it has a trace, else the same program run again with trace=True and the options
    that change the graph (as `agrad graph` runs it); None when that run fails (a vector output
    without a gradient has no backward pass)."""
    if result.trace:
        return result
    if result.options is None:
        return None
    o = result.options
    try:
        return run(result.source, result.bindings, RunOptions(
            no_grad=o.no_grad, retain_grad=o.retain_grad, hooks=o.hooks, dtype=o.dtype, gradient=o.gradient,
            trace=True, max_source_bytes=o.max_source_bytes, max_nodes=o.max_nodes,
            max_backward_steps=o.max_backward_steps))
    except AgradError:
        return None


class _Arrived:
    """A Result that also knows the gradient that reached each op (what the pretty tree writes as
    `grad in`), taken from the traced run of the same program: node k of one graph is node k of
    the other (graph.describe's order is the program's)."""

    def __init__(self, result: Result, grads_in: dict):
        self._result = result
        self.grads_in = grads_in

    def __getattr__(self, name):
        return getattr(self._result, name)


def _with_arrivals(result: Result, traced):
    if traced is None or traced is result or result.trace or getattr(result, "grads_in", None):
        return result
    nodes = result.graph
    if len(traced.graph) != len(nodes) or not traced.trace:
        return result
    return _Arrived(result, {id(nodes[step["id"]].tensor): step["grad_in"] for step in traced.trace[-1]})


def _replay_note(result: Result) -> str | None:
    o = result.options
    if o is not None and (o.backward_passes > 1 or o.order or o.hessian or o.jacobian or o.jvp):
        return "The page plays one backward pass of this program, as agrad graph does."
    return None


def _output_name(result: Result) -> str:
    out = result.output
    name = out.name if out.op is not None and out.name and out.name.isidentifier() else "f"
    return _latex_name(name)


def _formulas(result: Result, names: list) -> tuple[str | None, dict]:
    """The output's formula and each variable's derivative, in LaTeX, where agrad diff writes
    them: scalar variables only, short formulas only."""
    if result.options is not None and result.options.hooks:
        return None, {}  # a hook changes the gradients: the formula would not be the number beside it
    if len(result.graph) > MAX_FORMULA_NODES or any(not isinstance(result.variables[n].value, float) for n in names):
        return None, {}
    from agrad.evaluation import symbolic
    from agrad.render import formula
    from agrad.render.derivative import diff

    try:
        forward = formula.program(symbolic.forward(result.source)[1], "latex")
        derivatives = diff(result.source, names, fmt="latex") if names else {}
    except AgradError:
        return None, {}
    return _short_formula(forward), {n: _short_formula(d) for n, d in derivatives.items()}


def _short_formula(text: str) -> str | None:
    # a formula with statements (t_1 = ..., joined by \\) spans lines: it is not one line of math
    return text if "\n" not in text and "\\\\" not in text and len(text) <= MAX_FORMULA else None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- a Tensor ---------------------------------------------------------------------------------------

class _TensorGraph:
    """A Tensor's graph, drawn as a Result's is (the tree and the page read these fields). A
    leaf without a name (agrad.tensor(3.0, requires_grad=True)) is called t0, t1, ... here, so
    two of them are told apart; agrad.tensor(..., name="x") names one. No backward pass is
    recorded: the leaves show their .grad as it stands."""

    def __init__(self, t: Tensor):
        names = (f"t{k}" for k in itertools.count())
        self.graph = [replace(n, kind="variable", label=next(names)) if _unnamed_leaf(n) else n
                      for n in describe(t)]
        text = pictures._expressions(self.graph)[-1]
        self.source = text[0] if text else self.graph[-1].label
        self.value = shapes.to_python(t.value)
        self.trace: list = []
        self.gradient = None
        self.grads_in: dict = {}


def _unnamed_leaf(n: GraphNode) -> bool:
    return n.kind == "value" and n.tensor.name is None and n.tensor.label is None


def tensor_html(t: Tensor) -> str:
    canvas = Canvas(LOOK)
    canvas.add([(repr(t), "bold")])
    canvas.add([(f"value {shown.value(t.value, LOOK.digits)}", "value"), ("  grad_fn ", "dim"),
                (t.op.grad_fn, "op") if t.op is not None else ("None", None), (f"  requires_grad {t.requires_grad}", None),
                (f"  is_leaf {t.is_leaf}", None), (f"  grad {_grad_text(t)}", None)])
    parts = [f'<pre class="agrad-tensor" style="{_PRE}">{canvas.html()}</pre>']
    if t.op is None:
        return _box(parts)
    view = _TensorGraph(t)
    size = len(view.graph)
    canvas = Canvas(LOOK)
    lines, note = tree_lines(view, LOOK.width, LOOK.digits)
    canvas.extend(lines)
    if note:
        canvas.sentence(note, "dim")
    leaves = [n for n in view.graph if n.kind == "variable"]
    if leaves:
        rows = [[visible(n.label), shown.value(n.value, LOOK.digits), str(n.tensor.requires_grad),
                 shown.value(n.grad, LOOK.digits)] for n in leaves[:MAX_ROWS]]
        canvas.extend(table(["leaf", "value", "requires_grad", "grad"], rows, LOOK.width, {1, 3},
                            styles=["variable", None, None, None], fallback="records"))
        if len(leaves) > MAX_ROWS:
            canvas.sentence(f"… {len(leaves) - MAX_ROWS} more leaves", "dim")
    parts.append(f'<pre class="agrad-tree" style="{_PRE}">{canvas.html()}</pre>')
    parts += _page(view if size <= MAX_NOTEBOOK_NODES else None, size,
                   "No backward pass is played here: the leaves show their .grad as it stands.")
    return _box(parts)


def tensor_markdown(t: Tensor) -> str:
    grad_fn = _code(t.op.grad_fn) if t.op is not None else "None"
    return (f"{_code(repr(t))}: value {_number(shapes.to_python(t.value))}, grad_fn {grad_fn}, "
            f"requires_grad {t.requires_grad}, grad {_grad_text(t)}")


def _grad_text(t: Tensor) -> str:
    """t.grad as text, read without torch's warning about a non-leaf's .grad (that is said)."""
    if t.op is not None and not t.retains_grad:
        return "None (not a leaf: only leaves keep .grad, or retain_grad())"
    return shown.value(None if t._grad is None else t._grad.value, LOOK.digits)


# -- shared ------------------------------------------------------------------------------------------

def _page(drawn, size: int, note: str | None) -> list:
    """The graph page in a sandboxed frame, or a line that says why it is not drawn."""
    if drawn is None and size > MAX_NOTEBOOK_NODES:
        return [_note(f"The graph has {size:,} nodes, more than the {MAX_NOTEBOOK_NODES:,} a notebook draws "
                      "inline (the tree above is cut too). `agrad graph EXPR ... -o graph.html` writes its "
                      "page (up to 20,000 nodes).")]
    if drawn is None:
        return [_note("No backward pass to play: the page is not drawn (a vector output needs a gradient "
                      "to start backward from, as in torch).")]
    text = page.render(pictures.build(drawn))
    title = html.escape("the graph of " + drawn.source.strip()[:80], quote=True)
    frame = (f'<iframe class="agrad-graph" sandbox="allow-scripts" title="{title}" '
             f'style="width:100%;height:{FRAME_HEIGHT}px;border:1px solid #ccc;border-radius:4px" '
             f'srcdoc="{html.escape(text, quote=True)}"></iframe>')
    return [frame] + ([_note(note)] if note else [])


def _note(text: str) -> str:
    return f'<p class="agrad-note" style="opacity:0.75;font-size:90%">{html.escape(text)}</p>'


def _box(parts: list) -> str:
    return '<div class="agrad">' + "\n".join(parts) + "</div>"


def _number(value) -> str:
    return "None" if value is None else shown.value(value, LOOK.digits)


def _code(text: str) -> str:
    """Markdown code: a fence longer than any run of backticks inside, so user text stays code."""
    text = visible(text).replace("\n", " ")
    fence = "`" * (1 + max(map(len, re.findall("`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _latex_name(name: str) -> str:
    name = name.replace("_", r"\_")
    return rf"\mathit{{{name}}}" if len(name) > 1 else name


def _latex_value(value) -> str:
    """A number, or a vector as \\left[...\\right], abbreviated past 8 elements as the tree does."""
    if not isinstance(value, list):
        return _latex_number(value)
    items = [_latex_number(v) for v in value]
    if len(items) > 8:
        items = items[:3] + [r"\ldots"] + items[-3:]
    return r"\left[" + ", ".join(items) + r"\right]"


def _latex_number(value: float) -> str:
    text = shown.number(value, LOOK.digits)
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    if text == "nan":
        return r"\mathrm{nan}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return text
