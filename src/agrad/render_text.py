"""The machine-readable outputs, JSON and plain text; no Rich here, so these paths start fast."""

from __future__ import annotations

import json

from . import numbers
from .api import Result
from .errors import BindingError


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
    """The JSON record: expr, value, grad_fn, grads; and what the options asked for."""
    rec = {
        "expr": result.source,
        "value": numbers.json_value(result.value),
        "grad_fn": result.grad_fn,
        "grads": _grads(result.grads),
    }
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
    return rec


def as_json(result: Result, no_grad_reason: str | None = None) -> str:
    return json.dumps(record(result, no_grad_reason), ensure_ascii=False)


def _line(value, grads: dict, names) -> str:
    return "\t".join([numbers.text(value)] + [numbers.text(grads.get(name)) for name in names])


def as_plain(result: Result) -> str:
    """The value, then each used variable's gradient in order of first appearance (then retained
    intermediates), tab-separated; one such line per backward pass. Then, when asked for, one
    line per trace step, per variable's derivatives, per Hessian row."""
    names = list(result.used) + [n for n in result.grads if n not in result.variables]
    lines = [_line(result.value, p, names) for p in result.passes] or [_line(result.value, result.grads, names)]
    for steps in result.trace:
        for step in steps:
            if step["kind"] == "accumulate":
                lines.append("\t".join(["accumulate", step["node"], numbers.text(step["grad_in"]),
                                        numbers.text(step["grad"])]))
            for inp in step.get("inputs", ()):
                lines.append("\t".join(["step", step["node"], numbers.text(step["grad_in"]), inp["input"],
                                        numbers.text(inp["local"]), numbers.text(inp["sent"])]))
    for name, values in (result.derivatives or {}).items():
        lines.append("\t".join([name] + [numbers.text(v) for v in values]))
    if result.hessian:
        for row in result.hessian[1]:
            lines.append("\t".join(numbers.text(v) for v in row))
    return "\n".join(lines)


def one_gradient(result: Result, name: str) -> tuple[str, str | None]:
    """`--grad NAME`: NAME's gradient as a bare number, and a warning to print, if any (reading
    the grad of a non-leaf that does not retain it). BindingError when NAME is not known."""
    if name in result.grads:
        return numbers.text(result.grads[name]), None
    if name in result.assigned:
        from .tensor import NONLEAF_GRAD_WARNING

        return "None", f"agrad: warning: {NONLEAF_GRAD_WARNING}"
    known = ", ".join(list(result.grads) + list(result.assigned)) or "none"
    raise BindingError(f"--grad {name}: no variable or assigned name '{name}' (known: {known})")
