"""`agrad eval EXPR --points FILE.csv` through the real installed agrad: one expression, one
result per CSV row, equal to evaluating that row on its own."""

import csv
import io
import json
import random

import pytest

import agrad
from agrad.render.text import record


def rows_of(stdout: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(stdout.decode("utf-8"))))


def test_csv_output_has_value_and_each_gradient(run_agrad, tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("x,w\n2,0\n3,1.5707963267948966\n-1,-inf\n")
    r = run_agrad("eval", "x^2*sin(w)", "--points", str(points), "--format", "csv")
    assert r.returncode == 0 and r.stderr == b""
    assert rows_of(r.stdout) == [
        ["x", "w", "value", "d/dx", "d/dw"],  # the point's own columns first, in the file's order
        ["2.0", "0.0", "0.0", "0.0", "4.0"],  # d/dx = 2x sin w = 0, d/dw = x^2 cos w = 4
        ["3.0", "1.5707963267948966", "9.0", "6.0", repr(9 * 6.123233995736766e-17)],  # cos(pi/2) in float64
        ["-1.0", "-inf", "nan", "nan", "nan"],  # sin(-inf) is nan
    ]


def test_json_records_carry_the_row_line_and_match_single_evaluations(run_agrad, tmp_path):
    rng = random.Random(5)
    points = [(rng.uniform(-3, 3), rng.uniform(-3, 3)) for _ in range(300)]
    path = tmp_path / "points.csv"
    path.write_text("x,w\n" + "".join(f"{x!r},{w!r}\n" for x, w in points))
    expr = "a = x*w; exp(-a^2) + atan2(x, w) * max(x, w)"
    r = run_agrad("eval", expr, "--points", str(path))  # json is the default for --points
    assert r.returncode == 0
    got = [json.loads(line) for line in r.stdout.decode().splitlines()]
    want = [{"line": i + 2, **record(agrad.evaluate(expr, x=x, w=w))} for i, (x, w) in enumerate(points)]
    assert got == want
    for jobs in ("2", "0"):
        assert run_agrad("eval", expr, "--points", str(path), "--jobs", jobs).stdout == r.stdout


def test_points_from_stdin_with_command_line_bindings_and_plain_output(run_agrad):
    # c is bound on the command line for every row; a CSV column of the same name would win
    r = run_agrad("eval", "c*x + y", "--points", "-", "--c", "10", "--format", "plain",
                  input="x, y\n1, 2\n3, 4\n")
    assert r.returncode == 0
    assert r.stdout == b"12.0\t10.0\t1.0\t1.0\n34.0\t10.0\t1.0\t3.0\n"  # value, d/dx, d/dy, d/dc
    r = run_agrad("eval", "c*x", "--points", "-", "--c", "10", "--format", "csv", input="x,c\n2,5\n")
    assert rows_of(r.stdout) == [["x", "c", "value", "d/dx", "d/dc"], ["2.0", "5.0", "10.0", "5.0", "2.0"]]


def test_bad_rows_give_error_records_and_blank_lines_comments_crlf_and_bom_are_handled(run_agrad, tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes(b"\xef\xbb\xbfx,w\r\n1,2\r\n\r\n# a comment\r\n3,abc\r\n4\r\n5,6,7\r\n\xff,1\r\n"
                     b'"7",8\r\n9,"1\r\n,\r\n10,\r\n2,1')
    r = run_agrad("eval", "x*w", "--points", str(path))
    assert r.returncode == 1 and r.stderr == b""
    got = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [rec["line"] for rec in got] == [2, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert got[0] == {"line": 2, "expr": "x*w", "value": 2.0, "grad_fn": "MulBackward0",
                      "grads": {"x": 2.0, "w": 1.0}}
    errors = {rec["line"]: rec["error"] for rec in got if "error" in rec}
    assert errors[5] == {"kind": "value", "column": None,
                         "message": "column 'w': 'abc' is not a number (use an int, a float, inf or nan)"}
    assert errors[6]["message"] == "the row has 1 field; the header names 2 (x, w)"
    assert errors[7]["message"] == "the row has 3 fields; the header names 2 (x, w)"
    assert errors[8] == {"kind": "input", "column": 1,
                         "message": "the line is not valid UTF-8 (byte 0xff at column 1)"}
    assert got[5]["value"] == 56.0  # a quoted number is a number
    assert errors[10]["kind"] == "input" and errors[10]["message"].startswith("malformed CSV")
    assert errors[11]["message"] == "column 'x': 'an empty field' is not a number (use an int, a float, inf or nan)"
    assert errors[12]["kind"] == "value"
    assert got[9] == {"line": 13, "expr": "x*w", "value": 2.0, "grad_fn": "MulBackward0",
                      "grads": {"x": 1.0, "w": 2.0}}


def test_csv_and_plain_keep_one_row_per_input_row_when_rows_fail(run_agrad):
    r = run_agrad("eval", "x^2", "--points", "-", "-F", "csv", input="x\n2\nnope\n3\n")
    assert r.returncode == 1
    assert r.stdout == b"x,value,d/dx\n2.0,4.0,4.0\n,,\n3.0,9.0,6.0\n"
    assert r.stderr.decode() == "agrad: line 3: value error: column 'x': 'nope' is not a number " \
                                "(use an int, a float, inf or nan)\n"
    r = run_agrad("eval", "x^2", "--points", "-", "--grad", "x", "--fail-fast", input="x\n2\nnope\n3\n")
    assert r.returncode == 1 and r.stdout == b"4.0\n\n"


def test_header_only_gives_only_the_csv_header(run_agrad):
    r = run_agrad("eval", "x*w", "--points", "-", "-F", "csv", input="x,w\n")
    assert r.returncode == 0 and r.stdout == b"x,w,value,d/dx,d/dw\n"


def test_unbound_variables_fail_each_row(run_agrad):
    r = run_agrad("eval", "x*y", "--points", "-", input="x\n1\n2\n")
    assert r.returncode == 1
    got = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [rec["error"] for rec in got] == [
        {"kind": "unbound", "message": "variable 'y' has no value: add --y VALUE", "column": 3}] * 2


@pytest.mark.parametrize("expr, text, message", [
    ("x", "", "agrad: input error: --points -: no header line: the first line must name the variables, as in x,w"),
    ("x", "\n# only a comment\n", "agrad: input error: --points -: no header line"),
    ("x", "x,,w\n1,2,3\n", "agrad: input error: --points -: line 1: column 2 of the header has no name"),
    ("x", "x,2w\n", "agrad: input error: --points -: line 1: column 2 of the header, '2w', is not a variable name"),
    ("x", "x,pi\n", "agrad: input error: --points -: line 1: column 2 of the header, 'pi', is a constant"),
    ("x", "x,x\n", "agrad: input error: --points -: line 1: the header names 'x' twice"),
    ("x", b"\xff\n", "agrad: input error: --points -: line 1: the line is not valid UTF-8"),
    ("x +* 1", "x\n1\n", "agrad: syntax error: unexpected '*'"),
])
def test_a_points_file_that_cannot_be_read_exits_2(cli, expr, text, message):
    r = cli("eval", expr, "--points", "-", input=text)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(message)


def test_a_bad_header_exits_2_through_the_installed_command(run_agrad, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("x,x\n1,2\n")
    r = run_agrad("eval", "x", "--points", str(path))
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.decode() == f"agrad: input error: --points {path}: line 1: the header names 'x' twice\n"


def test_grad_of_a_name_that_is_not_a_variable_exits_2(run_agrad):
    r = run_agrad("eval", "x^2", "--points", "-", "--grad", "w", input="x\n1\n")
    assert r.returncode == 2
    assert r.stderr.decode() == "agrad: value error: --grad w: no variable or assigned name 'w' (known: x)\n"
    r = run_agrad("eval", "a = x^2; a*3", "--points", "-", "--grad", "a", input="x\n1\n")
    assert r.returncode == 0 and r.stdout == b"None\n"  # a non-leaf: torch's warning, and None
    assert "not a leaf Tensor" in r.stderr.decode()


def test_a_points_run_parses_its_expression_once(cli, monkeypatch):
    import pickle

    from agrad.batch import jobs

    parsed = []
    real_parse = jobs.parse

    def counting_parse(source):
        parsed.append(source)
        return real_parse(source)

    monkeypatch.setattr(jobs, "parse", counting_parse)
    specs = []
    real_make_jobs = jobs.make_jobs
    monkeypatch.setattr(jobs, "make_jobs", lambda spec: specs.append(spec) or real_make_jobs(spec))
    # --grad, the vectorizable check and the rows all read the one parse; rows one by one (sum)
    # and in a block (elementwise)
    for expr in ("a = x*w; sum([a, x])", "a = x*w; a + x"):
        parsed.clear()
        r = cli("eval", expr, "--points", "-", "--w", "3", "--grad", "w", "--jobs", "1", input="x\n1\n2\n")
        assert r.exit_code == 0 and r.stdout == "1.0\n2.0\n"  # d/dw of x*w + x
        assert parsed == [expr]
    # A worker sent the spec by pickle (spawn) parses the source itself, once: it gets no AST.
    (spec,) = specs[-1:]
    assert spec.program is not None and pickle.loads(pickle.dumps(spec)).program is None
    parsed.clear()
    assert jobs.make_jobs(pickle.loads(pickle.dumps(spec))).program.statements and parsed == [spec.source]
