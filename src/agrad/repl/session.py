"""One `agrad repl` session: named tensors that live from one line to the next, and a line in,
text out. No terminal here (repl/terminal.py and repl/pipe.py read the lines), so the session is
tested as plain code.

A statement of the language runs on the engine with the session's tensors as its variables
(evaluation/lowering.py takes live Tensors), so `y = (x + w) * 2` builds its graph on the same
leaf `x` every later `:backward y` adds into: the state a one-shot `agrad eval` cannot keep.
Assigning an expression of numbers alone (`x = 3`, `v = [1, 2, 3]`, `t = pi/4`) makes a new leaf
that requires grad, as `torch.tensor(3.0, requires_grad=True)`; anything else is the tensor the
expression computed, named.

Each line runs as one evaluation with its own cost budget (limits.py), as `agrad eval` does.
"""

from __future__ import annotations

from typing import NamedTuple

from agrad.engine.budget import Budget
from agrad.engine.tensor import Tensor, enter_evaluation, leave_evaluation, set_grad_enabled
from agrad.errors import AgradError, BindingError, UnboundVariableError, UnknownNameError
from agrad.evaluation.lowering import lower
from agrad.language import syntax_tree as st
from agrad.language.names import CONSTANTS
from agrad.language.parser import parse
from agrad.limits import check_source, cost_limit
from agrad.render import screen, shown
from agrad.render.errors import error_text
from agrad.render.visible import visible
from agrad.repl import commands
from agrad.repl.reply import Reply


class Definition(NamedTuple):
    """How a computed tensor was made: the expression's text and, for each session name it read,
    the tensor the name held then (:diff and :check write the program back out from these)."""

    tensor: Tensor
    text: str
    reads: tuple  # ((name, Tensor), ...) in order of first use


class Session:
    """names: the session's tensors by name; definitions: id(tensor) -> Definition for each
    tensor a statement computed; passes: id(tensor) -> (the steps of the last backward pass from
    it, the gradient that reached each node), for :trace and :tree."""

    def __init__(self, look: screen.Look = screen.PLAIN):
        self.look = look
        self.names: dict[str, Tensor] = {}
        self.definitions: dict[int, Definition] = {}
        self.passes: dict[int, tuple] = {}

    # -- one line -----------------------------------------------------------------------------
    def run(self, line: str) -> Reply:
        """Run one input (a statement, several separated by `;` or new lines, or a :command) and
        say what it gives. An error is a Reply with ok False and the error's text (the words and
        caret `agrad eval` prints), never an exception: the session goes on."""
        text = line.strip()
        if not text or text.startswith("#"):
            return Reply()
        previous = enter_evaluation("float64", Budget(cost_limit("max_nodes", None),
                                                      cost_limit("max_backward_steps", None)))
        try:
            if text.startswith(":"):
                return commands.run(self, text)
            return self.statements(line)
        except AgradError as exc:
            return Reply(body=error_text(None, reworded(exc)).rstrip("\n"), ok=False)
        finally:
            leave_evaluation(previous)

    def statements(self, source: str, mode: str | None = None) -> Reply:
        """Run the statements of `source` in order; the last one's value is shown. mode:
        "no_grad" (as under torch.no_grad()) or "detach" (each result's .detach())."""
        check_source(source)
        program = parse(source)
        reply = Reply()
        for statement in program.statements:
            reply = self._statement(statement, source, mode)
        return reply

    def _statement(self, statement, source: str, mode: str | None) -> Reply:
        expr = statement.value if isinstance(statement, st.Assign) else statement
        if isinstance(statement, st.Assign) and statement.name in CONSTANTS:
            raise BindingError(f"cannot assign to '{statement.name}': it is a constant", statement.name_span, source)
        with set_grad_enabled(mode != "no_grad"):
            lowered = lower(st.Program([expr], expr.span), self.names, source)
        out = lowered.output
        if mode == "detach":
            out = out.detach()
        text = source[expr.span[0]:expr.span[1]]
        if not isinstance(statement, st.Assign):
            return self.show(out)
        name = statement.name
        if not lowered.used and out.op is None and mode is None:
            # numbers alone: a new leaf that requires grad, torch.tensor(3.0, requires_grad=True)
            self.names[name] = Tensor(out.value, True, name=name)
            return Reply()
        if not any(out is t for t in self.names.values()):
            out.name = name
        if out.op is not None:
            self.definitions[id(out)] = Definition(out, text, tuple((n, self.names[n]) for n in lowered.used))
        self.names[name] = out
        return self.show(out)

    def show(self, t: Tensor) -> Reply:
        """A tensor on its input's line, as torch's repr tells it: the value, then its grad_fn,
        `requires_grad=True` for a leaf that requires grad, nothing for one that does not."""
        note = t.op.grad_fn if t.op is not None else ("requires_grad=True" if t.requires_grad else "")
        return Reply(self.number(t.value), note)

    def number(self, value) -> str:
        return shown.value(value if not hasattr(value, "tolist") else value.tolist(), self.look.digits)

    # -- names --------------------------------------------------------------------------------
    def tensor(self, name: str) -> Tensor:
        if name not in self.names:
            known = ", ".join(self.names) or "none yet"
            raise UnknownNameError(f"no name '{visible(name)}' in this session (known: {known})")
        return self.names[name]

    def leaves(self) -> list[Tensor]:
        """The session's leaves that require grad, each once."""
        seen, out = set(), []
        for t in self.names.values():
            if t.op is None and t.requires_grad and id(t) not in seen:
                seen.add(id(t))
                out.append(t)
        return out

    def reset(self) -> None:
        self.names.clear()
        self.definitions.clear()
        self.passes.clear()


def reworded(exc: AgradError) -> AgradError:
    """An error whose words speak of agrad eval's command line (`add --z VALUE`) in the
    session's terms: a name gets a value by assigning it."""
    if isinstance(exc, UnboundVariableError) and exc.span is not None and exc.source is not None:
        name = exc.source[exc.span[0]:exc.span[1]]
        if exc.name is not None:
            message = f"'{name}' has no value in this session: assign it first, e.g. {name} = 1"
        else:
            message = f"'{name}' is a function: call it as {name}(...)"
        return UnboundVariableError(message, exc.span, exc.source)
    if exc.hint == "vector-output":  # (its hint speaks of --gradient and --jacobian)
        exc.hint = None
        exc.message += ": the output is a vector; reduce it to a scalar first, e.g. s = sum(...), then :backward s"
    return exc
