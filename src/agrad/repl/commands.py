"""The session's `:commands`: each takes the session and the words after its name and returns a
Reply (session.py). They call what `agrad eval`, `agrad diff` and the Python API call, on the
session's own tensors, so each shows what those show.

:backward keeps the graph by default (retain_graph=True), as `agrad eval --backward N` runs its
passes on one graph: the session is where gradients are watched adding up, and torch frees a
graph that saved values (MulBackward0 saves its 2 in `(x + w) * 2`) after one pass. Torch's own
default is one option away, `:backward y retain_graph=False`, after which the next pass through
that graph raises torch's error, word for word.
"""

from __future__ import annotations

import difflib
import textwrap

from agrad.engine import shapes
from agrad.engine.autograd import backward, expect_passes
from agrad.engine.graph import describe
from agrad.engine.tensor import NONLEAF_GRAD_WARNING
from agrad.engine.trace import record
from agrad.errors import UsageError
from agrad.evaluation.lessons import no_grad_reason
from agrad.language.names import is_name
from agrad.limits import PRETTY_ROWS
from agrad.render import check as check_text, pretty
from agrad.render.flow import Canvas, table
from agrad.render.tables import trace_table
from agrad.render.visible import visible
from agrad.repl.programs import program_of
from agrad.repl.reply import Reply

HELP = [
    ("NAME = EXPR", "assign: numbers alone make a leaf that requires grad (x = 3, v = [1, 2]); "
                    "else the graph is built on the session's tensors, and its value and grad_fn shown"),
    ("EXPR", "show a value"),
    (":backward NAME [N] [retain_graph=False]", "N backward passes (1) from NAME, adding into the leaves' .grad; "
                                                "the graph is kept unless retain_graph=False (torch's default)"),
    (":grad NAME", "NAME.grad (None before a backward pass, or after :zero_grad)"),
    (":zero_grad [NAME ...]", "set .grad to None: every leaf's, or the names'"),
    (":tree NAME", "the graph under NAME, as agrad eval draws it, with the last pass's gradients"),
    (":trace NAME", "the last backward pass from NAME, step by step (the chain rule)"),
    (":no_grad NAME", "NAME.requires_grad_(False), for a leaf (agrad eval --no-grad)"),
    (":no_grad STATEMENT", "the statement under torch.no_grad(): no graph recorded"),
    (":detach STATEMENT", "the statement's value detached from the graph (z = y gives y.detach())"),
    (":check NAME", "NAME's gradients against central differences (agrad eval --check)"),
    (":diff NAME X", "the derivative of NAME with respect to X as a formula (agrad diff)"),
    (":plot NAME X A:B[:N]", "NAME and dNAME/dX drawn for X from A to B (N points, 201), the other leaves at "
                             "their values (agrad plot)"),
    (":vars", "every name: value, grad_fn or leaf, .grad"),
    (":reset", "forget every name"),
    (":help", "this list"),
    (":quit", "leave (Ctrl-D too)"),
]

COMMANDS = ("backward", "grad", "zero_grad", "tree", "trace", "no_grad", "detach", "check", "diff", "plot",
            "vars", "reset", "help", "quit")


def run(session, line: str):
    word, _, rest = line[1:].partition(" ")
    rest = rest.strip()
    if word not in COMMANDS:
        close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)
        hint = f": did you mean :{close[0]}?" if close else " (:help lists the commands)"
        raise UsageError(f"unknown command ':{visible(word)}'{hint}")
    return RUN[word](session, rest)


def _reply(**fields) -> Reply:
    return Reply(**fields)


def _names(rest: str, command: str, least: int, most: int | None) -> list[str]:
    words = rest.split()
    usage = next(u for u, _ in HELP if u == f":{command}" or u.startswith(f":{command} "))
    if len(words) < least or (most is not None and len(words) > most):
        raise UsageError(f":{command} takes {usage[len(command) + 2:] or 'nothing'}, as in {usage}")
    for w in words:
        if not is_name(w):
            raise UsageError(f":{command}: '{visible(w)}' is not a name ({usage})")
    return words


# -- backward and gradients -----------------------------------------------------------------

