"""float32 cases: what torch 2.13 (CPU, float32) gives for agrad expressions under --dtype float32.

Run with torch installed to record them (tests/test_float32.py compares agrad with the record,
without torch):

    PYTHONPATH=src python tests/torch_reference/generate_float32.py

and to count how closely the agrad on the path agrees with the record, by kind of case (bit for
bit, within 1 ulp of float32, more), without torch:

    PYTHONPATH=src python tests/torch_reference/generate_float32.py --count

The kinds: arithmetic; powers with literal exponents (torch computes 2, 3, -2 as products, -1 as
a reciprocal, 0.5 and -0.5 by sqrt, others by pow) and their gradients; every one-argument
function at scalar points and over a vector (torch's SIMD kernels); the reductions sum, mean,
prod, norm and dot at every length 1..64 and at 100 and 1000; the gradient of a broadcast
operand (a sum); seeds given from outside (--gradient), which torch rounds to float32.

Long vectors are not written out: a binding {"seed": s, "n": n, "dist": d} is made again by
`vector` (Python's random, whose sequence is fixed for a seed), rounded to float32. Vectors of
results are written as their float32 bits, deflated, in base64 ("z:..."): exact and short.
"""

from __future__ import annotations

import base64
import json
import math
import random
import struct
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "float32_cases.json"

REDUCTION_LENGTHS = list(range(1, 65)) + [100, 1000]
POWERS = [2.0, 3.0, -2.0, -1.0, 0.5, -0.5, 4.0, 1.5, -3.0]
POINTS = [1.83, -0.7, 0.3, 2.5, -2.2, 0.01, 7.1, 0.999]
FUNCTION_POINTS = [0.3, -0.7, 1.83, 0.05, -2.2, 0.9]
UNARY_SKIP = {"acosh": [1.5, 2.0, 3.7, 1.01, 10.0, 1.2]}  # acosh's domain is x >= 1


def f32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def vector(seed: int, n: int, dist: str) -> list[float]:
    """A float32 vector: "normal" (magnitudes over four decades, both signs: sums that round),
    "unit" (magnitudes 0.5-1.6, both signs: products of 1000 elements stay in range)."""
    rng = random.Random(seed)
    if dist == "unit":
        return [f32(rng.uniform(0.5, 1.6) * rng.choice((-1.0, 1.0))) for _ in range(n)]
    return [f32(rng.gauss(0.0, 1.0) * 10.0 ** rng.uniform(-2.0, 2.0)) for _ in range(n)]


def binding(value):
    """A case's binding as a value: a number, a list, or a vector's {"seed", "n", "dist"}."""
    if isinstance(value, dict):
        return vector(value["seed"], value["n"], value["dist"])
    return value


def encode(value):
    """A number (non-finite ones as text), or a vector as "z:" and its float32 bits, deflated
    and in base64 (a vector of equal elements, such as a sum's gradient, takes a few bytes)."""
    if isinstance(value, list):
        return "z:" + base64.b64encode(zlib.compress(struct.pack(f">{len(value)}f", *value), 9)).decode()
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def decode(value):
    if isinstance(value, str) and value.startswith("z:"):
        raw = zlib.decompress(base64.b64decode(value[2:]))
        return list(struct.unpack(f">{len(raw) // 4}f", raw))
    if isinstance(value, str):
        return float(value)
    return value


# -- the cases: (kind, expr, bindings, gradient, torch function of the leaves) ----------------

def cases():
    """Every case, with the torch function that computes it (the function takes the leaves in
    the order of the bindings and returns the output)."""
    out = []

    def add(kind, expr, bindings, fn, gradient=None):
        out.append({"kind": kind, "expr": expr, "bindings": bindings, "gradient": gradient, "fn": fn})

    rng = random.Random(20261205)
    for op, fn in (("+", lambda x, w: x + w), ("-", lambda x, w: x - w), ("*", lambda x, w: x * w),
                   ("/", lambda x, w: x / w)):
        for _ in range(8):
            x, w = f32(rng.uniform(-5, 5)), f32(rng.uniform(-5, 5))
            add("arithmetic", f"x {op} (w * 0.1)", {"x": x, "w": w}, lambda x, w, fn=fn: fn(x, w * 0.1))
    for p in POWERS:
        for x in POINTS:
            kind = "power" if p in (2.0, 3.0, -2.0, -1.0, -0.5) else "power (sqrt)" if p == 0.5 else "power (pow)"
            add(kind, f"x^{p:g}", {"x": f32(abs(x) if p in (0.5, 1.5, -0.5) else x)}, lambda x, p=p: x ** p)
        base = "abs(x)" if p in (0.5, 1.5, -0.5) else "x"
        add(kind + " vector", f"sum({base}^{p:g})", {"x": {"seed": int(p * 10) + 100, "n": 37, "dist": "unit"}},
            lambda x, p=p: (x.abs() ** p).sum() if p in (0.5, 1.5, -0.5) else (x ** p).sum())
    _functions(add)
    for n in REDUCTION_LENGTHS:
        x = {"seed": n, "n": n, "dist": "normal"}
        u = {"seed": n + 5000, "n": n, "dist": "unit"}
        w = {"seed": n + 9000, "n": n, "dist": "normal"}
        add("sum", "sum(x)", {"x": x}, lambda x: x.sum())
        add("mean", "mean(x)", {"x": x}, lambda x: x.mean())
        add("prod", "prod(x)", {"x": u}, lambda x: x.prod())
        add("norm", "norm(x)", {"x": x}, lambda x: __import__("torch").linalg.vector_norm(x))
        add("dot", "dot(x, w)", {"x": x, "w": w}, lambda x, w: __import__("torch").dot(x, w))
        add("broadcast gradient", "sum(x * s)", {"x": x, "s": f32(1.3)}, lambda x, s: (x * s).sum())
        add("broadcast gradient", "y * s", {"y": x, "s": f32(-0.7)}, lambda y, s: y * s,
            gradient={"seed": n + 7000, "n": n, "dist": "normal"})
    for g in (0.1, 0.3, 1 / 3, 2.2, 1e-3):
        add("seed", "y - y", {"y": [1.0]}, lambda y: y - y, gradient=[g])
        add("seed", "y * 3", {"y": [1.0, 2.0]}, lambda y: y * 3, gradient=[g, -g])
        add("seed", "y * w", {"y": f32(1.7), "w": f32(0.3)}, lambda y, w: y * w, gradient=g)
    return out


