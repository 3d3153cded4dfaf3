"""--points evaluates the rows of an elementwise program together; its output must be the
row-by-row output to the byte: the same floats (nan, inf, -0.0 included), the same records, the
same errors in the same rows."""

import math
import re
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import agrad
from agrad.batch import jobs as batch
from agrad.batch.jobs import BatchOptions, PointJobs, Spec, _formatter
from agrad.evaluation.options import RunOptions
from agrad.engine.ops import public_functions
from agrad.language.parser import parse
from agrad.batch.points import elementwise, vectorizable
from agrad.render.text import record
from agrad.values.write import repr_texts

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, 20.5, -25.0, 1e-300, -1e-300, 1e300, 1e-7, 3e-5,
         math.inf, -math.inf, math.nan, 0.999999, 1.000001, 710.0, -745.5]
UNARY = [name for name, op in public_functions().items() if op.arity == 1 and op.elementwise]
BINARY_CALLS = ["max", "min", "atan2", "hypot", "pow"]
OPERATORS = ["+", "-", "*", "/", "^"]


@hs.composite
def expressions(draw, depth=3):
    """A random elementwise expression in x, w and c (c bound on the command line)."""
    if depth == 0 or draw(hs.integers(0, 3)) == 0:
        return draw(hs.sampled_from(["x", "w", "c", "x", "w", "2", "0.5", "0", "-1", "3", "pi"]))
    kind = draw(hs.integers(0, 3))
    a = draw(expressions(depth - 1))
    if kind == 0:
        return f"{draw(hs.sampled_from(UNARY))}({a})"
    b = draw(expressions(depth - 1))
    if kind == 1:
        return f"({a} {draw(hs.sampled_from(OPERATORS))} {b})"
    if kind == 2:
        return f"{draw(hs.sampled_from(BINARY_CALLS))}({a}, {b})"
    return f"clamp({a}, {draw(hs.sampled_from(['-1', 'w', '0']))}, {draw(hs.sampled_from(['2', 'c', '1']))})"


numbers = hs.one_of(hs.sampled_from(EDGES), hs.floats(allow_nan=True, allow_infinity=True),
                    hs.floats(-10, 10))


def outputs(source, rows, fmt, bindings, vector, options=None):
    """The text a chunk of rows gives, vectorized or row by row."""
    opts = BatchOptions(fmt=fmt, run=RunOptions(**(options or {})))
    names = ("x", "w")
    columns = batch._columns({**dict.fromkeys(names), **bindings}, opts)
    spec = Spec("points", bindings, _formatter(opts, columns, points=names), opts.run, source=source, names=names,
                vector=vector)
    chunk = [(i + 2, f"{x!r},{w!r}".encode()) for i, (x, w) in enumerate(rows)]
    outcomes = PointJobs(spec)(chunk)
    if vector and len(rows) > 1 and re.search(r"\b[xwc]\b", source):
        assert len(outcomes) == 1, "not vectorized"  # a vectorized chunk gives one outcome for all rows
    return "".join(o.out for o in outcomes), "".join(o.err for o in outcomes)


@settings(max_examples=150, deadline=None)
@given(expressions(), hs.lists(hs.tuples(numbers, numbers), min_size=1, max_size=12), numbers,
       hs.sampled_from(["json", "csv", "plain"]))
def test_vectorized_rows_equal_row_by_row_evaluation(source, rows, c, fmt):
    assert vectorizable(parse(source), {"c": c}, RunOptions(), fmt)
    assert outputs(source, rows, fmt, {"c": c}, True) == outputs(source, rows, fmt, {"c": c}, False)


@pytest.mark.parametrize("source", ["x^2*sin(w)", "a = x*w; exp(-a^2) + atan2(x, w) * max(x, w)",
                                    "detach(x)*w + no_grad(w)", "sigmoid(x) + softplus(w) - erf(x) + relu(-w)",
                                    "x^w + 2^x + x^0.5 + w^-1 + x^3 + x^1.5", "2 - x / w + 1/x", "c*x"])
