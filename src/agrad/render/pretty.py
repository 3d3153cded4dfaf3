"""The pretty output for people: a header (the program and its value), the tree of the graph
from the output down (render/tree.py), then tables of the leaves, of the passes, of the trace,
of higher derivatives and of the Hessian (render/tables.py); a Jacobian is shown as one table
per variable instead of the tree.

Everything fits the width screen.look decided (a terminal's, or PIPE_WIDTH in a pipe); numbers
are rounded to --digits significant digits and never cut; every text that comes from the user
(names, the program, comments, hooks) goes through visible(), so that control characters are
shown, not obeyed. No Rich: the lines are laid out by render/flow.py, which costs about what
writing JSON costs."""

from __future__ import annotations

from agrad.engine import shapes
from agrad.render import screen, shown
from agrad.render.flow import Canvas, flow
from agrad.render.tables import (derivatives_table, hessian_table, jacobian_table, leaf_table, passes_table,
                                 trace_table)
from agrad.render.tree import tree_lines
from agrad.render.visible import visible

MAX_HEADER = 400  # characters of the program shown in the header; a longer one is cut, with its length


def _header(result, canvas: Canvas) -> None:
    look = canvas.look
    source = result.source.strip()
    cut = len(source) > MAX_HEADER
    text = visible(source[:MAX_HEADER]) + (f" … ({len(source):,} characters)" if cut else "")
    pieces = [[(text, "bold")], [("= " + shown.value(result.value, look.digits), "value")]]
    if result.dtype != "float64":
        pieces.append([(f"({result.dtype})", "dim")])
    canvas.extend(flow(pieces, [], [("  ", None)], look.width, sep=" "))


def render(result, no_grad_reason: str | None = None, look: screen.Look = screen.PLAIN) -> str:
    return paint(result, no_grad_reason, look).text()


def paint(result, no_grad_reason: str | None = None, look: screen.Look = screen.PLAIN) -> Canvas:
    """The pretty output's lines of styled segments: render() writes them as text for a
    terminal, render/notebook.py as HTML."""
    canvas = Canvas(look)
    width, digits = look.width, look.digits
    _header(result, canvas)
    if result.jvp is not None:  # forward mode ran in place of backward: no tree of gradients
        canvas.sentence(f"jvp = {shown.value(result.jvp, digits)}", "value")
        canvas.sentence("the Jacobian-vector product for the tangents of --jvp (forward mode, torch.func.jvp)", "dim")
        return canvas
    if result.jacobian is not None:
        for name, j in result.jacobian.items():
            shape = ([len(result.value)] if isinstance(result.value, list) else []) + \
                list(shapes.shape(result.variables[name].value))
            canvas.sentence(f"Jacobian with respect to {visible(name)}, shape {shape}:", "bold")
            lines, note = jacobian_table(name, j, result.value, result.variables[name].value, width, digits)
            canvas.extend(lines)
            if note:
                canvas.sentence(note, "dim")
        return canvas
    if result.gradient is not None:
        canvas.sentence(f"backward from gradient {shown.value(result.gradient, digits)} "
                        "(the vector-Jacobian product)", "dim")
    lines, note = tree_lines(result, width, digits)
    canvas.extend(lines)
    if note:
        canvas.sentence(note, "dim")
    if result.variables or len(result.grads) > len(result.variables):
        canvas.extend(leaf_table(result, width, digits))
    if no_grad_reason:
        canvas.sentence(no_grad_reason, "warn")
    if len(result.passes) > 1:
        canvas.sentence("Backward passes on the same graph:", "bold")
        _add(canvas, passes_table(result, width, digits))
    for k, steps in enumerate(result.trace, 1):
        title = "Backward, step by step" + (f", pass {k}" if len(result.trace) > 1 else "")
        canvas.sentence(f"{title} (the chain rule: each node sends grad in × local derivative to each input; "
                        "a leaf adds what reaches it to its .grad):", "bold")
        _add(canvas, trace_table(steps, width, digits))
    if result.derivatives:
        canvas.sentence("Derivatives of the output, d^k/dx^k for each variable x:", "bold")
        canvas.extend(derivatives_table(result.derivatives, width, digits))
    if result.hessian:
        canvas.sentence("Hessian (second derivatives): row x, column y holds d^2/dx dy:", "bold")
        _add(canvas, hessian_table(result.hessian, width, digits))
    for note in result.notes:
        canvas.sentence(note, "note")
    if result.check is not None:
        from agrad.render import check

        canvas.sentence(check.title(result.check), "bold")
        canvas.extend(check.lines(result.check, width, digits))
        for sentence in check.verdict(result.check):
            canvas.sentence(sentence, "note" if result.check.ok else "warn")
    return canvas


def _add(canvas: Canvas, table_and_note: tuple) -> None:
    lines, note = table_and_note
    canvas.extend(lines)
    if note:
        canvas.sentence(note, "dim")


def settings(stream, digits: int | None = None) -> screen.Look:
    """How pretty output looks on `stream` (stdout), taken once, in the process that owns the
    stream, and given to every renderer (a batch's workers render into strings)."""
    return screen.look(stream, digits)


def error_text(text: str, look: screen.Look) -> str:
    """A job's error in pretty output, in place: the one-shot command's words and caret lines,
    byte for byte (not wrapped: a batch's record of a job is its one-shot output, and the caret
    stays under its column), control characters shown."""
    canvas = Canvas(look)
    for line in text.split("\n"):
        canvas.add([(visible(line), "error")])
    return canvas.text()


def heading(number: int, look: screen.Look) -> str:
    canvas = Canvas(look)
    canvas.add([(f"line {number}", "dim")])
    return canvas.text()
