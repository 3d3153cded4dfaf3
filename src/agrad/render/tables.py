"""The pretty output's tables: the leaves, the backward passes, the trace, the derivatives, the
Hessian and the Jacobian, laid out by flow.table to the width (a matrix too wide goes in blocks
of columns, a trace too wide as one record per step), numbers rounded by shown, never cut.

Long tables are cut, with a line that says how much is left out and that --format json gives
all of it: pretty output is for a person, who does not read past a few hundred rows, and the
cut keeps its cost at what JSON costs (JSON has every row). See MAX_ROWS and MAX_MATRIX."""

from __future__ import annotations

from agrad.engine import shapes
from agrad.limits import PRETTY_MATRIX as MAX_MATRIX, PRETTY_ROWS as MAX_ROWS  # stated with the other bounds
from agrad.render import shown
from agrad.render.flow import table
from agrad.render.visible import visible


def _more(count: int, what: str) -> str:
    return f"... {count:,} more {what} not shown; --format json gives all of them"


def leaf_table(result, width: int, digits: int) -> list:
    """The leaves in the order of the JSON record's grads (first appearance in the program, then
    unused bindings), then the retained intermediates."""
    rows = []
    for name, g in result.grads.items():
        if name in result.variables:
            t = result.variables[name]
            if not t.requires_grad:
                grad = "None (no grad)"
            elif g is None and name not in result.used:
                grad = "None (unused)"
            else:
                grad = shown.value(g, digits)
            rows.append((visible(name), t, grad))
        elif name in result.assigned:
            rows.append((visible(name) + " (retained)", result.assigned[name], shown.value(g, digits)))
    vectors = any(shapes.is_vector(t.value) for _, t, _ in rows)
    headers = ["leaf"] + ["shape"] * vectors + ["value", "grad"]
    body = [[name] + [shapes.shape_text(t.value)] * vectors + [shown.value(t.value, digits), grad]
            for name, t, grad in rows]
    right = set(range(1, len(headers)))
    return table(headers, body, width, right, styles=["variable"] + [None] * (len(headers) - 1), fallback="records")


def passes_table(result, width: int, digits: int) -> tuple[list, str | None]:
    names = list(result.passes[0])
    rows = [[str(k)] + [shown.value(grads[n], digits) for n in names]
            for k, grads in enumerate(result.passes[:MAX_ROWS], 1)]
    left = len(result.passes) - MAX_ROWS
    return (table(["pass"] + [f"{visible(n)}.grad" for n in names], rows, width, set(range(len(names) + 1))),
            _more(left, "passes") if left > 0 else None)


def trace_table(steps: list, width: int, digits: int) -> tuple[list, str | None]:
    """A row per gradient sent (grad in x local = sent), and per leaf's accumulation (its .grad
    after it, in the sent column)."""
    rows = []
    for k, step in enumerate(steps[:MAX_ROWS], 1):
        node = visible(step["node"])
        grad_in = shown.value(step["grad_in"], digits)
        if step["kind"] == "accumulate":
            rows.append([str(k), node, grad_in, f"{node}.grad", "", shown.value(step["grad"], digits)])
            continue
        first = True
        for inp in step["inputs"] or [{"input": "", "local": None, "sent": None}]:
            has = bool(inp["input"])
            rows.append([str(k) if first else "", node if first else "", grad_in if first else "",
                         visible(inp["input"]), shown.value(inp["local"], digits) if has else "",
                         shown.value(inp["sent"], digits) if has else ""])
            first = False
    left = len(steps) - MAX_ROWS
    lines = table(["step", "node", "grad in", "to", "local", "sent"], rows, width, {0, 2, 4, 5}, stub=3,
                  styles=[None, "op", None, None, None, None], fallback="records")
    return lines, _more(left, "steps") if left > 0 else None


def derivatives_table(derivatives: dict, width: int, digits: int) -> list:
    order = max((len(v) for v in derivatives.values()), default=0)
    headers = ["x"] + [f"d{'^' + str(k) if k > 1 else ''}/dx{'^' + str(k) if k > 1 else ''}" for k in range(1, order + 1)]
    rows = [[visible(name)] + [shown.value(v, digits) for v in values] for name, values in derivatives.items()]
    return table(headers, rows, width, set(range(1, len(headers))), styles=["variable"] + [None] * order)


def hessian_table(hessian: tuple, width: int, digits: int) -> tuple[list, str | None]:
    names, matrix = hessian
    n = min(len(names), MAX_MATRIX)
    rows = [[visible(name)] + [shown.number(v, digits) for v in row[:n]] for name, row in zip(names[:n], matrix)]
    lines = table(["x \\ y"] + [visible(name) for name in names[:n]], rows, width, set(range(1, n + 1)),
                  styles=["variable"] + [None] * n)
    note = None
    if len(names) > n:
        note = (f"... the Hessian has {len(names):,} rows and columns; the first {n} of each are shown; "
                "--format json gives all of it")
    return lines, note


def jacobian_table(name: str, jacobian, output, variable, width: int, digits: int) -> tuple[list, str | None]:
    """One variable's Jacobian: a row per output element, a column per element of the variable;
    at most MAX_MATRIX of each."""
    from agrad.render.text import jacobian_rows

    rows = [row if isinstance(row, list) else [row] for row in jacobian_rows(jacobian, output)]
    vector_out = isinstance(output, list)
    vector_var = bool(shapes.shape(variable))
    label = visible(name)
    columns = min(len(rows[0]) if rows else 0, MAX_MATRIX)
    headers = [""] + [f"{label}[{j}]" if vector_var else label for j in range(columns)]
    body = [[f"out[{i}]" if vector_out else "out"] + [shown.number(v, digits) for v in row[:columns]]
            for i, row in enumerate(rows[:MAX_MATRIX])]
    left = max(len(rows) - MAX_MATRIX, 0) + max((len(rows[0]) if rows else 0) - MAX_MATRIX, 0)
    note = None
    if left:
        note = (f"... the Jacobian is {len(rows):,} x {len(rows[0]):,}; the first {MAX_MATRIX} rows and columns "
                "are shown; --format json gives all of it")
    return table(headers, body, width, set(range(1, columns + 1))), note
