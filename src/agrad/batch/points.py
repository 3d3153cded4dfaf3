"""`agrad eval EXPR --points FILE.csv`: one expression, many points.

The CSV's header names the variables; each row binds them. The expression is parsed once, and
rows are evaluated a block at a time. When every operation of the program is elementwise
(decided once, by `vectorizable`), a block's rows are evaluated together (`evaluate_block`):
each column is bound as a vector, the command line's numbers as vectors of that number, and
backward runs from a seed of ones, which gives every row's own gradients. The results equal
row-by-row evaluation bit for bit: the functions numpy rounds differently from the C library
are computed element by element with the scalar kernels (vector_kernels.scalar_exact). Anything
the vectorized block cannot do (an error, which belongs to its row) sends the block row by row
(`evaluate_rows`).
"""

from __future__ import annotations

import csv
from itertools import repeat

from agrad.language import syntax_tree as st
from agrad.evaluation.api import Result, run
from agrad.evaluation.options import RunOptions
from agrad.errors import AgradError, BindingError, InputError
from agrad.language.names import CONSTANTS, GRAPH_FUNCTIONS, is_name
from agrad.values.read import parse_number

VECTOR_FORMATS = ("json", "plain", "csv")  # pretty draws each row's own tree; --grad NAME may warn
# api.run's options, at the values the vectorized path supports (--no-grad is supported too;
# max_source_bytes was checked when the source was read)
_PLAIN_RUN = {"retain_grad": (), "hooks": (), "backward_passes": 1, "zero_grad": False, "trace": False,
              "order": 0, "hessian": False, "dtype": "float64", "jacobian": False, "fast": True,
              "check": 0, "anomaly": False, "jvp": None}  # (a check, --anomaly or a jvp runs each row on its own)


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
        if not is_name(name):
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
                  bindings: dict, options: RunOptions) -> list[Result | AgradError]:
    """Evaluate the program (parsed, or an api.Prepared) at each row (names bound to the row's
    values, on top of the command line's bindings), with api.run's options. One result or error
    per row, in order.

    The vectorized path (issue 4's vector engine) replaces this loop for programs whose
    operations are all elementwise; its results must equal these."""
    out: list[Result | AgradError] = []
    for row in rows:
        try:
            out.append(run(source, {**bindings, **dict(zip(names, row))}, options, program=program))
        except AgradError as exc:
            out.append(exc.with_source(source))
    return out


# -- the vectorized path ----------------------------------------------------------------------

def elementwise(program: st.Program) -> bool:
    """Whether every operation of the program works element by element: no reductions, dot,
    indexing, vector literals or grad(); only the op table's elementwise functions (max and min
    with two arguments), operators, detach and no_grad."""
    from agrad.engine.ops import OVERLOADS, TABLE, public_functions

    functions = public_functions()
    stack = list(program.statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (st.Vector, st.Index)):
            return False
        if isinstance(node, st.Call):
            if node.func in GRAPH_FUNCTIONS:
                if node.func == "grad":
                    return False
            else:
                name = OVERLOADS.get((node.func, len(node.args)), node.func)
                op = TABLE.get(name) if node.func in functions else None
                if op is None or not op.elementwise or op.arity != len(node.args):
                    return False  # (an unknown function or a wrong count: row by row reports it)
        stack.extend(st.children(node))
    return True


def vectorizable(program: st.Program, bindings: dict, options: RunOptions, fmt: str) -> bool:
    """Decided once per expression: whether blocks of rows are evaluated together. The program
    must be elementwise, the command line's bindings numbers, the output json, plain or csv, and
    api.run's options their defaults (or --no-grad)."""
    # no_grad changes nothing per row
    if fmt not in VECTOR_FORMATS or options.gradient is not None:
        return False
    if any(getattr(options, key) != default for key, default in _PLAIN_RUN.items()):
        return False
    if not all(type(v) in (float, int) for v in bindings.values()):
        return False
    return elementwise(program)


class BlockReader:
    """A block of data lines to columns of numbers at once, when every line is a plain row of
    numbers: otherwise None, and the caller reads the lines one by one, each with its own error.

    Plain means: valid UTF-8, no quote, carriage return or underscore, the header's number of
    fields on every line, and every field read by float(). That is exactly what read_row accepts
    of such lines: csv splits them at the commas, and parse_number is float() on the stripped
    field, less the underscores and the non-ASCII digits float() allows (its words inf, infinity
    and nan are float()'s, any case). Blank lines and comments fail float()."""

    def __init__(self, names: tuple[str, ...]):
        self.width = len(names)

    def __call__(self, lines: list):
        import numpy as np

        if None in lines:
            return None
        blob = b"\n".join(lines)
        if b"_" in blob or b'"' in blob or b"\r" in blob or not blob.isascii():
            return None  # (float() reads other scripts' digits; parse_number takes 0-9 only)
        commas = self.width - 1
        if set(map(bytes.count, lines, repeat(b","))) != {commas}:
            return None
        try:
            values = list(map(float, blob.decode("utf-8").replace("\n", ",").split(",")))
        except (UnicodeDecodeError, ValueError):
            return None
        return np.array(values).reshape(len(lines), self.width).T


