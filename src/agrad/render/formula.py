"""A derivative's formula (evaluation/symbolic.py's Sym DAG) as text: agrad's own language (the
default: `agrad eval "$(agrad diff F --wrt x)" --x 2` gives agrad's gradient), LaTeX, or Python
with torch functions.

Common sub-expressions are named once: a sub-expression that occurs twice or more (compared by
structure), or whose text would be long, becomes a statement `t1 = ...`, so the text grows
linearly with the graph (a 1,000-deep chain gives about 1,000 statements, never an exponential
swell). Nothing recurses: nodes are written in creation order, operands first.

Where an entry of the op table has no function in the language, its kernel is written out as
the float64 kernel computes it (backward_kernels.py: tanh_backward(g, y) is g * (1 - y*y), the
same float); a condition on a variable (relu, max, clamp, x^w's "exponent is 0") has no written
form in agrad's language, and is a FormulaError naming the function.
"""

from __future__ import annotations

import math

from agrad.engine import ops
from agrad.errors import FormulaError
from agrad.render.functions import torch_function

SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
LONG = 72  # a sub-expression longer than this is named, so no text is copied into its users again and again
FORMATS = ("agrad", "latex", "torch")


class _Style:
    """How one format writes each part: templates over the operands' texts."""

    def __init__(self, name):
        self.name = name
        self.latex = name == "latex"
        self.torch = name == "torch"

    def number(self, value: float) -> tuple[str, int]:
        if math.isnan(value):
            return {"agrad": ("(0/0)", ATOM), "latex": (r"\mathrm{NaN}", ATOM), "torch": ("math.nan", ATOM)}[self.name]
        if math.isinf(value):
            text = {"agrad": "1e999", "latex": r"\infty", "torch": "math.inf"}[self.name]
            return (text, ATOM) if value > 0 else ("-" + text, UNARY)
        if value.is_integer() and abs(value) < 1e16 and value != 0 or value == 0 and math.copysign(1.0, value) > 0:
            text = str(int(value))
        else:
            text = repr(value)
            if self.latex and "e" in text:
                mantissa, exponent = text.split("e")
                text = rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
        return (text, UNARY) if text.startswith("-") else (text, ATOM)

    def name_of(self, name: str) -> str:
        if self.latex and len(name) > 1:
            if name[0].isalpha() and name[1:].isdigit():
                return f"{name[0]}_{{{name[1:]}}}"
            return rf"\mathit{{{name}}}"
        return name

    def infix(self, symbol: str, left, right, level: int) -> tuple[str, int]:
        """left symbol right: the left operand at least as tight as level, the right tighter
        (a - (b - c)); for ^ the left is an atom and the right may carry a sign."""
        if symbol == "^":
            base = self.wrap(left, ATOM)
            if self.latex:
                return f"{{{base}}}^{{{right[0]}}}", POWER
            return f"{base}{'**' if self.torch else '^'}{self.wrap(right, UNARY)}", POWER
        if symbol == "/" and self.latex:
            return rf"\frac{{{left[0]}}}{{{right[0]}}}", ATOM
        shown = r" \cdot " if symbol == "*" and self.latex else f" {symbol} "
        return f"{self.wrap(left, level)}{shown}{self.wrap(right, level + 1)}", level

    def call(self, op, texts: list) -> tuple[str, int]:
        called = op.called or op.name
        if self.latex:
            if called == "sqrt":
                return rf"\sqrt{{{texts[0][0]}}}", ATOM
            head = LATEX_FUNCTIONS.get(called, rf"\operatorname{{{called}}}")
            return rf"{head}\left({', '.join(t[0] for t in texts)}\right)", ATOM
        if self.torch:
            called = torch_function(op) or f"torch.{called}"
            if len(texts) > 1:  # torch.atan2(x, 3): torch's functions of two take tensors only
                texts = [(f"torch.tensor({t[0]}, dtype=torch.float64)", ATOM) if _is_number(t[0]) else t
                         for t in texts]
        return f"{called}({', '.join(t[0] for t in texts)})", ATOM

    def wrap(self, part: tuple, level: int) -> str:
        """An operand's text, in parentheses where it binds looser than level."""
        text, tightness = part
        return text if tightness >= level else self.paren(text)

    def paren(self, text: str) -> str:
        return rf"\left({text}\right)" if self.latex else f"({text})"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return text.lstrip("-") in ("math.inf", "math.nan")
    return True


LATEX_FUNCTIONS = {name: "\\" + name for name in ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log")}
LATEX_FUNCTIONS.update({"asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan"})

# The entries with no function of their own in the language, written as their float64 kernels
# compute them (backward_kernels.py, kernels.py), and the infix ones.
_INFIX = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "^": POWER}


