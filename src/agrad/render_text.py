"""The machine-readable outputs, JSON and plain text; no Rich here, so these paths start fast."""

from __future__ import annotations

import json

from . import numbers
from .api import Result


def as_json(result: Result) -> str:
    record = {
        "expr": result.source,
        "value": numbers.json_value(result.value),
        "grad_fn": result.grad_fn,
        "grads": {name: numbers.json_value(g) for name, g in result.grads.items()},
    }
    return json.dumps(record, ensure_ascii=False)


def as_plain(result: Result) -> str:
    """The value, then each used variable's gradient in order of first appearance, tab-separated."""
    fields = [numbers.text(result.value)] + [numbers.text(result.grads[name]) for name in result.used]
    return "\t".join(fields)
