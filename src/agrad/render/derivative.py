"""`agrad diff`, `agrad diff -` and `agrad.diff`: a program's derivatives as formulas
(evaluation/symbolic.py computes them, formula.py writes them), and `--steps`, the chain rule
as it was applied, node by node, in the words of the HTML page (picture.py).
"""

from __future__ import annotations

import json
import re

from agrad.errors import LimitError, UsageError
from agrad.evaluation import symbolic
from agrad.language.names import is_name
from agrad.limits import check_source
from agrad.render import formula

MAX_ORDER = 6  # each order's graph is a few times the last one's: order 6 of a small program is large already
MAX_STEPS_NODES = 200  # --steps writes every gradient out in full: for programs a person reads


def diff(source: str, wrt, order: int = 1, fmt: str = "agrad", vectors=()) -> dict:
    """{name: the order-th derivative of the program with respect to name, as text in fmt}
    (agrad, latex or torch), in wrt's order. A name the program does not use gets 0. vectors:
    the variables that are vectors (of any length; elementwise functions, sum, dot and norm)."""
    wrt = [wrt] if isinstance(wrt, str) else list(wrt)
    vectors = [vectors] if isinstance(vectors, str) else list(vectors)
    _check(wrt + vectors, order, fmt)
    check_source(source)
    results = symbolic.derivatives(source, wrt, order, vectors=vectors)
    # a statement's name differs from every name of the source, so the formula can be run with
    # the source's bindings
    reserved = set(wrt) | set(re.findall(r"[^\W\d]\w*", source))
    return {name: formula.program(sym, fmt, reserved=reserved | _used(sym)) for name, sym in results.items()}


def notes() -> list[str]:
    """What the last diff() left out: the rules whose case at single points was dropped."""
    return [f"{name}'s rule has a case at single points (an equality) that the formula leaves out: it differs "
            "from agrad's gradient there only" for name in symbolic.assumed()]


def _check(wrt: list, order: int, fmt: str) -> None:
    if not wrt:
        raise UsageError("agrad diff needs --wrt NAME: the variable to differentiate with respect to")
    for name in wrt:
        if not is_name(name):
            raise UsageError(f"--wrt {name}: not a variable name")
    if not 1 <= order <= MAX_ORDER:
        raise LimitError(f"--order {order}: agrad diff writes derivatives of order 1 to {MAX_ORDER}")
    if fmt not in formula.FORMATS:
        raise UsageError(f"--format {fmt}: agrad diff writes {', '.join(formula.FORMATS)}")


def _used(root) -> set:
    """The variables' names in a formula: a statement's name must differ from them."""
    seen, stack, names = set(), [root], set()
    while stack:
        node = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        if node.kind == "variable":
            names.add(node.name)
        stack.extend(node.args)
    return names


def text(results: dict, fmt: str, as_json: bool = False) -> str:
    """The output: JSON {"x": "...", ...}; else one variable's formula alone, several each
    labelled, `x: formula` a line (torch's Python: a `# x` line above each)."""
    if as_json:
        return json.dumps(results, ensure_ascii=False)
    if len(results) == 1:
        return next(iter(results.values()))
    if fmt == "torch":
        return "\n".join(f"# {name}\n{body}" for name, body in results.items())
    return "\n".join(f"{name}: {body}" for name, body in results.items())


# -- --steps -----------------------------------------------------------------------------------

def steps(source: str, wrt, vectors=()) -> list[str]:
    """The chain rule as backward applied it, a sentence a line, in the HTML page's words."""
    wrt = [wrt] if isinstance(wrt, str) else list(wrt)
    vectors = list(vectors)
    _check(wrt + vectors, 1, "agrad")
    check_source(source)
    variables, output = symbolic.forward(source, vectors)
    if len(symbolic._needing_grad(output)) > MAX_STEPS_NODES:
        raise LimitError(f"--steps explains programs of up to {MAX_STEPS_NODES} nodes; this one has more")
    reserved = set(variables)
    taken: list = []
    symbolic.backward(output, [variables[n] for n in wrt if n in variables], taken)

    def say(sym) -> str:
        return formula.program(sym, "agrad", reserved)

    lines = []
    received: dict = {}
    for k, (node, g, sent) in enumerate(taken):
        h = say(node)
        if node.kind == "variable":
            arrived = received.get(node.id, [])
            total = " + ".join(arrived)
            total = total if total == say(g) else f"{total} = {say(g)}" if total else say(g)
            lines.append(f"{h} is a leaf: AccumulateGrad stores its gradient, {h}.grad = {total}.")
            continue
        label = node.op.grad_fn
        if k == 0:
            lines.append(f"Backward starts at the output {h}: its gradient is ∂out/∂out = 1.")
        else:
            lines.append(f"{h} ({label}) receives ∂out/∂({h}) = {say(g)}.")
        lines.append(f"{label} multiplies it by each local derivative (the chain rule):")
        for i, source_node, contribution in sent:
            local = _local(node, i)
            hi = say(source_node)
            lines.append(f"  ∂({h})/∂({hi}) = {local}, so the gradient sent to {hi} is "
                         f"{_operand(say(g))} × {_operand(local)} = {say(contribution)}.")
            received.setdefault(source_node.id, []).append(say(contribution))
    lines.append("Backward is done. " + "; ".join(
        f"{name}.grad = {formula.program(sym, 'agrad', reserved)}"
        for name, sym in symbolic.derivatives(source, wrt, vectors=vectors).items()) + ".")
    return lines


def _operand(text: str) -> str:
    """A factor of the chain rule's product: in parentheses where it has an operator or a
    statement outside any parentheses, or a sign."""
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and ch in " ;":
            return f"({text})"
    return f"({text})" if text.startswith("-") else text


def _local(node, i: int) -> str:
    """The node's local derivative with respect to its input i: the rule run on a gradient of 1."""
    return formula.program(node.op.grads[i](symbolic.constant(1.0), node, *node.args), "agrad", set())


# -- a batch: one program a line ------------------------------------------------------------------

def batch_lines(lines, wrt, order: int = 1, fmt: str = "agrad", vectors=()):
    """For `agrad diff -`: one JSON line per program line (blank lines and # comments skipped),
    {"line": n, "diff": {name: formula}} or {"line": n, "error": {"kind", "message"}}; yields
    (the JSON text, whether it failed)."""
    from agrad.errors import AgradError

    _check(list(wrt), order, fmt)
    for n, line in enumerate(lines, 1):
        source = line.strip()
        if not source or source.startswith("#"):
            continue
        try:
            record = {"line": n, "diff": diff(source, wrt, order, fmt, vectors)}
        except AgradError as exc:
            record = {"line": n, "error": {"kind": exc.kind, "message": exc.message}}
        yield json.dumps(record, ensure_ascii=False), "error" in record