@pytest.mark.parametrize("options", [{}, {"no_grad": ("w",)}])
def test_edge_values_through_every_format(source, options):
    rows = [(x, w) for x in EDGES for w in EDGES[::3]]
    for fmt in ("json", "csv", "plain"):
        assert outputs(source, rows, fmt, {"c": 1.5}, True, options) == \
            outputs(source, rows, fmt, {"c": 1.5}, False, options), (source, fmt)


def test_a_program_without_a_row_value_goes_row_by_row():
    # a constant output has no per-row vector to backpropagate from: the block goes row by row
    rows = [(1.0, 2.0), (3.0, 4.0)]
    assert outputs("7", rows, "csv", {}, True) == outputs("7", rows, "csv", {}, False) == ("1.0,2.0,7.0,,\n3.0,4.0,7.0,,\n", "")


def test_what_is_vectorized_is_decided_from_the_program_and_the_options():
    def ok(source, bindings=None, options=None, fmt="json"):
        return vectorizable(parse(source), bindings or {}, RunOptions(**(options or {})), fmt)

    assert ok("x^2*sin(w)") and ok("max(x, w) + clamp(x, 0, 1)") and ok("detach(x) * w", {"c": 2.0})
    assert ok("x*w", options={"no_grad": ("x",), "dtype": "float64", "backward_passes": 1})
    for source in ["sum(x)", "max(x)", "x[0]", "[x, w]", "dot(x, w)", "norm(x)", "grad(x^2, x)", "mean(x*w)",
                   "nosuch(x)", "sin(x, w)"]:
        assert not elementwise(parse(source)), source
    assert not ok("x*w", {"v": [1.0, 2.0]})  # a vector on the command line: each row's output is a vector
    assert not ok("x*w", fmt="pretty") and not ok("x*w", fmt="grad")
    for options in [{"trace": True}, {"backward_passes": 2}, {"order": 2}, {"hessian": True},
                    {"retain_grad": ("x",)}, {"hooks": (("x", "2*g"),)}, {"dtype": "float32"}]:
        assert not ok("x*w", options=options), options


def test_repr_texts_writes_what_repr_writes():
    rng = random.Random(3)
    values = [float(f"{m}e{e}") for e in range(-330, 310) for m in (1.0, 1.5, 9.999833334166664, -5.0)]
    values += [math.ldexp(rng.random(), rng.randint(-1074, 1023)) for _ in range(20000)]
    values += [rng.uniform(-1e3, 1e3) for _ in range(5000)] + [0.0, -0.0, 5e-324, math.nan, math.inf, -math.inf,
                                                                 10.00001, 1e-5, 1e-9, 1e16, 1e-4, 9.9999e-5]
    assert repr_texts(values) == [repr(v) for v in values]
    assert repr_texts([]) == []


def _points_file(path, rows, header="x,w"):
    path.write_text(header + "\n" + "".join(f"{x!r},{w!r}\n" for x, w in rows))
    return path


def test_the_installed_command_vectorizes_and_equals_single_evaluations(run_agrad, tmp_path):
    rows = [(x, w) for x in EDGES for w in EDGES]
    path = _points_file(tmp_path / "p.csv", rows)
    source = "a = x*w; exp(-a^2) + atan2(x, w) * max(x, w) - log(x)"
    r = run_agrad("eval", source, "--points", str(path))
    assert r.returncode == 0 and r.stderr == b""
    from agrad.render.formats import Formatter

    want = "".join(Formatter("json", points=("x", "w")).result(i + 2, agrad.evaluate(source, x=x, w=w)).out
                   for i, (x, w) in enumerate(rows))
    assert r.stdout.decode() == want
    assert run_agrad("eval", source, "--points", str(path), "--jobs", "2").stdout == r.stdout
    csv_out = run_agrad("eval", source, "--points", "-", "-F", "csv", input=path.read_bytes()).stdout.decode()
    assert csv_out.splitlines()[1:] == [",".join(repr(v) if not isinstance(v, str) else v for v in
                                                 [float(x), float(w), rec["value"], rec["grads"]["x"],
                                                  rec["grads"]["w"]])
                                        for x, w, rec in ((x, w, record(agrad.evaluate(source, x=x, w=w)))
                                                          for x, w in rows)]