def _backward(session, rest: str):
    words = rest.split()
    retain = True
    if words and words[-1] in ("retain_graph=False", "retain_graph=True"):
        retain = words.pop().endswith("True")
    passes = 1
    if len(words) == 2 and words[1].isdigit() and int(words[1]) >= 1:
        passes = int(words.pop())
    if len(words) != 1 or not is_name(words[0]):
        raise UsageError(":backward takes a name, then a number of passes and retain_graph=False if wanted, "
                         "as in :backward y 3")
    out = session.tensor(words[0])
    if passes > 1:
        expect_passes(out, passes)  # refused before the first pass when the passes cannot fit the budget
    for _ in range(passes - 1):
        backward(out, retain_graph=retain)
    # the last pass is recorded, for :trace and :tree (only the last: recording costs a local
    # derivative per edge, which N passes need not pay N times)
    arrived: dict = {}

    def run_pass(on_step):
        def step(tensor, g, sent):
            arrived[id(tensor)] = g.value
            on_step(tensor, g, sent)

        backward(out, retain_graph=retain, on_step=step)

    steps = record(out, run_pass, describe(out) if out.requires_grad else [])
    session.passes[id(out)] = (out, steps, arrived)
    return _reply()


def _grad(session, rest: str):
    (name,) = _names(rest, "grad", 1, 1)
    t = session.tensor(name)
    if t.op is not None and not t.retains_grad:
        return _reply(value="None", body=f"agrad: warning: {NONLEAF_GRAD_WARNING}")
    return _reply(value="None" if t._grad is None else session.number(t._grad.value))


def _zero_grad(session, rest: str):
    names = _names(rest, "zero_grad", 0, None)
    for t in [session.tensor(n) for n in names] if names else session.leaves():
        t._grad = None  # optimizer.zero_grad()'s set_to_none, as agrad eval --zero-grad
    return _reply()


# -- pictures of the graph --------------------------------------------------------------------

def _tree(session, rest: str):
    from agrad.evaluation.api import Result

    (name,) = _names(rest, "tree", 1, 1)
    out = session.tensor(name)
    nodes = describe(out)
    leaves: dict = {}
    for node in nodes:
        t = node.tensor
        if t.op is None and t.name is not None and not t.is_number and t.name not in leaves:
            leaves[t.name] = t
    grads = {n: None if t._grad is None else shapes.to_python(t._grad.value) for n, t in leaves.items()}
    definition = session.definitions.get(id(out))
    result = Result(definition.text if definition else name, shapes.to_python(out.value), grads, out, leaves,
                    used=list(leaves))
    result._graph = nodes
    last = session.passes.get(id(out))
    result.grads_in = last[2] if last else {}
    return _reply(body=pretty.render(result, no_grad_reason(result), session.look).rstrip("\n"))


def _trace(session, rest: str):
    (name,) = _names(rest, "trace", 1, 1)
    out = session.tensor(name)
    last = session.passes.get(id(out))
    if last is None:
        return _reply(body=f"no backward pass from {name} yet: :backward {name} runs one")
    canvas = Canvas(session.look)
    canvas.sentence("Backward, step by step (the chain rule: each node sends grad in × local derivative to each "
                    "input; a leaf adds what reaches it to its .grad):", "bold")
    lines, note = trace_table(last[1], session.look.width, session.look.digits)
    canvas.extend(lines)
    if note:
        canvas.sentence(note.replace("--format json", "agrad eval --trace --format json"), "dim")
    return _reply(body=canvas.text().rstrip("\n"))


# -- cutting the graph --------------------------------------------------------------------------

def _no_grad(session, rest: str):
    if is_name(rest) and rest in session.names:
        session.names[rest].requires_grad_(False)  # torch's error for a non-leaf
        return _reply()
    if not rest:
        raise UsageError(":no_grad takes a leaf's name (x.requires_grad_(False)) or a statement (z = x * 2)")
    return session.statements(rest, "no_grad")


def _detach(session, rest: str):
    if not rest:
        raise UsageError(":detach takes a statement, as in :detach d = y")
    return session.statements(rest, "detach")


# -- gradients checked, derivatives written -----------------------------------------------------

def _check(session, rest: str):
    from agrad.evaluation.api import run

    (name,) = _names(rest, "check", 1, 1)
    program = program_of(session, name)
    checked = run(program.source, program.bindings, no_grad=program.no_grad, check=1).check
    look = session.look
    canvas = Canvas(look)
    canvas.sentence(check_text.title(checked), "bold")
    canvas.extend(check_text.lines(checked, look.width, look.digits))
    for sentence in check_text.verdict(checked):
        canvas.sentence(sentence, "note" if checked.ok else "warn")
    return _reply(body=canvas.text().rstrip("\n"), ok=checked.ok)


