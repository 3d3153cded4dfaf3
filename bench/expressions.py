"""Random expressions of 2 to 12 operations over the whole op table, for the benchmarks:
deterministic for a seed, each with its own bindings (x, w, v), as torch eager would get them."""

from __future__ import annotations

import random

UNARY = ["abs", "sqrt", "exp", "log", "log1p", "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh",
         "asinh", "sigmoid", "relu", "softplus", "erf", "floor", "ceil", "round", "sign", "expm1", "log2", "log10"]
BINARY_FUNCS = ["max", "min", "atan2", "hypot", "pow"]
OPERATORS = ["+", "-", "*", "/", "^"]
VARIABLES = ["x", "w", "v"]


def _leaf(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(VARIABLES)
    return repr(round(rng.uniform(0.5, 3.0), 2))


def expression(rng: random.Random, ops: int) -> str:
    """An expression with exactly `ops` operations, built bottom-up (no recursion)."""
    parts = [_leaf(rng)]
    for _ in range(ops):
        kind = rng.random()
        if kind < 0.45 or len(parts) == 0:
            i = rng.randrange(len(parts))
            parts[i] = f"{rng.choice(UNARY)}({parts[i]})"
        elif kind < 0.9:
            op = rng.choice(OPERATORS)
            right = _leaf(rng) if op != "^" else repr(rng.choice([2, 3, 0.5]))
            i = rng.randrange(len(parts))
            parts[i] = f"({parts[i]} {op} {right})"
        else:
            i = rng.randrange(len(parts))
            parts[i] = f"{rng.choice(BINARY_FUNCS)}({parts[i]}, {_leaf(rng)})"
    return parts[0]


def generate(n: int, seed: int = 0) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        src = expression(rng, rng.randint(2, 12))
        bindings = {name: round(rng.uniform(0.2, 2.0), 3) for name in VARIABLES if name in src}
        out.append((src, bindings))
    return out