def test_a_block_with_bad_rows_keeps_each_rows_error_and_the_rest_vectorized(run_agrad, tmp_path):
    path = tmp_path / "p.csv"
    good = [(float(i), 0.5) for i in range(300)]
    lines = [f"{x!r},{w!r}" for x, w in good]
    lines[10] = "3,abc"
    lines[20] = ""
    lines[30] = "# comment"
    lines[40] = "1_0,2"  # float() reads 1_0; agrad does not
    lines[50] = "4"
    path.write_text("x,w\n" + "\n".join(lines) + "\n")
    r = run_agrad("eval", "x^2*sin(w)", "--points", str(path), "-F", "csv")
    assert r.returncode == 1
    out = r.stdout.decode().splitlines()
    assert len(out) == 1 + 300 - 2  # the blank line and the comment are not rows (x = 100 is out[99])
    err = r.stderr.decode().splitlines()
    assert err == ["agrad: line 12: value error: column 'w': 'abc' is not a number (use an int, a float, inf or nan)",
                   "agrad: line 42: value error: column 'x': '1_0' is not a number (use an int, a float, inf or nan)",
                   "agrad: line 52: input error: the row has 1 field; the header names 2 (x, w)"]
    assert out[11] == "," * 4 and out[1] == f"0.0,0.5,0.0,0.0,{0.0!r}"
    assert out[99] == ",".join(map(repr, [100.0, 0.5, 100.0 ** 2 * math.sin(0.5), 2 * 100.0 * math.sin(0.5),
                                            100.0 ** 2 * math.cos(0.5)]))


def test_a_long_stream_through_a_pipe_stays_in_order(run_agrad):
    # blocks of rows read in bulk: numbering, order and the last line without a newline
    n = 150_000
    text = "x\n" + "\n".join(str(i) for i in range(n))
    r = run_agrad("eval", "x*2", "--points", "-", "-F", "plain", input=text)
    assert r.returncode == 0
    assert r.stdout.decode().splitlines() == [f"{2.0 * i!r}\t2.0" for i in range(n)]


def test_rows_from_a_slow_writer_come_out_before_it_writes_more():
    # the bulk reader reads on only while more input is ready: rows already in are computed and
    # shown while the writer pauses (tail -f style), not held for a full block
    import os
    import select
    import subprocess
    import time

    from conftest import agrad_command

    p = subprocess.Popen(agrad_command() + ["eval", "x*2", "--points", "-", "-F", "csv"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    try:
        p.stdin.write(b"x\n1\n2\n")
        p.stdin.flush()
        got, start = b"", time.monotonic()
        while b"4.0,2.0\n" not in got and time.monotonic() - start < 30:
            if select.select([p.stdout], [], [], 30)[0]:
                got += os.read(p.stdout.fileno(), 1000)
        assert got == b"x,value,d/dx\n1.0,2.0,2.0\n2.0,4.0,2.0\n"
        p.stdin.write(b"3\n")
        p.stdin.close()
        assert p.stdout.read() == b"3.0,6.0,2.0\n" and p.wait(30) == 0
    finally:
        p.kill()
        p.wait()


@pytest.mark.parametrize("fmt", ["json", "csv", "plain"])
def test_the_command_line_takes_the_vectorized_path(cli, tmp_path, monkeypatch, fmt):
    # The options the CLI passes (max_source_bytes among them) must not turn vectorizing off:
    # once, they did, and 1,000,000 rows took 117 s instead of 3.
    seen = []

    def spy(*args, **kwargs):
        seen.append(vectorizable(*args, **kwargs))
        return seen[-1]

    from agrad.batch import points

    monkeypatch.setattr(points, "vectorizable", spy)  # batch imports it from points when it runs
    path = tmp_path / "points.csv"
    path.write_text("x,w\n1,2\n3,4\n", encoding="utf-8")
    r = cli("eval", "x^2*sin(w)", "--points", str(path), "--format", fmt)
    assert r.exit_code == 0 and seen == [True]
