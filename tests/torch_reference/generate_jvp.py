"""Generate tests/torch_reference/jvp_cases.json: torch.func.jvp on agrad's expressions.

Run with torch installed:  PYTHONPATH=src python tests/torch_reference/generate_jvp.py

The expressions are generate_vectors.py's random vector trees (every elementwise function and
operator, the reductions, dot, norm, indexing, vector literals, a broadcast scalar and a
one-element vector) and its edge cases, with tangents drawn for every variable; torch computes
them with torch.func.jvp over float64 tensors, so no text is evaluated. Each record holds the
expression, the bindings, the tangents, torch's value and torch's jvp. tests/test_jvp.py checks
agrad.jvp against them without torch, and against fresh cases with the installed torch.
"""

from __future__ import annotations

import json
import random

try:  # the tests import this module as torch_reference.generate_jvp
    from torch_reference.generate_vectors import (CASES as _VECTOR_CASES, EDGE_CASES, ast_tree, encode,
                                                  random_case, torch_value)
except ImportError:  # run as a script, from this folder
    from generate_vectors import CASES as _VECTOR_CASES, EDGE_CASES, ast_tree, encode, random_case, torch_value

CASES = _VECTOR_CASES.with_name("jvp_cases.json")


def tangents_for(rng: random.Random, bindings: dict) -> dict:
    def draw():
        return round(rng.uniform(-1.5, 1.5), 3)

    return {name: [draw() for _ in value] if isinstance(value, list) else draw() for name, value in bindings.items()}


def run_torch(tree, bindings: dict, tangents: dict) -> dict:
    """torch.func.jvp of the tree over the bindings (in their order), float64."""
    import torch
    from torch.func import jvp

    names = list(bindings)

    def f(*primals):
        return torch_value(tree, dict(zip(names, primals)))

    primals = tuple(torch.tensor(bindings[n], dtype=torch.float64) for n in names)
    tangent = tuple(torch.tensor(tangents[n], dtype=torch.float64) for n in names)
    value, out = jvp(f, primals, tangent)
    return {"value": encode(value.tolist()), "jvp": encode(out.tolist())}


def cases(rng: random.Random, n: int) -> list[dict]:
    """n random cases and the edge cases: {expr, tree, bindings, tangents}."""
    out = []
    for _ in range(n):
        case = random_case(rng)
        out.append({"expr": case["expr"], "tree": case["tree"], "bindings": case["bindings"],
                    "tangents": tangents_for(rng, case["bindings"])})
    for expr, bindings, _ in EDGE_CASES:
        if any(isinstance(v, list) and not v for v in bindings.values()):
            continue  # (empty vectors: torch.func.jvp's tangent of [] is fine, but nothing to see)
        out.append({"expr": expr, "tree": ast_tree(expr), "bindings": bindings,
                    "tangents": tangents_for(rng, bindings)})
    return out


def main() -> None:
    import torch

    records = []
    for case in cases(random.Random(20261205), 300):
        records.append({"expr": case["expr"], "bindings": {k: encode(v) for k, v in case["bindings"].items()},
                        "tangents": case["tangents"], **run_torch(case["tree"], case["bindings"], case["tangents"])})
    lines = ",\n".join(json.dumps(record) for record in records)
    CASES.write_text(f'{{"torch": "{torch.__version__}", "cases": [\n{lines}\n]}}\n', encoding="utf-8")
    print(f"wrote {len(records)} cases to {CASES}")


if __name__ == "__main__":
    main()
