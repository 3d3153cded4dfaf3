"""agrad refuses what torch refuses, in torch's words: each case of
torch_reference/error_cases.json (made by torch_reference/generate_errors.py, which ran torch)
is an agrad program, or a call of agrad's Python API, and the text torch raised for the same
computation; agrad's message must contain it. No torch needed here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import agrad
from agrad import tensor
from agrad.engine.autograd import grad

RECORDED = Path(__file__).parent / "torch_reference" / "error_cases.json"
CASES = json.loads(RECORDED.read_text(encoding="utf-8"))["cases"]
PROGRAMS = [c for c in CASES if "source" in c]
API = {c["api"]: c["torch"] for c in CASES if "api" in c}


def _options(options: dict) -> dict:
    out = dict(options)
    if "hooks" in out:
        out["hooks"] = tuple(tuple(pair) for pair in out["hooks"])
    for name in ("no_grad", "retain_grad"):
        if name in out:
            out[name] = frozenset(out[name])
    return out


@pytest.mark.parametrize("case", PROGRAMS, ids=lambda c: f"{c['source']} {sorted(c['options'])}")
def test_agrad_refuses_in_torchs_words(case):
    with pytest.raises(agrad.AgradError) as info:
        agrad.run(case["source"], case["bindings"], **_options(case["options"]))
    assert case["torch"] in info.value.message


def _leaves():
    return {"x": tensor(1.0, requires_grad=True), "w": tensor(2.0, requires_grad=True),
            "z": tensor(3.0, requires_grad=True), "n": tensor(4.0)}


def _api_calls():
    v = _leaves()
    return {  # the same calls as generate_errors.API, on agrad's engine
        "grad_unused_second": lambda: grad(v["x"] * 2, [v["x"], v["w"]]),
        "grad_unused_first": lambda: grad(v["x"] * 2, [v["w"], v["x"]]),
        "grad_unused_third": lambda: grad(v["x"] * v["w"], [v["x"], v["w"], v["z"]]),
        "grad_not_requiring": lambda: grad(v["x"] * v["w"], [v["n"]]),
        "backward_of_constant": lambda: (v["n"] * 2).backward(),
    }


@pytest.mark.parametrize("name", sorted(API))
def test_the_python_api_refuses_in_torchs_words(name):
    with pytest.raises(agrad.AgradError) as info:
        _api_calls()[name]()
    assert info.value.message == API[name]


def test_every_case_is_checked():
    assert set(API) == set(_api_calls()) and len(PROGRAMS) >= 15


def test_hessian_of_a_vector_is_a_usage_error_with_exit_2():
    with pytest.raises(agrad.AgradError) as info:
        agrad.run("x*2", {"x": [1.0, 2.0]}, hessian=True)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("source, bindings, want", [
    ("grad(sum(x), w)", {"x": [1.0, 2.0], "w": [1.0, 2.0, 3.0]}, [0.0, 0.0, 0.0]),  # torch raises (unused)
    ("grad(x*2, w)", {"x": 1.0, "w": [1.0, 2.0]}, [0.0, 0.0]),
    ("grad(sum(x), w)", {"x": [1.0, 2.0], "w": 3.0}, 0.0),
    ("grad(sum(grad(sum(3*x), x)), x)", {"x": [1.0, 2.0]}, [0.0, 0.0]),  # a constant derivative
    ("sum(grad(sum(x), w) * w)", {"x": [1.0, 2.0], "w": [1.0, 2.0, 3.0]}, 0.0),
])
def test_grad_of_what_does_not_use_x_is_zeros_of_xs_shape(source, bindings, want):
    assert agrad.run(source, bindings).value == want
