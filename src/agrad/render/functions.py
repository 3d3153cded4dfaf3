"""`agrad functions`: the op table for people (a Rich table) or scripts (JSON lines)."""

from __future__ import annotations

import json

from agrad.language.names import CONSTANTS, GRAPH_FUNCTIONS
from agrad.engine.ops import OVERLOADS, TABLE, Op

OPERATORS = [
    ("a + b", "add"), ("a - b", "sub"), ("c - x (c a number)", "rsub"), ("a * b", "mul"), ("a / b", "div"),
    ("c / x (c a number)", "reciprocal"), ("a ^ b, a ** b", "pow"), ("x ^ c (c a number)", "pow_scalar"),
    ("c ^ x (c a number)", "rpow"), ("-x", "neg"), ("v[i] (i a whole number)", "select"),
]


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

    table = Table(title="agrad's operators and functions (PyTorch semantics, float64)")
    for col in ("name", "arity", "derivatives", "grad_fn", "edge conventions"):
        table.add_column(col, overflow="fold")
    for row in rows():
        table.add_row(row["name"], str(row["arity"]), row["derivatives"], row["grad_fn"], row["notes"])
    console = Console()
    console.print(table)
    console.print("Constants: " + ", ".join(f"{k} = {v!r}" for k, v in CONSTANTS.items()))
    console.print("Comparable PyTorch calls: max(a, b) is torch.maximum and max(v) torch.max(v) (min likewise), "
                  "norm is torch.linalg.vector_norm, softplus is torch.nn.functional.softplus, a vector literal "
                  "[a, b, ...] is torch.stack (StackBackward0); a number written in the expression is a Python "
                  "number.")
