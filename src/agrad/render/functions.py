"""`agrad functions`: the op table for people (a Rich table) or scripts (JSON lines)."""

from __future__ import annotations

import json
import re

from agrad.language.names import CONSTANTS, GRAPH_FUNCTIONS
from agrad.engine.ops import OVERLOADS, TABLE, Op

OPERATORS = [
    ("a + b", "add"), ("a - b", "sub"), ("c - x (c a number)", "rsub"), ("a * b", "mul"), ("a / b", "div"),
    ("c / x (c a number)", "reciprocal"), ("a ^ b, a ** b", "pow"), ("x ^ c (c a number)", "pow_scalar"),
    ("c ^ x (c a number)", "rpow"), ("-x", "neg"), ("v[i] (i a whole number)", "select"),
]


def torch_function(op: Op) -> str:
    """The torch function an entry mirrors, from its `torch` field: "torch.nn.functional.softplus"
    for softplus; "" where the field is not a call of one (operators, internal entries)."""
    match = re.fullmatch(r"(torch\.[\w.]+)\(.*\)", op.torch)
    return match.group(1) if match else ""


def callable_functions() -> list[tuple[str, Op]]:
    """(the name the language calls it by, its entry) for every function callable by name,
    overloads included (max(v) beside max(a, b)), in table order."""
    targets = {name: called for (called, _), name in OVERLOADS.items()}
    return [(op.called or targets.get(name, name), op) for name, op in TABLE.items()
            if op.public or name in targets]


def _signature(called: str, op: Op) -> str:
    return f"{called}({', '.join(op.params)})"


def torch_differences() -> list[str]:
    """Where a function's torch call is not torch.<its name>: 'softplus is
    torch.nn.functional.softplus', 'max(a, b) is torch.maximum' (with the arguments where the
    name has several forms)."""
    functions = callable_functions()
    forms = {}
    for called, _ in functions:
        forms[called] = forms.get(called, 0) + 1
    out = []
    for called, op in functions:
        torch = torch_function(op)
        if torch and torch != f"torch.{called}":
            out.append(f"{_signature(called, op) if forms[called] > 1 else called} is {torch}")
    return out


def readme_table() -> str:
    """The README's table of functions (section "The language"), made from the op table;
    tests/test_op_table.py checks the README holds it, tools/readme_functions.py writes it."""
    by_arity: dict[int, list] = {}
    reductions = []
    for called, op in callable_functions():
        (by_arity.setdefault(op.arity, []) if op.elementwise else reductions).append((called, op))

    def annotated(called, op):
        torch = torch_function(op)
        note = f" ({torch})" if torch and torch != f"torch.{called}" else ""
        return f"`{_signature(called, op)}`{note}"

    lines = ["| arity | functions |", "|---|---|"]
    for arity in sorted(by_arity):
        functions = by_arity[arity]
        if arity == 1:  # names alone; where torch's function lives elsewhere, said once per place
            cell = "`" + " ".join(called for called, _ in functions) + "`"
            places: dict[str, list] = {}
            for called, op in functions:
                torch = torch_function(op)
                if torch and torch != f"torch.{called}":
                    where = torch[: -len(called) - 1] if torch.endswith(f".{called}") else torch
                    places.setdefault(where, []).append(called)
            cell += "".join(f" ({', '.join(names)}: {where})" for where, names in places.items())
        else:
            cell = ", ".join(annotated(called, op) for called, op in functions)
        lines.append(f"| {arity} | {cell} |")
    lines.append("| vector to scalar | " + ", ".join(annotated(called, op) for called, op in reductions) + " |")
    return "\n".join(lines) + "\n"


def _derivatives(op: Op, call: str) -> str:
    parts = []
    for param, words in zip(op.params, op.derivatives):
        if words != "-":
            parts.append(f"d/d{param} {call} = {words}")
    return "; ".join(parts)


def rows() -> list[dict]:
    out = []
    for written, name in OPERATORS:
        op = TABLE[name]
        out.append({"name": written, "kind": "operator", "arity": op.arity, "grad_fn": op.grad_fn,
                    "derivatives": _derivatives(op, f"({written.split(',')[0].split(' (')[0]})"),
                    "notes": op.notes})
    for name, op in [(name, op) for name, op in TABLE.items() if op.public] + \
            [(called, TABLE[name]) for (called, _), name in OVERLOADS.items()]:
        call = f"{name}({', '.join(op.params)})"
        out.append({"name": call, "kind": "function", "arity": op.arity, "grad_fn": op.grad_fn,
                    "derivatives": _derivatives(op, call), "notes": op.notes})
    for name, (params, what) in GRAPH_FUNCTIONS.items():
        out.append({"name": f"{name}({', '.join(params)})", "kind": "graph", "arity": len(params), "grad_fn": "",
                    "derivatives": "", "notes": what})
    return out


def print_functions(fmt: str) -> None:
    if fmt == "json":
        for row in rows():
            print(json.dumps(row))
        for name, value in CONSTANTS.items():
            print(json.dumps({"name": name, "kind": "constant", "value": value}))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Every cell is Text, never markup: `v[i]` and `[a, b, ...]` are the language's brackets,
    # which Rich's markup would read as tags and drop.
    table = Table(title="agrad's operators and functions (PyTorch semantics, float64)")
    for col in ("name", "arity", "derivatives", "grad_fn", "edge conventions"):
        table.add_column(col, overflow="fold")
    for row in rows():
        table.add_row(*(Text(cell) for cell in (row["name"], str(row["arity"]), row["derivatives"], row["grad_fn"],
                                                row["notes"])))
    console = Console()
    console.print(table)
    console.print(Text("Constants: " + ", ".join(f"{k} = {v!r}" for k, v in CONSTANTS.items())))
    console.print(Text(f"Comparable PyTorch calls: {', '.join(torch_differences())}; a vector literal "
                       "[a, b, ...] is torch.stack (StackBackward0); a number written in the expression is a "
                       "Python number."))
