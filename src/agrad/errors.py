"""Every error agrad raises: one base class carrying a message, a kind and a source position.

The kind names the stage that failed and is part of the documented interface (JSON error
records use it); exit_code follows the CLI's contract: 2 for input that could not be understood,
1 for input that was understood but could not be computed.
"""

from __future__ import annotations

import re

# The most of the user's text an error shows on either side of the point it is about: a source
# excerpt is the window of this many characters either side of the caret's column, and a name
# (or any run of word characters) in a message is cut after this many, "..." marking each cut,
# so that a 1 MiB name or line gives a short error line, not one as long as the input.
EXCERPT_CHARS = 60

_LONG_WORD = re.compile(r"\w{%d,}" % (EXCERPT_CHARS + 1))


def cut_names(message: str) -> str:
    """message with every run of word characters (a name, a number) longer than EXCERPT_CHARS
    cut to its first EXCERPT_CHARS characters and "...": the excerpt's rule, for names."""
    return _LONG_WORD.sub(lambda m: m.group()[:EXCERPT_CHARS] + "...", message)


class AgradError(Exception):
    """Base class: `message`, `kind`, `exit_code`, and where known `span` (start, end offsets)
    into `source`."""

    kind = "error"
    exit_code = 2
    hint = None  # a key of render/errors.py's HINTS: what the command line says after the message

    def __init__(self, message: str, span: tuple[int, int] | None = None, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source

    @property
    def line(self) -> int | None:
        if self.span is None or self.source is None:
            return None
        return self.source.count("\n", 0, self.span[0]) + 1

    @property
    def column(self) -> int | None:
        """1-based column of the error's start within its line."""
        if self.span is None or self.source is None:
            return None
        return self.span[0] - (self.source.rfind("\n", 0, self.span[0]) + 1) + 1

    def with_source(self, source: str) -> "AgradError":
        if self.source is None:
            self.source = source
        return self

    def caret(self, show=None) -> str | None:
        """The offending source line with a caret under the error's column (None without a
        position). A very long line is cut to a window of EXCERPT_CHARS on either side of the
        column. show: how user text is made safe to print (render/visible.py's `visible`, for a
        terminal); the caret is placed after it, so it stays under the right character however
        many characters an escape takes. Without it, tabs and carriage returns become spaces."""
        if self.span is None or self.source is None:
            return None
        if show is None:
            def show(text: str) -> str:
                return text.replace("\t", " ").replace("\r", " ")
        start = self.span[0]
        line_start = self.source.rfind("\n", 0, start) + 1
        line_end = self.source.find("\n", start)
        if line_end == -1:
            line_end = len(self.source)
        text = self.source[line_start:line_end]
        col = start - line_start
        width = max(1, min(self.span[1], line_end) - start)
        lo = max(0, col - EXCERPT_CHARS)
        hi = min(len(text), col + EXCERPT_CHARS)
        prefix = "..." if lo > 0 else ""
        suffix = "..." if hi < len(text) else ""
        before = prefix + show(text[lo:col])
        marked = show(text[col:min(col + width, hi)])
        shown = before + marked + show(text[min(col + width, hi):hi]) + suffix
        return f"{shown}\n{' ' * len(before)}{'^' * max(1, len(marked))}"

    def __str__(self) -> str:
        return self.message


class AgradSyntaxError(AgradError):
    """The text is not a well-formed program."""

    kind = "syntax"


class UnknownNameError(AgradError):
    """A call to a function the op table does not have, or a name that is neither a variable,
    an assigned name nor a constant."""

    kind = "name"


class ArityError(AgradError):
    """A function called with the wrong number of arguments."""

    kind = "arity"


class UnboundVariableError(AgradError):
    """A variable the program uses but no binding gives a value to. `name`: the variable, where
    the message is no_value(name)'s."""

    kind = "unbound"

    def __init__(self, message: str, span=None, source=None, name: str | None = None):
        super().__init__(message, span, source)
        self.name = name


def no_value(name: str, remedy: str | None = None) -> str:
    """The message of a variable without a value; remedy: how to give it one (--NAME VALUE)."""
    return f"variable '{name}' has no value: add {remedy or f'--{name} VALUE'}"


class BindingError(AgradError):
    """A binding that cannot be used: a value that is not a number, a constant's name, ..."""

    kind = "value"


class ComputeError(AgradError):
    """Understood, but not computable: PyTorch's runtime errors (backward without a grad_fn,
    a second backward through freed buffers, shape mismatches, ...)."""

    kind = "compute"
    exit_code = 1


class AnomalyError(ComputeError):
    """--anomaly found a nan (or, in forward, an inf from finite inputs): engine/anomaly.py.
    node: the op (forward) or backward node (backward) that made it; phase: "forward" or
    "backward"; element: the vector's index at fault (None for a scalar); rule: in backward,
    the input and its gradient formula as the op table writes it. A JSON error record carries
    them."""

    def __init__(self, message: str, span=None, source=None, *, node: str, phase: str, element=None,
                 rule: str | None = None):
        super().__init__(message, span, source)
        self.node, self.phase, self.element, self.rule = node, phase, element, rule

    def __reduce__(self):  # (pickled whole, its keywords included: a worker or a thread pool may send it)
        return _anomaly_error, (self.message, self.span, self.source, self.node, self.phase, self.element,
                                self.rule)

    def record(self) -> dict:
        """The fields a JSON error record adds for it."""
        fields = {"node": self.node, "phase": self.phase, "element": self.element}
        if self.rule is not None:
            fields["rule"] = self.rule
        return fields


def _anomaly_error(message, span, source, node, phase, element, rule) -> AnomalyError:
    return AnomalyError(message, span, source, node=node, phase=phase, element=element, rule=rule)


class ScalarOutputError(ComputeError):
    """backward() without a gradient from an output that is not a scalar (torch's "grad can be
    implicitly created only for scalar outputs"); the command line says how to go on."""

    hint = "vector-output"


class CheckError(ComputeError):
    """--check found a gradient that central differences do not confirm (evaluation/gradcheck.py):
    the message names the worst element, its two values and the tolerance it broke."""

    kind = "check"


class FormulaError(ComputeError):
    """agrad diff cannot write this derivative in the chosen format: a case split on a variable
    (relu, max, x^w's exponent 0), a vector, a function with no written form (softplus' rule)."""

    kind = "diff"


class InputError(AgradError):
    """A batch's input line that cannot be read as a job: not UTF-8, too long, a JSON line that
    is not valid JSON or not of the form {"expr": ..., "vars": {...}}, a points row with the
    wrong number of fields. The batch goes on with the next line."""

    kind = "input"


class LimitError(AgradError):
    """Input past one of agrad's stated limits (limits.py): a source longer than the cap, a file
    of numbers larger than its cap. The message names the limit and the flag that raises it."""

    kind = "limit"


class InternalError(AgradError):
    """A bug in agrad met while running one job of a batch: reported as that job's error (with
    the Python exception's type and message) so the rest of the batch goes on."""

    kind = "internal"
    exit_code = 1


class UsageError(AgradError):
    """A command line whose options cannot go together; nothing was evaluated."""

    kind = "usage"


class ShapeError(ComputeError):
    """Understood, but the shapes do not fit: vectors of different lengths in an elementwise
    operation, dot() of unequal lengths, a --gradient seed of the wrong shape, a vector where
    a scalar must be (PyTorch's size-mismatch RuntimeErrors). `argument`, where set, is the
    position of the operand at fault, so the caret can point at it."""

    kind = "shape"

    def __init__(self, message: str, span=None, source=None, argument: int | None = None):
        super().__init__(message, span, source)
        self.argument = argument


class IndexingError(ShapeError):
    """Understood, but the index does not fit the vector (PyTorch's IndexError): out of range,
    into a scalar, not a whole number, or a variable."""

    kind = "index"


class OutputLost(Exception):
    """Standard output could not be written (a full disk, /dev/full, a closed descriptor): the
    command line says `agrad: cannot write the output: REASON` and exits EXIT_OUTPUT, never 0,
    since results were lost. (A reader that went away, EPIPE, is not this: agrad leaves quietly.)"""

    exit_code = 74  # EX_IOERR of sysexits.h

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised by the handler the command line installs, so that it unwinds
    as Ctrl-C does (workers stopped, the results written so far whole lines, one line on
    stderr), then exits 128 + the signal's number as a shell reports a death by that signal."""

    def __init__(self, signum: int, name: str):
        super().__init__(name)
        self.signum = signum
        self.exit_code = 128 + signum
        self.message = f"terminated ({name})"


def interruption(exc: KeyboardInterrupt) -> tuple[str, int]:
    """The line (without `agrad: `) and the exit status for Ctrl-C or a terminating signal."""
    if isinstance(exc, Terminated):
        return exc.message, exc.exit_code
    return "interrupted", 130