class Block:
    """A block of rows evaluated together: the output value and each gradient, one element per
    row (None for a gradient that no row has), and the evaluation whose structure (grad_fn, why
    there are no gradients) every row shares."""

    def __init__(self, value: list, grads: dict, result: Result, columns=()):
        self.value = value
        self.grads = grads
        self.result = result
        self.columns = columns  # the rows' points, a column per name of the file (csv writes them)


def evaluate_block(program, source: str, names: tuple[str, ...], columns, bindings: dict,
                   options: RunOptions) -> Block | None:
    """Every row at once: the columns bound as vectors (the command line's numbers as vectors of
    that number, so each row has its own gradient), backward from ones. None when that fails:
    the rows then go one by one, each with its own error."""
    import numpy as np

    from agrad.engine.vector_kernels import scalar_exact

    n = len(columns[0])
    values = {name: np.full(n, float(v)) for name, v in bindings.items()}
    values.update(zip(names, columns))
    try:
        with scalar_exact():
            result = run(source, values, program=program, no_grad=options.no_grad, gradient=np.ones(n))
    except AgradError:
        return None
    if not isinstance(result.value, list) or len(result.value) != n:  # pragma: no cover - ones fit the output
        return None
    return Block(result.value, result.grads, result, columns)


class Template:
    """The text of one row's output, from the formatter itself: it formats a prototype result
    whose line number and numbers are markers, and the rows' texts are that text with each
    marker replaced. None when a marker is not found exactly once (the caller then formats each
    row as a Result)."""

    LINE = 918273645546372819

    def __init__(self, fmt: str, pieces: list[str], slots: list):
        self.json = fmt == "json"
        self.format = "%s".join(piece.replace("%", "%%") for piece in pieces)
        self.slots = slots  # "line", "value" or a variable's name, in the order they appear

    @classmethod
    def make(cls, formatter, block: Block):
        markers = {"value": -1.2345678901234e-298}
        grads = {}
        for k, (name, g) in enumerate(block.grads.items()):
            grads[name] = None if g is None else -1.2345678901234e-298 - (k + 1) * 1e-310
            if g is not None:
                markers[name] = grads[name]
        points = tuple(-1.2345678901234e-298 - (k + 1) * 1e-305 for k in range(len(block.columns)))
        markers.update({("point", k): v for k, v in enumerate(points)})
        r = block.result
        proto = Result(r.source, markers["value"], grads, r.output, r.variables, r.assigned, r.used, dtype=r.dtype)
        text = formatter.result(cls.LINE, proto, points).out
        found = [(str(cls.LINE), "line")] + [(repr(v), slot) for slot, v in markers.items()]
        if formatter.fmt != "csv":  # only csv writes the point
            found = [(mark, slot) for mark, slot in found if not isinstance(slot, tuple)]
        places = []
        for mark, slot in found:
            count = text.count(mark)
            if count == 0 and slot == "line":  # csv has no line column
                continue
            if count != 1:
                return None
            places.append((text.index(mark), mark, slot))
        places.sort()
        pieces, slots, start = [], [], 0
        for at, mark, slot in places:
            pieces.append(text[start:at])
            slots.append(slot)
            start = at + len(mark)
        pieces.append(text[start:])
        return cls(formatter.fmt, pieces, slots)

    def rows(self, numbers: list[int], block: Block) -> list[str]:
        columns = []
        for slot in self.slots:
            if slot == "line":
                columns.append(list(map(str, numbers)))
            elif isinstance(slot, tuple):  # ("point", k): the k-th column of the file
                columns.append(self._numbers(block.columns[slot[1]]))
            else:
                columns.append(self._numbers(block.value if slot == "value" else block.grads[slot]))
        return list(map(self.format.__mod__, zip(*columns)))

    def _numbers(self, values) -> list[str]:
        import numpy as np

        from agrad.values.write import repr_texts

        values = np.ascontiguousarray(values, dtype=np.float64)  # (once, for both; a point column is a strided row)
        texts = repr_texts(values)  # numbers.text: repr, and nan, inf, -inf
        if self.json:
            for i in np.flatnonzero(~np.isfinite(values)).tolist():
                texts[i] = f'"{texts[i]}"'  # numbers.json_value: non-finite values as strings
        return texts
