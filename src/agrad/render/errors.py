"""An error as text, one wording for every path: the one-shot command's stderr line, a batch's
stderr line (`line N: ` added) and a JSON error record's fields.

The hints the command line adds after an error's own message come from the error's data (its
class's `hint` key, an unbound variable's `name`), never from its wording, so rewording a
message cannot drop its hint. agrad.run's callers get the bare message: the hints speak of
agrad's options.
"""

from __future__ import annotations

from agrad.errors import AgradError, UnboundVariableError, cut_names, no_value
from agrad.render.visible import visible

HINTS = {
    "vector-output": (": the output is a vector; pass --gradient with one value per element for the "
                      "vector-Jacobian product, or reduce the output to a scalar, e.g. sum(...) "
                      "(agrad eval --jacobian gives the full Jacobian)"),
}


def message(exc: AgradError, reserved=()) -> str:
    """The error's message with its hint, long names cut (errors.cut_names). reserved: the
    command's own options (`--format`, ...): a variable named like one cannot be bound as
    `--NAME VALUE`, so the hint says --var."""
    name = exc.name if isinstance(exc, UnboundVariableError) else None
    if name is not None and f"--{name}" in reserved:
        return cut_names(no_value(name, f"--var {name}=VALUE (--{name} is an option of agrad eval)"))
    hint = HINTS.get(exc.hint) if exc.hint is not None else None
    return cut_names(exc.message if hint is None else exc.message + hint)


def describe(exc: AgradError, reserved=()) -> str:
    """`KIND error: MESSAGE`, then the source line and a caret where the error has a position;
    for a terminal (or any stream a person reads): control characters in the user's text are
    shown as escapes (render/visible.py), the caret still under the right character."""
    caret = exc.caret(show=visible)
    text = f"{exc.kind} error: {visible(message(exc, reserved))}"
    return text if caret is None else f"{text}\n{caret}"


def error_text(number: int | None, exc: AgradError, reserved=()) -> str:
    """For stderr: `agrad: KIND error: MESSAGE` (and the caret lines), with `line N: ` after
    `agrad: ` for a batch's job N."""
    where = "" if number is None else f"line {number}: "
    return f"agrad: {where}{describe(exc, reserved)}\n"


def error_fields(exc: AgradError, reserved=()) -> dict:
    """The "error" object of a JSON error record. column counts characters from 1: in the job's
    expression, or, for an input error, in the input line; None without a position."""
    column = exc.span[0] + 1 if exc.span is not None else None
    fields = {"kind": exc.kind, "message": message(exc, reserved), "column": column}
    record = getattr(exc, "record", None)  # an --anomaly error's node, phase, element and rule
    return fields if record is None else {**fields, **record()}
