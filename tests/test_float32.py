"""--dtype float32 against torch 2.13's float32 (CPU), from the cases recorded by
tests/torch_reference/generate_float32.py (no torch needed): what the README says is bit for
bit is bit for bit, and the rest is within the number of float32 ulps the README states.
Also hand-derived float32 values, computed here with numpy's float32 arithmetic (each operation
correctly rounded, as torch's), for the examples of issue 16."""

import json

import numpy as np
import pytest

import agrad
from torch_reference import generate_float32 as G

RECORDS = json.loads(G.CASES.read_text(encoding="utf-8"))["cases"]
F = np.float32

# kind: the most float32 ulps agrad may be from torch (0: bit for bit); the README's float32 table
EXACT = {"arithmetic", "power", "sum", "mean", "prod", "norm", "dot", "broadcast gradient", "seed"}
WITHIN = {"power (sqrt)": 1, "power (sqrt) vector": 1, "power (pow)": 1, "power (pow) vector": 1,
          "power vector": 1, "function": 8, "function vector": 96}


def _length(record) -> int:
    x = record["bindings"]["x"]
    return x["n"] if isinstance(x, dict) else 1


def _allowed(record) -> tuple[int, int]:
    """(ulps for the value, ulps for the gradients)."""
    kind = record["kind"]
    if kind in EXACT:
        return 0, 0
    if kind == "power vector":  # x^c's gradient takes x^(c-1): a product only for c-1 in 2, 3, -2, -1
        return 0, 1
    return WITHIN[kind], WITHIN[kind]


def test_the_cases_cover_what_the_readme_claims():
    kinds = {record["kind"] for record in RECORDS}
    assert kinds == EXACT | set(WITHIN), kinds
    lengths = {_length(r) for r in RECORDS if r["kind"] == "sum"}
    assert lengths == set(range(1, 65)) | {100, 1000}
    functions = {r["expr"].split("(")[0] for r in RECORDS if r["kind"] == "function"}
    assert {"exp", "log", "sin", "tanh", "sigmoid", "softplus", "erf", "gelu"} <= functions


@pytest.mark.parametrize("record", RECORDS, ids=[f"{i}:{r['kind']}:{r['expr'][:30]}" for i, r in enumerate(RECORDS)])
def test_against_torch_float32(record):
    value_ulps, grad_ulps = _allowed(record)
    got = G.run_agrad(record)
    assert G.distance(got["value"], G.decode(record["value"])) <= value_ulps, (got["value"], record["value"])
    for name, want in record["grads"].items():
        assert G.distance(got["grads"][name], G.decode(want)) <= grad_ulps, name


def test_most_function_cases_are_bit_for_bit():
    functions = [r for r in RECORDS if r["kind"] == "function"]
    same = sum(G.case_distance(r) == 0 for r in functions)
    assert same >= 0.75 * len(functions)


# -- the examples of issue 16, by hand: numpy float32 operations in torch's order -------------

def run32(source, gradient=None, **bindings):
    return agrad.run(source, bindings, dtype="float32", gradient=gradient)


def test_cube_is_a_float32_product():
    x = F(1.83)
    r = run32("x^3", x=float(x))
    assert r.value == float(x * x * x) == 6.1284871101379395
    assert r.grads["x"] == float(F(3.0) * (x * x))


def test_negative_powers_and_their_gradients():
    x = F(1.83)
    assert run32("x^-2", x=float(x)).value == float(F(1.0) / (x * x))
    r = run32("x^-1", x=float(x))
    assert r.value == float(F(1.0) / x)
    assert r.grads["x"] == float(F(-1.0) * (F(1.0) / (x * x)))
    assert run32("x^4", x=float(x)).grads["x"] == float(F(4.0) * (x * x * x))


def test_a_short_sum_is_summed_in_float32():
    r = run32("sum(x)", x=[2, 2.8, -2.6])
    assert r.value == float((F(2) + F(2.8)) + F(-2.6)) == 2.200000286102295


def test_sum_uses_eight_lanes_from_eight_elements():
    # 16 elements: two vectors of 8 added lane by lane, then the lanes in order; 2^24 + 1
    # loses the 1 in float32, so the order shows in the result
    x = [2.0 ** 24] + [1.0] * 15
    lanes = [F(x[i]) + F(x[i + 8]) for i in range(8)]
    total = F(0.0)
    for v in lanes:
        total = total + v
    assert run32("sum(x)", x=x).value == float(total) == 2.0 ** 24 + 14


def test_mean_is_the_float32_sum_over_n():
    x = [0.1, 0.2, 0.7]
    assert run32("mean(x)", x=x).value == float(((F(0.1) + F(0.2)) + F(0.7)) / F(3))


def test_reductions_overflow_in_float32():
    assert run32("norm(x)", x=[1e30, 1.0]).value == float("inf")
    assert run32("sum(x)", x=[3e38, 3e38]).value == float("inf")
    assert run32("prod(x)", x=[1e20, 1e20, 1e-20]).value == float("inf")
    assert run32("norm(x)", x=[1e-30]).value == float(F(1e-30))  # one element: its abs, unsquared


def test_a_seed_is_rounded_to_float32():
    assert run32("y - y", gradient=[0.1], y=[1.0]).grads["y"] == [0.0]
    assert run32("y * 3", gradient=[0.1], y=[1.0]).grads["y"] == [float(F(0.1) * F(3))]


def test_the_gradient_of_a_broadcast_operand_is_a_float32_sum():
    x = [2.0, 2.8, -2.6]
    r = run32("sum(x * s)", x=x, s=1.0)
    assert r.grads["s"] == float((F(2) + F(2.8)) + F(-2.6))


def test_one_element_norm_in_float64_is_its_abs():
    r = agrad.evaluate("norm(x)", x=[1e200])
    assert r.value == 1e200 and list(r.grads["x"]) == [1.0]
    r = agrad.evaluate("norm(x)", x=[-1e-320])
    assert r.value == 1e-320 and list(r.grads["x"]) == [-1.0]
    assert agrad.evaluate("norm(x)", x=[1e200, 1.0]).value == float("inf")  # no scaling, as torch


def test_live_random_reductions_against_torch():
    """Fresh vectors of random lengths (a new seed each run, printed on failure) against the
    installed torch: every reduction bit for bit, values and gradients."""
    torch = pytest.importorskip("torch")
    import random

    torch.set_num_threads(1)  # (more threads split sums of more than ~65,536 elements; none here)
    seed = random.randrange(10**9)
    rng = random.Random(seed)
    for _ in range(40):
        n = rng.choice([rng.randint(1, 70), rng.randint(71, 3000)])
        x = {"seed": rng.randrange(10**9), "n": n, "dist": "normal"}
        u = {"seed": rng.randrange(10**9), "n": n, "dist": "unit"}
        for expr, bindings, fn in (
                ("sum(x)", {"x": x}, lambda x: x.sum()), ("mean(x)", {"x": x}, lambda x: x.mean()),
                ("prod(x)", {"x": u}, lambda x: x.prod()), ("norm(x)", {"x": x}, torch.linalg.vector_norm),
                ("dot(x, w)", {"x": x, "w": u}, torch.dot), ("sum(x * s)", {"x": x, "s": 1.3}, lambda x, s: (x * s).sum())):
            case = {"expr": expr, "bindings": bindings, "gradient": None, "fn": fn}
            want = G.run_torch(case)
            record = {**case, "value": G.encode(want["value"]), "grads": {k: G.encode(v) for k, v in want["grads"].items()}}
            assert G.case_distance(record) == 0, f"random seed {seed}: {expr} at length {n}"
