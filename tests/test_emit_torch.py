"""--emit torch (render/torch_script.py): the script agrad writes for a program runs under torch
and prints agrad's --format json record.

Where torch is installed (CI installs the CPU wheel) every script is run, all of them in this
one process (exec of our own output in a fresh namespace), and its JSON line compared with
agrad's record field by field, in order: the same keys, the same None and text ("inf"), and the
same numbers (to 1e-12 relative: torch's MKL/SLEEF kernels differ from Python's math in the last
bit, tests/torch_reference/generate.py's INEXACT). Without torch the scripts are compiled and
their text checked for the torch calls the options become.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

import agrad
from agrad.evaluation.api import run
from agrad.evaluation.lessons import no_grad_reason
from agrad.render.functions import callable_functions, torch_function
from agrad.render.text import json_text, record

HERE = Path(__file__).parent / "torch_reference"
_spec = importlib.util.spec_from_file_location("torch_reference_generate_emit", HERE / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

V = [0.5, -1.5, 2.0]
# values inside each function's domain (acosh needs x >= 1, atanh |x| < 1, ...)
SCALAR_VALUE = {"acosh": 1.7, "log": 0.3, "log2": 0.3, "log10": 0.3, "sqrt": 0.3}


def function_cases() -> list[tuple[str, dict]]:
    """One case per callable function of the op table (overloads such as max(v) included)."""
    return [case for cases in named_function_cases().values() for case in cases]


def named_function_cases() -> dict:
    """torch function -> the cases that call it, for every callable function of the op table."""
    return {torch_function(op): cases for called, op in callable_functions() for cases in [one_function(called, op)]}


def one_function(called: str, op) -> list[tuple[str, dict]]:
    """Programs that call one function, with a vector where it takes one."""
    if op.elementwise and len(op.params) == 1:
        return [(f"{called}(x) * w", {"x": SCALAR_VALUE.get(called, 0.3), "w": 1.25})]
    if called == "clamp":  # number bounds (ClampBackward1) and a tensor bound
        return [("clamp(x, 0, 1) * w", {"x": 0.3, "w": 2.0}), ("clamp(x, w, 2)", {"x": 0.3, "w": 0.5})]
    if called == "pow":  # PowBackward1, PowBackward0, and a number base
        return [("pow(x, w)", {"x": 0.3, "w": 1.5}), ("pow(x, 3)", {"x": 0.3}), ("pow(2, x)", {"x": 0.3})]
    if len(op.params) == 2 and op.elementwise:
        return [(f"{called}(x, w)", {"x": 0.3, "w": -1.25})]
    if called == "dot":
        return [("dot(v, u)", {"v": V, "u": [1.0, 2.0, -3.0]})]
    return [(f"{called}(v * w)", {"v": V, "w": 1.5})]  # a reduction of one vector


# (source, bindings, run options): each lesson option, vectors, grad(), detach, no_grad, literals
OPTION_CASES = [
    ("x*w + sin(x)", {"x": 2, "w": 3}, {}),
    ("x*w", {"x": 2, "w": 3}, {"backward_passes": 3}),
    ("x*w", {"x": 2, "w": 3}, {"backward_passes": 3, "zero_grad": True}),
    ("x + w", {"x": 2, "w": 3}, {"backward_passes": 2}),
    ("y = x*w; z = y + 1; z*y", {"x": 2, "w": 3}, {"retain_grad": ["z", "y"], "hooks": [("y", "g*2")]}),
    ("x*w", {"x": 2, "w": 3}, {"hooks": [("x", "g*10"), ("w", "0")]}),
    ("x*w", {"x": 2, "w": 3}, {"hooks": [("x", "h = g*2; h + 1")]}),
    ("x*w", {"x": 2, "w": 3, "u": 1}, {"no_grad": ["w"]}),
    ("x^x", {"x": 0.7}, {"order": 4}),
    ("x*w^2 + exp(x*w)", {"x": 0.5, "w": 0.25}, {"hessian": True}),
    ("sum(v*w) * v[-1.0]", {"v": V, "w": 3}, {"hessian": True}),
    ("x*w^2", {"x": 0.5, "w": 3}, {"hessian": True, "no_grad": ["x"]}),
    ("x*w", {"x": [1, 2], "w": 3}, {"jacobian": True}),
    ("[x*w, x/w, sin(x)]", {"x": 0.5, "w": 3}, {"jacobian": True}),
    ("x*w", {"x": [1, 2], "w": 3}, {"jacobian": True, "no_grad": ["w"]}),
    ("x*w", {"x": [1, 2], "w": 3}, {"gradient": [1.0, 0.5]}),
    ("x*w", {"x": 2, "w": 3}, {"gradient": 2.0}),
    ("sum(x*w) + dot(x, x) + x[1]", {"x": [1, 2], "w": 3}, {}),
    ("grad(x^3, x) + grad(grad(sin(x)*w, x), x)", {"x": 2, "w": 0.5}, {}),
    ("y = x^2; grad(y*w, y) + grad(3, x)", {"x": 2, "w": 0.5}, {}),
    ("detach(x)*x + no_grad(x*x) + no_grad(x) + no_grad(2*no_grad(x*w))", {"x": 2, "w": 5}, {}),
    ("1+2", {}, {}),
    ("x/(-(0*0)) + x * 2^0.5 + log(2) + x^2 + 2^x + [x, 1][1] + max([x, 3]) + e*pi", {"x": 2}, {}),
    ("x/0 + x*(0/0)", {"x": 2}, {}),
    ("x * (2^62 * 2) + x * 9^9^9", {"x": 2}, {}),
    ("x*w + x/w", {"x": 2, "w": 3}, {"dtype": "float32"}),
    ("lambda = x*2; json = lambda + 1; _a = json*x; _a + torch", {"x": 2, "torch": 1.5}, {}),
    ("(" * 120 + "x" + "+1)" * 120, {"x": 2}, {}),
]


def expected(source: str, bindings: dict, options: dict) -> dict:
    """agrad's --format json record (its notes, agrad's words, left out)."""
    result = run(source, bindings, **options)
    rec = record(result, no_grad_reason(result))
    rec.pop("notes", None)
    return json.loads(json_text(rec))


def run_script(text: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(text, "<emitted>", "exec"), {"__name__": "emitted"})  # noqa: S102 - our own output
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def same(got, want, rtol: float = 1e-12) -> bool:
    """Equal records: the same keys in the same order, the same text and None, numbers to rtol."""
    if isinstance(want, dict):
        return isinstance(got, dict) and list(got) == list(want) and all(same(got[k], want[k], rtol) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(lambda g, w: same(g, w, rtol), got, want))
    if isinstance(want, float) and isinstance(got, float):
        return math.isclose(got, want, rel_tol=rtol, abs_tol=1e-300) or got == want
    return got == want and type(got) is type(want)


ALL_CASES = [(s, b, {}) for s, b in function_cases()] + OPTION_CASES


def test_every_function_and_option_runs_under_torch_as_agrad_runs_it():
    pytest.importorskip("torch")
    failures = []
    for source, bindings, options in ALL_CASES:
        want = expected(source, bindings, options)
        got = run_script(agrad.emit_torch(source, bindings, **options))
        if not same(got, want):
            failures.append(f"{source} {options}:\n  agrad {want}\n  torch {got}")
    assert not failures, "\n".join(failures)


def test_random_expressions_run_under_torch_as_agrad_runs_them():
    """generate.py's random programs over every elementwise function (inexact kernels included:
    a relative 1e-9 for what their last bits make of a dozen operations)."""
    pytest.importorskip("torch")
    rng = random.Random(17)
    failures = []
    for _ in range(60):
        source, bindings = generate.random_case(rng)
        want = expected(source, bindings, {})
        got = run_script(agrad.emit_torch(source, bindings))
        if not same(got, want, 1e-9):
            failures.append(f"{source} {bindings}:\n  agrad {want}\n  torch {got}")
    assert not failures, "\n".join(failures)


def test_the_scripts_compile_and_call_torch_as_the_options_say():
    """Without torch: each script is valid Python, and the options became the torch calls."""
    for source, bindings, options in ALL_CASES:
        compile(agrad.emit_torch(source, bindings, **options), "<emitted>", "exec")
    for source, bindings, _ in (c for c in ALL_CASES if not c[2]):
        text = agrad.emit_torch(source, bindings)
        for name in bindings:
            assert "torch.tensor(" in text and "requires_grad=True" in text, text
    text = lambda source, bindings, **options: agrad.emit_torch(source, bindings, **options)  # noqa: E731
    assert "torch.set_default_dtype(torch.float64)" in text("x", {"x": 1})
    assert "x = torch.tensor([1.0, 2.0], requires_grad=True)" in text("sum(x)", {"x": [1, 2]})
    assert "w = torch.tensor(3.0)\n" in text("x*w", {"x": 2, "w": 3}, no_grad=["w"])
    passes = text("x*w", {"x": 2, "w": 3}, backward_passes=2, zero_grad=True)
    assert "out.backward(retain_graph=True)" in passes and "t.grad = None" in passes
    assert "x.register_hook(hook_0)" in text("x*w", {"x": 2, "w": 3}, hooks=[("x", "g*10")])
    assert "y.retain_grad()" in text("y = x*w; y*y", {"x": 2, "w": 3}, retain_grad=["y"])
    assert "torch.autograd.grad(f, x, create_graph=True" in text("grad(x^2, x)", {"x": 2})
    assert "torch.autograd.functional.jacobian(program, (x, w, ))" in text("x*w", {"x": [1, 2], "w": 3}, jacobian=True)
    assert "torch.autograd.functional.hessian(program, (x, w, ))" in text("x*w^2", {"x": 1, "w": 3}, hessian=True)
    assert "out.backward(gradient=seed)" in text("x*2", {"x": [1, 2]}, gradient=[1, 0.5])
    assert "with torch.no_grad():" in text("no_grad(x*x) + x", {"x": 2})
    assert "x.detach()" in text("detach(x) * x", {"x": 2})
    # literals folded as agrad folds them: -(0*0) is the int 0, 1/0 inf, a function of numbers a 0-d tensor
    assert "out = x / 0 + x * math.inf + torch.log(torch.tensor(2.0))" in text("x / -(0*0) + x * (1/0) + log(2)",
                                                                              {"x": 2})
    assert "torch.clamp(x, 0, 1)" in text("clamp(x, 0, 1)", {"x": 2})
    assert "torch.pow(x, 2)" in text("pow(x, 2)", {"x": 2})


def test_each_function_is_called_by_its_op_table_torch_name():
    cases = named_function_cases()
    assert len(cases) == len(callable_functions())  # (no two functions share a torch name)
    for function, sources in cases.items():
        for source, bindings in sources:
            assert function + "(" in agrad.emit_torch(source, bindings), (function, source)


def agrad_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agrad", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_the_command_prints_the_script_and_refuses_what_it_cannot_write():
    done = agrad_cli("eval", "x*w", "--x", "2", "--w", "3", "--hook", "x=g*3", "--emit", "torch")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == agrad.emit_torch("x*w", {"x": 2, "w": 3}, hooks=[("x", "g*3")])
    for extra, words in [(["x+1"], "JSON job"), (["-F", "json"], "--format"), (["--grad", "x"], "--grad"),
                         (["--trace"], "--trace"), (["--check"], "--check"),
                         (["--jacobian", "--hook", "x=g"], "--hook with --jacobian")]:
        done = agrad_cli("eval", "x*w", *extra, "--x", "2", "--w", "3", "--emit", "torch")
        assert done.returncode == 2 and done.stdout == "" and words in done.stderr, (extra, done.stderr)
        assert len(done.stderr.splitlines()) == 1
    done = agrad_cli("eval", "x*", "--x", "2", "--emit", "torch")  # agrad's own error first
    assert done.returncode == 2 and "syntax error" in done.stderr


def test_a_json_job_gets_its_script_in_the_record():
    jobs = '{"expr": "x*w", "vars": {"x": 2}, "emit": "torch"}\nx+w\n{"expr": "x", "emit": "js"}\n'
    done = agrad_cli("eval", "-", "--w", "3", "--backward", "2", stdin=jobs)
    first, second, third = map(json.loads, done.stdout.splitlines())
    assert first["torch"] == agrad.emit_torch("x*w", {"w": 3, "x": 2}, backward_passes=2)  # (--w, then the job's)
    assert first["grads"] == {"x": 6.0, "w": 4.0} and "torch" not in second
    assert third["error"]["kind"] == "input" and '"emit"' in third["error"]["message"]
    assert done.returncode == 1
    done = agrad_cli("eval", "-", "--w", "3", "-F", "plain", stdin=jobs)
    assert "only JSON output" in done.stderr


def test_the_readme_example_prints_what_it_says():
    """The README's `... --emit torch | python3` block: the script (its console block above is
    test_readme's) run under torch prints the line shown, which is agrad's --format json record
    without its notes."""
    import re
    import shlex

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    command, shown = re.search(r"```text\n(agrad eval .*? --emit torch) \| python3\n(.*?)\n```", readme, re.S).groups()
    args = shlex.split(command)[2:]
    source, rest = args[0], args[1:]
    assert rest == ["--x", "2", "--w", "3", "--retain-grad", "y", "--emit", "torch"]
    assert json.loads(shown) == expected(source, {"x": 2, "w": 3}, {"retain_grad": ["y"]})
    pytest.importorskip("torch")
    assert run_script(agrad.emit_torch(source, {"x": 2, "w": 3}, retain_grad=["y"])) == json.loads(shown)
