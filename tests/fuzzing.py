"""The fuzz properties, shared by the regular suite (tests/test_fuzz.py, fast settings) and the
long run (tools/fuzz.py, many examples): what any input must get, and the generators of inputs.

- evaluate_answers: agrad.evaluate on any text returns a Result or raises AgradError with a
  message and a position (errors about the bindings alone, which have no place in the text,
  are named in NO_POSITION).
- cli_answers: `agrad eval` on any arguments exits 0, 1 or 2, never with a traceback.
- stream_answers: any bytes into `agrad eval -` give one record per job, in order.
- gradients_match: a random valid program's gradients agree with the exact derivative (mpmath
  at 60 digits) wherever float64 can be judged at the point.
"""

from __future__ import annotations

import json
import math
import random

import mpmath

from hypothesis import strategies as hs
from typer.testing import CliRunner

import agrad
from agrad.cli import ArgvError, app, rewrite_argv
from agrad.language import syntax_tree as st
from agrad.language.names import CONSTANTS
from agrad.language.parser import parse
from torch_reference.generate import VARIABLES, _nodes, random_expression

from agrad.engine import ops

# -- text ---------------------------------------------------------------------------------------

TOKENS = ["x", "w", "v", "θ", "sin", "max", "clamp", "sum", "dot", "pi", "e", "_", "sin =", "x =",
          "0", "1", "2.5", ".5", "1e", "1e400", "1e-400", "9^9^9", "2x", "..", ".", "e5",
          "+", "-", "*", "/", "^", "**", "(", ")", "[", "]", "[0]", "[-1]", "[9]", ",", ";", "=",
          " ", "\t", "\n", "\r\n", "# note\n", "#", "\x00", "\u2212", "\u00d7", "\u200f", "\ufeff",
          "\udcff", "'", '"', "{", "}", "$", "@", "\\", "é", "𝑥", "٣"]

# The whole of Unicode, lone surrogates included, and soups of the language's own tokens.
any_text = hs.one_of(
    hs.text(hs.characters(blacklist_categories=())),
    hs.lists(hs.sampled_from(TOKENS), max_size=30).map("".join),
)

BINDINGS = {"x": 0.5, "w": -2.0, "v": [1.0, 2.0, 3.0]}
NO_POSITION = ("value",)  # a binding's own fault (a constant bound, a bad value): not in the text


def evaluate_answers(text: str) -> None:
    try:
        result = agrad.evaluate(text, **BINDINGS)
    except agrad.AgradError as exc:
        assert isinstance(exc.message, str) and exc.message.strip(), repr(exc)
        assert exc.exit_code in (1, 2)
        if exc.kind not in NO_POSITION:
            assert exc.span is not None and 0 <= exc.span[0] <= len(text), (exc.kind, exc.message, exc.span)
            assert exc.caret() is not None
        return
    assert isinstance(result.value, (float, list))


# -- the command line ---------------------------------------------------------------------------

VALUES = ["3", "-1", "0", "inf", "-inf", "nan", "1e400", "abc", "", " ", "1,2,3", "[1, 2]", "[]", "[",
          "1,,2", "@", "@-", "@/nonexistent", "@/dev/null", "--x", "-", "2x", "0x10", "1_0", "٣", "\x00"]
OPTIONS = ["--x", "--w", "--v", "--x", "--format", "--var", "--grad", "--no-grad", "--retain-grad",
           "--hook", "--order", "--backward", "--hessian", "--zero-grad", "--trace", "--dtype", "--gradient",
           "--jacobian", "--points", "-f", "--max-source-bytes", "--sin", "--pi", "--", "-F", "--help",
           "--frobnicate", "--x=1", "--var=x=2", "-"]

cli_args = hs.lists(hs.one_of(hs.sampled_from(OPTIONS), hs.sampled_from(VALUES), any_text), max_size=8)
_runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"})


def cli_answers(expr: str, args: list[str]) -> None:
    argv = ["eval", expr, *args]
    try:
        rewritten = rewrite_argv(argv)
    except ArgvError as exc:  # main prints it as a usage error and exits 2
        assert exc.exit_code == 2 and exc.format_message()
        return
    result = _runner.invoke(app, rewritten, input=b"")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"agrad {argv!r} raised {result.exception!r}") from result.exception
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr, (argv, result.stderr)


# -- streams of bytes ---------------------------------------------------------------------------

LINES = [b"x+1", b"x^2", b'{"expr": "x*w", "vars": {"w": 2}}', b'{"expr": 1}', b"{", b"", b"  ", b"# c",
         b"  # c", b"\xff\xfe", b"\xef\xbb\xbfx", b"x\x00", b"\r", b"1/0", b"sin(", b"\x1c", b"\xc2\x85"]
