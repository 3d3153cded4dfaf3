"""`agrad eval EXPR --points FILE.csv`: one expression, many points.

The CSV's header names the variables; each row binds them. The expression is parsed once, and
rows are evaluated a block at a time by `evaluate_rows`, the one place a vectorized evaluation
(every row of a block at once, when every operation is elementwise) will slot in; for now it
evaluates the rows one by one.
"""

from __future__ import annotations

import csv

from .api import Result, run
from .errors import AgradError, BindingError, InputError
from .lowering import CONSTANTS, NAME_RE, parse_number


def _split(text: str) -> list[str]:
    """One CSV line's fields. Quoted fields may hold commas, not line breaks."""
    try:
        return next(csv.reader([text], strict=True))
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}") from None
    except StopIteration:  # pragma: no cover - callers skip blank lines
        return []


def read_header(text: str) -> tuple[str, ...]:
    """The variables' names from the header line; InputError if they cannot be variables."""
    names = tuple(field.strip() for field in _split(text))
    seen = set()
    for i, name in enumerate(names, 1):
        if not name:
            raise InputError(f"column {i} of the header has no name")
        if not NAME_RE.match(name):
            raise InputError(f"column {i} of the header, {name!r}, is not a variable name "
                             "(a letter or _, then letters, digits, _)")
        if name in CONSTANTS:
            raise InputError(f"column {i} of the header, '{name}', is a constant and cannot be bound")
        if name in seen:
            raise InputError(f"the header names '{name}' twice")
        seen.add(name)
    return names


def read_row(text: str, names: tuple[str, ...]) -> tuple[float, ...]:
    """One data line's values, in the header's order."""
    fields = _split(text)
    if len(fields) != len(names):
        raise InputError(f"the row has {len(fields)} field{'s' if len(fields) != 1 else ''}; "
                         f"the header names {len(names)} ({', '.join(names)})")
    values = []
    for name, field in zip(names, fields):
        try:
            values.append(parse_number(field))
        except ValueError:
            shown = field if field.strip() else "an empty field"
            raise BindingError(f"column '{name}': {shown!r} is not a number "
                               "(use an int, a float, inf or nan)") from None
    return tuple(values)


def evaluate_rows(program, source: str, names: tuple[str, ...], rows: list[tuple[float, ...]],
                  bindings: dict, options: dict) -> list[Result | AgradError]:
    """Evaluate the parsed program at each row (names bound to the row's values, on top of the
    command line's bindings), with api.run's options. One result or error per row, in order.

    The vectorized path (issue 4's vector engine) replaces this loop for programs whose
    operations are all elementwise; its results must equal these."""
    out: list[Result | AgradError] = []
    for row in rows:
        try:
            out.append(run(source, {**bindings, **dict(zip(names, row))}, program=program, **options))
        except AgradError as exc:
            out.append(exc.with_source(source))
    return out
