"""The machine-readable outputs, JSON and plain text; no Rich here, so these paths start fast.

Vectors are written in full: JSON lists, and in plain text their elements joined by commas
(`2.0,1.0`), one field per value, fields separated by tabs.
"""

from __future__ import annotations

import json

from agrad.values import write as numbers
from agrad.evaluation.api import Result
from agrad.errors import BindingError


def _grads(grads: dict) -> dict:
    return {name: numbers.json_value(g) for name, g in grads.items()}


def _step(step: dict) -> dict:
    out = dict(step)
    for key in ("grad_in", "grad"):
        if key in out:
            out[key] = numbers.json_value(out[key])
    if "inputs" in out:
        out["inputs"] = [{**inp, "local": numbers.json_value(inp["local"]), "sent": numbers.json_value(inp["sent"])}
                         for inp in out["inputs"]]
    return out


def record(result: Result, no_grad_reason: str | None = None) -> dict:
    """The JSON record: expr, value, grad_fn, grads (or the jacobian); and what the options
    asked for."""
    rec = {
        "expr": result.source,
        "value": numbers.json_value(result.value),
        "grad_fn": result.grad_fn,
    }
    if result.gradient is not None:
        rec["gradient"] = numbers.json_value(result.gradient)
    if result.jacobian is not None:
        rec["jacobian"] = _grads(result.jacobian)
    elif result.jvp is not None:  # forward mode ran in place of backward: no grads
        rec["jvp"] = numbers.json_value(result.jvp)
    else:
        rec["grads"] = _grads(result.grads)
    if result.dtype != "float64":
        rec["dtype"] = result.dtype
    if len(result.passes) > 1:
        rec["passes"] = [_grads(p) for p in result.passes]
    if result.trace:
        rec["trace"] = [_step(s) for s in result.trace[0]] if len(result.trace) == 1 else \
            [[_step(s) for s in steps] for steps in result.trace]
    if result.derivatives is not None:
        rec["derivatives"] = {n: [numbers.json_value(v) for v in vs] for n, vs in result.derivatives.items()}
    if result.hessian is not None:
        names, matrix = result.hessian
        rec["hessian"] = {"variables": names, "matrix": [[numbers.json_value(v) for v in row] for row in matrix]}
    notes = ([no_grad_reason] if no_grad_reason else []) + result.notes
    if notes:
        rec["notes"] = notes
    if result.check is not None:
        from agrad.render.check import record as check_record

        rec["check"] = check_record(result.check)
    if result.torch is not None:
        rec["torch"] = result.torch
    return rec


# The record's values that may be long vectors: written by orjson (values/write.py), the rest by json.
_VECTORS = {"value", "gradient", "jvp"}
_VECTOR_DICTS = {"grads", "jacobian"}

# json.dumps(record, ensure_ascii=False), with one encoder for every record (json.dumps with an
# option builds an encoder per call)
_JSON = json.JSONEncoder(ensure_ascii=False).encode


def json_text(rec: dict) -> str:
    """A record (or an error record) as one line of JSON, the same bytes for one expression and
    a batch: json.dumps's, but the vectors of value, gradient, grads and jacobian written by
    orjson (1e-7 where json writes 1e-07; values/write.py)."""
    if type(rec.get("value")) is not list and "gradient" not in rec and "jacobian" not in rec and \
            type(rec.get("jvp")) is not list and \
            list not in set(map(type, rec.get("grads", {}).values())):
        return _JSON(rec)  # scalars only, the batch's common case: one call
    fields = []
    for key, value in rec.items():
        if key in _VECTORS:
            text = _json(value)
        elif key in _VECTOR_DICTS:
            text = "{" + ", ".join(f"{json.dumps(name, ensure_ascii=False)}: {_json(v)}"
                                   for name, v in value.items()) + "}"
        else:
            text = json.dumps(value, ensure_ascii=False)
        fields.append(f"{json.dumps(key)}: {text}")
    return "{" + ", ".join(fields) + "}"


def _json(value) -> str:
    if isinstance(value, list):
        from agrad.values.write import dumps

        return dumps(value)
    return json.dumps(value)


def _line(value, grads: dict, names) -> str:
    return "\t".join([numbers.plain(value)] + [numbers.plain(grads.get(name)) for name in names])


def as_plain(result: Result) -> str:
    """The value, then each used variable's gradient in order of first appearance (then retained
    intermediates), tab-separated, a vector's elements joined by commas; one such line per
    backward pass. Then, when asked for, one line per trace step, per variable's derivatives, per
    Hessian row (`hessian`, the row's variable, then the row). With a Jacobian: the value, then one line per Jacobian row, the variable's name
    first. With --jvp: the value and the jvp, one line."""
    if result.jacobian is not None:
        lines = [numbers.plain(result.value)]
        for name, rows in result.jacobian.items():
            lines += [f"{name}\t{numbers.plain(row)}" for row in jacobian_rows(rows, result.value)]
        return "\n".join(lines)
    if result.jvp is not None:  # the value, then the Jacobian-vector product
        return f"{numbers.plain(result.value)}\t{numbers.plain(result.jvp)}"
    names = list(result.used) + result.retained
    lines = [_line(result.value, p, names) for p in result.passes] or [_line(result.value, result.grads, names)]
    for steps in result.trace:
        for step in steps:
            if step["kind"] == "accumulate":
                lines.append("\t".join(["accumulate", step["node"], numbers.plain(step["grad_in"]),
                                        numbers.plain(step["grad"])]))
            for inp in step.get("inputs", ()):
                lines.append("\t".join(["step", step["node"], numbers.plain(step["grad_in"]), inp["input"],
                                        numbers.plain(inp["local"]), numbers.plain(inp["sent"])]))
    for name, values in (result.derivatives or {}).items():
        lines.append("\t".join([name] + [numbers.plain(v) for v in values]))
    if result.hessian:
        names, matrix = result.hessian
        for name, row in zip(names, matrix):  # labelled like a derivatives line: the row's variable first
            lines.append("\t".join(["hessian", name] + [numbers.plain(v) for v in row]))
    if result.check is not None:
        from agrad.render.check import plain_lines

        lines += plain_lines(result.check)
    return "\n".join(lines)


def one_gradient(result: Result, name: str) -> tuple[str, str | None]:
    """`--grad NAME`: NAME's gradient as a bare number (a vector's elements joined by commas; with
    a Jacobian, its rows one per line), and a warning to print, if any (reading
    the grad of a non-leaf that does not retain it). BindingError when NAME is not known."""
    if result.jacobian is not None and name in result.jacobian:
        rows = jacobian_rows(result.jacobian[name], result.value)
        return "\n".join(numbers.plain(row) for row in rows), None
    if name in result.grads:
        return numbers.plain(result.grads[name]), None
    if name in result.assigned:
        from agrad.engine.tensor import NONLEAF_GRAD_WARNING

        return "None", f"agrad: warning: {NONLEAF_GRAD_WARNING}"
    known = ", ".join(list(result.grads) + list(result.assigned)) or "none"
    raise BindingError(f"--grad {name}: no variable or assigned name '{name}' (known: {known})")


def jacobian_rows(jacobian, output) -> list:
    """A Jacobian as a list of rows, one per output element: a scalar output's Jacobian is one
    row (a number or a vector); a vector output's with respect to a scalar is a column."""
    if not isinstance(output, list):
        return [jacobian]
    if jacobian and isinstance(jacobian[0], list):
        return jacobian
    return [[v] for v in jacobian]