byte_streams = hs.one_of(
    hs.binary(max_size=400),
    hs.lists(hs.one_of(hs.sampled_from(LINES), hs.binary(max_size=20)), max_size=20).flatmap(
        lambda lines: hs.sampled_from([b"\n", b"\r\n"]).map(lambda end: end.join(lines))),
)


def expected_jobs(data: bytes) -> list[int]:
    """The numbers of the lines that are jobs, by the documented rule: a line (ended by \\n, its
    \\r dropped) is a job unless it decodes as UTF-8 (a BOM skipped on line 1) to blank text or
    text whose first non-blank character is #."""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the input ends with a newline
    jobs = []
    for number, line in enumerate(lines, 1):
        if line.endswith(b"\r"):
            line = line[:-1]
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            jobs.append(number)
            continue
        if text and not text.startswith("#"):
            jobs.append(number)
    return jobs


def records_of(stdout: bytes | str) -> list[dict]:
    text = stdout.decode("utf-8") if isinstance(stdout, bytes) else stdout
    return [json.loads(line) for line in text.splitlines()]


def stream_answers(data: bytes) -> None:
    result = _runner.invoke(app, rewrite_argv(["eval", "-", "--x", "2", "--format", "json"]), input=data)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{data!r} raised {result.exception!r}") from result.exception
    lines = [r["line"] for r in records_of(result.stdout)]
    assert lines == expected_jobs(data), (data, result.stdout)
    assert result.exit_code in (0, 1), (data, result.exit_code)


# -- gradients against finite differences -------------------------------------------------------

FUNCTIONS = [name for name, op in ops.public_functions().items() if op.elementwise]


def gradients_match(seed: int) -> bool:
    """A random program (every operator, every elementwise function, sometimes an assignment)
    at a random point: each gradient against the exact derivative at that point, computed with
    mpmath at 60 digits (a central difference with h = 1e-25, which is exact to far beyond
    float64). Returns False when the point was skipped because float64 cannot be judged there,
    True when it was checked. Skipped (see _judgeable): a value or gradient not finite or beyond
    1e6; an intermediate beyond 1e150 or below 1e-150 (torch's backward formulas square such
    values and overflow to the same inf or 0 agrad gives); float64's value of the function not
    within 1e-9 of the exact one (cancellation, sin(3.7e86): the rounded intermediates decide);
    a kink or jump at the point (one-sided derivatives disagree); a derivative that changes by
    more than 1e-6 within 1e-12 of the point (a floor's steps near 1e15, a fast oscillation)."""
    rng = random.Random(seed)
    expr = random_expression(rng, rng.randint(1, 8), FUNCTIONS)
    source = f"a = {expr}\na * {random_expression(rng, 1, FUNCTIONS)}" if rng.random() < 0.2 else expr
    point = {name: rng.uniform(-2.0, 2.0) for name in VARIABLES}
    if _torch_convention_differs(source):
        return False
    return gradients_agree(source, point)


def gradients_agree(source: str, point: dict) -> bool:
    """gradients_match's check of one program at one point: True when checked, False when
    skipped; an AssertionError when agrad's gradient is wrong."""
    result = agrad.evaluate(source, **point)
    f0 = result.value
    if not math.isfinite(f0) or abs(f0) > 1e6 or _extreme_intermediate(result):
        return False
    exact = ExactProgram(parse(source))
    with mpmath.workdps(60):
        value = exact.value(point)
        if value is None or abs(value - f0) > 1e-9 * max(1.0, abs(f0)):
            return False
        checked = False
        for name, grad in result.grads.items():
            if grad is None:
                continue
            if not math.isfinite(grad):
                return False
            derivative = exact.judgeable_derivative(point, name)
            if derivative is None:
                return False
            assert math.isclose(grad, derivative, rel_tol=1e-6, abs_tol=1e-9), (source, point, name, grad, derivative)
            checked = True
    return checked


def _extreme_intermediate(result) -> bool:
    for node in result.graph:
        value = node.tensor.value
        if isinstance(value, float) and (abs(value) > 1e150 or 0 < abs(value) < 1e-150):
            return True
    return False


def _mp_softplus(a):
    return a if a > 20 else mpmath.log1p(mpmath.exp(a))


def _mp_sigmoid(a):
    return 1 / (1 + mpmath.exp(-a))


