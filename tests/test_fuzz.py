"""The fuzz properties (tests/fuzzing.py) at fast settings: any text, any command line, any
stream of bytes, and random valid programs against finite differences. `python tools/fuzz.py
--minutes 10` runs the same properties for longer."""

import subprocess

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

import fuzzing
from conftest import agrad_command

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(fuzzing.any_text)
def test_any_text_gives_a_result_or_an_agrad_error_with_a_position(text):
    fuzzing.evaluate_answers(text)


@settings(FAST, max_examples=100)
@given(fuzzing.any_text, fuzzing.cli_args)
def test_any_command_line_exits_0_1_or_2_without_a_traceback(expr, args):
    fuzzing.cli_answers(expr, args)


@settings(FAST, max_examples=100)
@given(fuzzing.byte_streams)
def test_any_byte_stream_gives_one_record_per_job_in_order(data):
    fuzzing.stream_answers(data)


@settings(FAST, max_examples=300)
@given(hs.integers(0, 2**32))
def test_random_programs_match_central_differences(seed):
    fuzzing.gradients_match(seed)


def test_the_generated_programs_are_mostly_checked():
    """The finite-difference property is not vacuous: most random points are smooth ones."""
    checked = sum(fuzzing.gradients_match(seed) for seed in range(200))
    assert checked >= 100


def test_random_bytes_through_the_real_command():
    """The same stream property through the installed command and real pipes, for a few
    fixed random streams (hypothesis drives the in-process runner above)."""
    import random

    rng = random.Random(7)
    for _ in range(3):
        lines = [rng.choice(fuzzing.LINES) if rng.random() < 0.6 else rng.randbytes(rng.randint(0, 30))
                 for _ in range(200)]
        data = b"\n".join(lines)
        r = subprocess.run(agrad_command() + ["eval", "-", "--x", "2"], input=data, capture_output=True, timeout=60)
        assert r.returncode in (0, 1) and r.stderr == b""
        assert [rec["line"] for rec in fuzzing.records_of(r.stdout)] == fuzzing.expected_jobs(data)


def test_hostile_command_lines_through_the_real_command():
    for args in (["x +* 2", "--x", "1"], ["x", "--x", "\u2212\u200f"], ["(" * 5000, "--x"], ["--frobnicate"],
                 ["x", "--x", "@/dev/null"], ["sin = 3; sin(x)", "--var", "format=3", "--x", "1"]):
        r = subprocess.run(agrad_command() + ["eval", *args], capture_output=True, timeout=60)
        assert r.returncode in (0, 1, 2) and b"Traceback" not in r.stderr, (args, r.stderr)


@pytest.mark.parametrize("source, point", [
    ("floor(x*1e15)*w", {"x": 0.7236, "w": 1.5}),  # steps 1e-15 apart: differences see jumps
    ("sin(x*3.7e86)", {"x": 0.5}),  # the rounded argument decides cos(...)
    ("erf(x*4)", {"x": 1.9}),  # erf near 1: float64 differences are all rounding
    ("asinh(x*1e200)*w", {"x": 1.3, "w": 2.0}),  # torch's backward overflows to 0 too
    ("(x + 1e16) - 1e16", {"x": 1.3}),  # cancellation: float64's value is not the function's
])
def test_the_oracle_skips_what_float64_cannot_judge(source, point):
    assert fuzzing.gradients_agree(source, point) in (True, False)  # no AssertionError: not a failure


@pytest.mark.parametrize("source, point", [
    ("sin(x)*w + exp(w)/x", {"x": 0.7, "w": -1.2}),
    ("erf(x)*log1p(w^2)", {"x": 0.4, "w": 1.1}),
    ("floor(x)*w", {"x": 0.5, "w": 2.0}),
])
def test_the_oracle_checks_ordinary_points(source, point):
    assert fuzzing.gradients_agree(source, point) is True


def test_the_oracle_catches_a_wrong_gradient(monkeypatch):
    from agrad.engine import ops

    monkeypatch.setattr(ops.TABLE["sin"], "grads", (lambda g, out, a: g * ops.fn("cos", a) * 1.0001,))
    with pytest.raises(AssertionError):
        fuzzing.gradients_agree("sin(x)*w", {"x": 0.7, "w": 1.5})
