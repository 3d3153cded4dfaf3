"""`agrad plot --format csv|json`: the sweep's points as text, every number written as `agrad
eval` writes it (values/write.py: repr, and nan, inf, -inf; in JSON the non-finite ones as
strings), so that each one can be checked against eval at its point."""

from __future__ import annotations

from agrad.values import write as numbers


def _texts(column, json: bool) -> list[str]:
    if column is None:  # no gradient (torch's None): eval's empty csv cell, JSON's null
        return None
    texts = numbers.repr_texts(column)
    if json:
        texts = [t if t[-1].isdigit() else f'"{t}"' for t in texts]  # (nan, inf, -inf: strings)
    return texts


def csv_text(sweep) -> str:
    """A header (x,f,df/dx,...[,tangent]) and a row a point."""
    n = len(sweep.x)
    columns = [_texts(c, False) or [""] * n for c in sweep.all()]
    lines = [",".join(sweep.names)] + [",".join(row) for row in zip(*columns)]
    return "\n".join(lines) + "\n"


def json_text(sweep) -> str:
    """One JSON object: the expression, the swept variable, the fixed ones, the tangent line's
    point and slope, and "points", an object a point keyed by the csv header's names."""
    import json

    head = {"expr": sweep.source, "variable": sweep.name,
            "fixed": {k: numbers.json_value(float(v)) for k, v in sweep.fixed.items()}, "order": sweep.order}
    if sweep.tangent is not None:
        at, f0, slope, _ = sweep.tangent
        head["tangent"] = {"at": numbers.json_value(at), "f": numbers.json_value(f0),
                           "slope": numbers.json_value(slope)}
    keys = [json.dumps(name) for name in sweep.names]
    n = len(sweep.x)
    columns = [_texts(c, True) or ["null"] * n for c in sweep.all()]
    rows = ("{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, row)) + "}" for row in zip(*columns))
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "points": [\n' + ",\n".join(rows) + "\n]}\n"