def _functions(add):
    from agrad.engine import ops

    try:  # the tests import this module as torch_reference.generate_float32
        from torch_reference.generate import torch_path
    except ImportError:  # run as a script, from this folder
        from generate import torch_path

    for name, op in sorted(ops.public_functions().items()):
        if op.arity != 1 or not op.elementwise:
            continue
        path = torch_path(op)
        fn = lambda x, path=path: _torch_function(path)(x)  # noqa: E731
        for x in UNARY_SKIP.get(name, FUNCTION_POINTS):
            add("function", f"{name}(x)", {"x": f32(x)}, fn)
        dist = {"seed": len(name) * 31 + ord(name[0]), "n": 40, "dist": "unit"}
        if name == "acosh":
            add("function vector", "sum(acosh(abs(x) + 1))", {"x": dist},
                lambda x, fn=fn: fn(x.abs() + 1).sum())
        else:
            add("function vector", f"sum({name}(x))", {"x": dist}, lambda x, fn=fn: fn(x).sum())


def _torch_function(path: str):
    import torch

    target = torch
    for part in path.split("."):
        target = getattr(target, part)
    return target


# -- torch and agrad --------------------------------------------------------------------------

def run_torch(case) -> dict:
    import torch

    names = list(case["bindings"])
    leaves = [torch.tensor(binding(case["bindings"][k]), dtype=torch.float32, requires_grad=True) for k in names]
    out = case["fn"](*leaves)
    gradient = case["gradient"]
    if gradient is None:
        out.backward()
    else:
        out.backward(torch.tensor(binding(gradient), dtype=torch.float32))
    return {"value": out.tolist(), "grads": {k: t.grad.tolist() for k, t in zip(names, leaves)}}


def run_agrad(record) -> dict:
    import agrad

    bindings = {k: binding(v) for k, v in record["bindings"].items()}
    gradient = record["gradient"]
    r = agrad.run(record["expr"], bindings, dtype="float32",
                  gradient=None if gradient is None else binding(gradient))
    return {"value": _plain(r.value), "grads": {k: _plain(r.grads[k]) for k in bindings}}


def _plain(value):
    return value.tolist() if hasattr(value, "tolist") else value


def ulps(a: float, b: float) -> int:
    """How many float32 values apart a and b are (0 for two nans, or the same infinity)."""
    if math.isnan(a) or math.isnan(b):
        return 0 if math.isnan(a) and math.isnan(b) else 1 << 32
    if a == b:
        return 0
    return abs(_ordered(a) - _ordered(b))


def _ordered(x: float) -> int:
    bits = struct.unpack("<i", struct.pack("<f", x))[0]
    return bits if bits >= 0 else -(bits & 0x7FFFFFFF)


def distance(got, want) -> int:
    """The largest ulps over a case's value and every gradient element."""
    if isinstance(want, list) or isinstance(got, list):
        if not (isinstance(want, list) and isinstance(got, list)) or len(got) != len(want):
            return 1 << 32
        return max((ulps(g, w) for g, w in zip(got, want)), default=0)
    return ulps(got, want)


def case_distance(record) -> int:
    got = run_agrad(record)
    worst = distance(got["value"], decode(record["value"]))
    for name, want in record["grads"].items():
        worst = max(worst, distance(got["grads"][name], decode(want)))
    return worst


def count(records) -> dict:
    """kind: [bit for bit, within 1 ulp, more] over the records."""
    table: dict[str, list[int]] = {}
    for record in records:
        d = case_distance(record)
        row = table.setdefault(record["kind"], [0, 0, 0])
        row[0 if d == 0 else 1 if d == 1 else 2] += 1
    return table


def main(argv) -> None:
    if "--count" in argv:
        records = json.loads(CASES.read_text(encoding="utf-8"))["cases"]
        table = count(records)
        total = [sum(col) for col in zip(*table.values())]
        print(f"{'kind':24} {'bit for bit':>11} {'1 ulp':>6} {'more':>5}")
        for kind, (same, one, more) in list(table.items()) + [("all", total)]:
            print(f"{kind:24} {same:11} {one:6} {more:5}")
        return
    import torch

    records = []
    for case in cases():
        result = run_torch(case)
        records.append({"kind": case["kind"], "expr": case["expr"], "bindings": case["bindings"],
                        "gradient": case["gradient"], "value": encode(result["value"]),
                        "grads": {k: encode(v) for k, v in result["grads"].items()}})
    CASES.write_text(json.dumps({"torch": torch.__version__, "cpu": torch.backends.cpu.get_cpu_capability(),
                                 "cases": records}, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(records)} cases -> {CASES}")


if __name__ == "__main__":
    main(sys.argv[1:])