def _kernel_form(style: _Style, op, parts: list):
    name = op.name
    one = ("1", ATOM)
    if name == "reciprocal":
        return style.infix("/", one, parts[0], PRODUCT)
    if name == "rsqrt":
        return style.infix("/", one, style.call(ops.TABLE["sqrt"], parts), PRODUCT)
    if name == "sgn":
        return style.call(ops.TABLE["sign"], parts)
    if name in ("tanh_backward", "sigmoid_backward"):
        g, y = parts
        if name == "tanh_backward":  # g * (1 - y*y)
            factor = style.infix("-", one, style.infix("^", y, ("2", ATOM), POWER), SUM)
            return factor if g == one else style.infix("*", g, factor, PRODUCT)  # (1 * a is a)
        factor = style.infix("-", one, y, SUM)  # g * (1 - y) * y
        if g != one:
            factor = style.infix("*", g, factor, PRODUCT)
        return style.infix("*", factor, y, PRODUCT)
    return None


def _write(style: _Style, node, parts: list) -> tuple[str, int]:
    op = node.op
    if op.symbol is not None and op.arity == 1:  # neg
        return f"-{style.wrap(parts[0], UNARY)}", UNARY
    if op.symbol is not None and op.symbol in _INFIX and op.arity == 2:
        return style.infix(op.symbol, parts[0], parts[1], _INFIX[op.symbol])
    written = _kernel_form(style, op, parts)
    if written is not None:
        return written
    if op.public:
        return style.call(op, parts)
    raise FormulaError(f"agrad diff cannot write this derivative: it needs {op.torch} (a case split: "
                       f"{op.derivatives[0]}), which agrad's language has no way to write")


def _writable(node) -> None:
    if node.kind == "mask" or (node.kind == "op" and node.op is ops.WHERE):
        raise FormulaError("agrad diff cannot write this derivative: it depends on a comparison of a variable "
                           "(a case split such as relu's x > 0, max's a > b, clamp's bounds or x^w's w = 0), "
                           "which agrad's language has no way to write")


def _key(node, canon: dict) -> tuple:
    if node.kind == "op":
        return (node.op.name, *[canon[a.id] for a in node.args])
    if node.kind == "variable":
        return ("variable", node.name)
    value = node.value
    return ("constant", repr(value), math.copysign(1.0, value) if value == 0 else 0)


def render(root, fmt: str = "agrad", reserved=()) -> tuple[list, str]:
    """([(name, text), ...] statements, the result's text) of a Sym in a format."""
    style = _Style(fmt)
    nodes = _reachable(root)
    canon, by_key, uses = {}, {}, {}
    for node in nodes:  # creation order: operands first
        _writable(node)
        key = _key(node, canon)
        first = by_key.setdefault(key, node)
        canon[node.id] = first.id
        if first is node and node.kind == "op":
            for a in node.args:
                uses[canon[a.id]] = uses.get(canon[a.id], 0) + 1
    taken = set(reserved)
    fresh = (f"t{k}" for k in range(1, 1 << 62))
    texts, statements = {}, []
    for node in nodes:
        if canon[node.id] != node.id:
            continue
        if node.kind == "variable":
            texts[node.id] = (style.name_of(node.name), ATOM)
            continue
        if node.kind == "constant":
            texts[node.id] = style.number(float(node.value))
            continue
        parts = [texts[canon[a.id]] for a in node.args]
        if node.op.name in ("mul",) and canon[node.args[0].id] == canon[node.args[1].id]:
            text = style.infix("^", parts[0], ("2", ATOM), POWER)  # a*a is a^2: pow's kernel squares
        else:
            text = _write(style, node, parts)
        if node is not root and (uses.get(node.id, 0) > 1 or len(text[0]) > LONG):
            name = next(n for n in fresh if n not in taken)
            statements.append((style.name_of(name), text[0]))
            text = (style.name_of(name), ATOM)
        texts[node.id] = text
    return statements, texts[canon[root.id]][0]


def _reachable(root) -> list:
    seen = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node.id in seen:
            continue
        seen[node.id] = node
        stack.extend(node.args)
    return sorted(seen.values(), key=lambda n: n.id)


def program(root, fmt: str = "agrad", reserved=()) -> str:
    """The formula as one text: agrad's `t1 = ...; t2 = ...; result` on one line, LaTeX's
    statements joined by `\\\\`, Python's one statement a line."""
    statements, result = render(root, fmt, reserved)
    if fmt == "agrad":
        return "; ".join([f"{name} = {text}" for name, text in statements] + [result])
    if fmt == "latex":
        return r" \\ ".join([f"{name} = {text}" for name, text in statements] + [result])
    return "\n".join([f"{name} = {text}" for name, text in statements] + [result])