def _diff(session, rest: str):
    from agrad.render import derivative

    name, *wrt = _names(rest, "diff", 2, None)
    program = program_of(session, name)
    formulas = derivative.diff(program.source, wrt, vectors=program.vectors)
    lines = [derivative.text(formulas, "agrad")]
    lines += [f"agrad: note: {note}" for note in derivative.notes()]
    return _reply(body="\n".join(lines))


def _plot(session, rest: str):
    """agrad plot's drawing of the program that computed NAME, X swept, the other leaves bound to
    their values now (what `agrad plot PROGRAM --X A:B --w ...` draws)."""
    import shutil

    from agrad.batch.sweep import parse_range, sweep
    from agrad.render.plot import curves, title
    from agrad.render.plot_terminal import draw, size_for

    words = rest.split()
    if len(words) != 3 or not is_name(words[0]) or not is_name(words[1]):
        raise UsageError(":plot takes a name, the variable to sweep and its range, as in :plot y x -3:3 "
                         "(or -3:3:101 for 101 points)")
    name, x, spec = words
    program = program_of(session, name)
    if x not in program.bindings:
        leaves = ", ".join(program.bindings) or "none"
        raise UsageError(f":plot {name} {x}: '{x}' is not a leaf of {name}'s graph (its leaves: {leaves})")
    if x in program.no_grad:
        raise UsageError(f":plot {name} {x}: {x} requires no grad, so d{name}/d{x} is None: "
                         f"make it a leaf that requires grad ({x} = {session.number(session.tensor(x).value)})")
    fixed = {k: v for k, v in program.bindings.items() if k != x}
    columns = sweep(program.source, parse_range(x, spec), fixed)
    # the session's width; a height from the terminal's lines (24 in a pipe), as agrad plot's
    width, height = size_for(session.look.width, shutil.get_terminal_size((80, 24)).lines)
    text = draw(columns.x, curves(columns), width, height, session.look.color, visible(title(columns)),
                visible(x), fit=len(columns.columns))
    return _reply(body=text.rstrip("\n"))


# -- the session ----------------------------------------------------------------------------------

def _vars(session, rest: str):
    _names(rest, "vars", 0, 0)
    if not session.names:
        return _reply(body="no names yet: x = 3 makes one")
    look = session.look
    rows = []
    for name, t in list(session.names.items())[:PRETTY_ROWS]:
        kind = t.op.grad_fn if t.op is not None else "leaf" if t.requires_grad else "leaf (no grad)"
        grad = "" if t.op is not None and not t.retains_grad else "None" if t._grad is None else \
            session.number(t._grad.value)
        rows.append([visible(name), session.number(t.value), kind, grad])
    canvas = Canvas(look)
    canvas.extend(table(["name", "value", "grad_fn", "grad"], rows, look.width, {1, 3},
                        styles=["variable", None, "op", None], fallback="records"))
    left = len(session.names) - PRETTY_ROWS
    if left > 0:
        canvas.sentence(f"... {left:,} more names not shown", "dim")
    return _reply(body=canvas.text().rstrip("\n"))


def _reset(session, rest: str):
    _names(rest, "reset", 0, 0)
    session.reset()
    return _reply()


def _help(session, rest: str):
    _names(rest, "help", 0, 0)
    width = max(len(usage) for usage, _ in HELP) + 2
    room = max(20, session.look.width - width)
    lines = []
    for usage, words in HELP:
        wrapped = textwrap.wrap(words, room) or [""]
        lines.append(f"{usage:<{width}}{wrapped[0]}")
        lines += [" " * width + more for more in wrapped[1:]]
    return _reply(body="\n".join(lines))


def _quit(session, rest: str):
    return _reply(quit=True)


RUN = {"backward": _backward, "grad": _grad, "zero_grad": _zero_grad, "tree": _tree, "trace": _trace,
       "no_grad": _no_grad, "detach": _detach, "check": _check, "diff": _diff, "plot": _plot, "vars": _vars, "reset": _reset,
       "help": _help, "quit": _quit}