_MP = {
    "abs": abs, "sign": mpmath.sign, "sqrt": mpmath.sqrt, "exp": mpmath.exp, "log": mpmath.log,
    "log2": lambda a: mpmath.log(a, 2), "log10": mpmath.log10, "log1p": mpmath.log1p, "expm1": mpmath.expm1,
    "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan, "asin": mpmath.asin, "acos": mpmath.acos,
    "atan": mpmath.atan, "sinh": mpmath.sinh, "cosh": mpmath.cosh, "tanh": mpmath.tanh, "asinh": mpmath.asinh,
    "acosh": mpmath.acosh, "atanh": mpmath.atanh, "sigmoid": _mp_sigmoid, "relu": lambda a: max(a, 0),
    "softplus": _mp_softplus, "silu": lambda a: a * _mp_sigmoid(a),
    "gelu": lambda a: a * (1 + mpmath.erf(a / mpmath.sqrt(2))) / 2,
    "logsigmoid": lambda a: mpmath.log(_mp_sigmoid(a)), "erf": mpmath.erf, "floor": mpmath.floor,
    "ceil": mpmath.ceil, "round": mpmath.nint, "atan2": mpmath.atan2, "hypot": mpmath.hypot,
    "max": max, "min": min, "clamp": lambda x, lo, hi: min(max(x, lo), hi),
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": mpmath.power,
}


class ExactProgram:
    """A scalar program evaluated exactly (mpmath, at the working precision), from its syntax
    tree: the oracle the float64 results are judged by."""

    def __init__(self, program: st.Program):
        self.program = program

    def value(self, point: dict):
        """The exact value at the point (floats taken exactly), or None where it is not a real
        number (a complex intermediate, a pole)."""
        try:
            values = {name: mpmath.mpf(v) for name, v in point.items()}
            out = None
            for statement in self.program.statements:
                if isinstance(statement, st.Assign):
                    out = values[statement.name] = self._expr(statement.value, values)
                else:
                    out = self._expr(statement, values)
            return out if isinstance(out, mpmath.mpf) and mpmath.isfinite(out) else None
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return None

    def _expr(self, node, values):
        if isinstance(node, st.Number):
            return mpmath.mpf(node.value)
        if isinstance(node, st.Name):
            return values[node.id] if node.id in values else mpmath.mpf(CONSTANTS[node.id])
        if isinstance(node, st.Unary):
            inner = self._expr(node.operand, values)
            return -inner if node.op == "neg" else inner
        if isinstance(node, st.Binary):
            result = _MP[node.op](self._expr(node.left, values), self._expr(node.right, values))
        else:
            result = _MP[node.func](*[self._expr(arg, values) for arg in node.args])
        if not isinstance(result, mpmath.mpf):
            raise ValueError("not real")
        return result

    def _derivative(self, point: dict, name: str, at, h, side: int = 0):
        def f(dx):
            return self.value({**point, name: at + dx})

        if side:
            ends = (f(h), f(0)) if side > 0 else (f(0), f(-h))
            step = h
        else:
            ends, step = (f(h), f(-h)), 2 * h
        if None in ends:
            return None
        return (ends[0] - ends[1]) / step

    def judgeable_derivative(self, point: dict, name: str):
        """d/dname at the point, or None where float64 cannot be judged: a kink or jump within
        h (the one-sided derivatives disagree), or a derivative that changes by more than 1e-6
        within 1e-12 of the point, where float64's rounding decides what it computes."""
        h = mpmath.mpf("1e-25")
        x = mpmath.mpf(point[name])
        central = self._derivative(point, name, x, h)
        right, left = self._derivative(point, name, x, h, 1), self._derivative(point, name, x, h, -1)
        if None in (central, right, left) or abs(right - left) > 1e-12 * max(1, abs(central)):
            return None
        for variable, v in point.items():
            for factor in ("1e-12", "-1e-12"):
                shifted = {**point, variable: mpmath.mpf(v) * (1 + mpmath.mpf(factor))}
                other = self._derivative(shifted, name, shifted[name], h)
                if other is None or abs(other - central) > 1e-6 * max(1, abs(central)):
                    return None
        return float(central)


def _torch_convention_differs(source: str) -> bool:
    """clamp(x, lo, hi) with lo and hi possibly equal (the same text, or the variables of one
    among those of the other, as in clamp(x, min(v, v), v) or clamp(x, min(w, v), v) where v <
    w): where min == max torch (and agrad) give every input a gradient of 0, where the function
    of v is v itself."""
    program = parse(source)
    for node in _nodes(program):
        if isinstance(node, st.Call) and node.func == "clamp":
            lo, hi = node.args[1].span, node.args[2].span
            low, high = _names(node.args[1]), _names(node.args[2])
            if source[lo[0]:lo[1]] == source[hi[0]:hi[1]] or low <= high or high <= low:
                return True
    return False


def _names(node) -> frozenset:
    stack, names = [node], set()
    while stack:
        n = stack.pop()
        if isinstance(n, st.Name):
            names.add(n.id)
        stack.extend(st.children(n))
    return frozenset(names)
