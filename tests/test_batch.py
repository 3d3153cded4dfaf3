"""Batches through the real installed agrad, with real pipes: stdin streams, several EXPRs,
formats, error records, exit codes, streaming, early readers, Ctrl-C, --jobs and progress.

Expected values are hand-derived, or agrad.evaluate's for the same expression and bindings: a
batch must give exactly what one evaluation gives."""

import csv
import io
import json
import math
import os
import select
import signal
import subprocess
import sys
import time

import pytest

import agrad
from agrad.render.text import record


def records(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.decode("utf-8").splitlines()]


def expected(line: int, expr: str, **bindings) -> dict:
    """The batch record of one evaluation: the one-shot JSON fields plus "line"."""
    return {"line": line, **record(agrad.evaluate(expr, **bindings))}


# -- streams of expressions ------------------------------------------------------------------

def test_stdin_gives_one_record_per_job_in_order(run_agrad):
    lines = [
        "x^2",
        "",
        "# a comment",
        "   ",
        "  # an indented comment",
        "sin(x)*w",
        '{"expr": "x*y", "vars": {"y": 3}}',
        '{"expr": "x^2", "vars": {"x": -1.5}}',
        "x +* 2",
        "z + 1",
        "a = x*w; a*a",
    ]
    r = run_agrad("eval", "-", "--x", "2", "--w", "0.5", input="\n".join(lines) + "\n")
    assert r.returncode == 1 and r.stderr == b""
    got = records(r.stdout)
    assert [rec["line"] for rec in got] == [1, 6, 7, 8, 9, 10, 11]
    assert got[0] == {"line": 1, "expr": "x^2", "value": 4.0, "grad_fn": "PowBackward0",
                      "grads": {"x": 4.0, "w": None}}
    assert got[1] == expected(6, "sin(x)*w", x=2, w=0.5)
    # a JSON line's vars add to and override the command line's bindings
    assert got[2]["value"] == 6.0 and got[2]["grads"] == {"x": 3.0, "y": 2.0, "w": None}
    assert got[3]["value"] == 2.25 and got[3]["grads"] == {"x": -3.0, "w": None}
    assert got[4] == {"line": 9, "expr": "x +* 2", "error": {
        "kind": "syntax", "column": 4,
        "message": "unexpected '*' (expected, for example, a number, a name, '+', '-', '(' or '[')"}}
    assert got[5] == {"line": 10, "expr": "z + 1", "error": {
        "kind": "unbound", "message": "variable 'z' has no value: add --z VALUE", "column": 1}}
    assert got[6] == expected(11, "a = x*w; a*a", x=2, w=0.5)  # (xw)^2: d/dx = 2xw^2 = 1


def test_stdin_batch_that_succeeds_exits_0(run_agrad):
    r = run_agrad("eval", "-", "--x", "3", input="x^2\nexp(x)\n")
    assert r.returncode == 0
    assert records(r.stdout) == [expected(1, "x^2", x=3), expected(2, "exp(x)", x=3)]
    empty = run_agrad("eval", "-", input="\n# nothing to do\n")
    assert empty.returncode == 0 and empty.stdout == b""


FAILING_LINES = [
    ("qqq(x)", "name", "unknown function 'qqq' (agrad functions lists them all)", 1),
    ("sin(x, x)", "arity", "sin() takes 1 argument (sin(x)), got 2", 1),
    ('{"expr": "x", "vars": {"x": [[1, 2]]}}', "value", "variable 'x': element 0 is an array (vectors are "
                                                        "one-dimensional)", None),
    # the hint after torch's message is the one-shot command's too (render/errors.py)
    ('{"expr": "x", "vars": {"x": [1, 2]}}', "compute", "grad can be implicitly created only for scalar outputs: "
     "the output is a vector; pass --gradient with one value per element for the vector-Jacobian product, or "
     "reduce the output to a scalar, e.g. sum(...) (agrad eval --jacobian gives the full Jacobian)", 1),
    ('{"expr": "x", "vars": {"x": true}}', "value", "variable 'x': expected a number, got true", None),
    ('{"expr": "x", "vars": {"x": "abc"}}', "value", "variable 'x': 'abc' is not a number", None),
    ('{"expr": "pi", "vars": {"pi": 3}}', "value", "cannot bind 'pi': it is a constant (3.141592653589793)", None),
    ('{"expr": 1}', "input", '"expr" must be a string, not a number', None),
    ('{"exp": "x"}', "input", "unknown key 'exp' in the JSON line (it may have \"expr\", a string, "
                              "\"vars\", an object, \"gradient\", a number or an array, \"check\", 0, 1 or 2, "
                              "\"anomaly\", true or false, \"emit\", \"torch\", and \"jvp\", an object)", None),
    ('{"vars": {}}', "input", 'the JSON line has no "expr" (the expression to evaluate)', None),
    ('{"expr": "x", "vars": [1]}', "input", '"vars" must be an object, not an array', None),
    ('{"expr": "x", "expr": "y"}', "input", "bad JSON: the key 'expr' appears twice", None),
    ("{bad", "input", "bad JSON: Expecting property name enclosed in double quotes", 2),
    ('{"expr": "x"} trailing', "input", "bad JSON: Extra data", 15),
    ('{"expr": "x", "vars": ' + "[" * 100_000, "input", "bad JSON: nested too deeply", None),
]


def test_a_failed_line_is_an_error_record_in_its_place_and_the_stream_goes_on(run_agrad):
    text = "".join(f"{line}\nx*3\n" for line, *_ in FAILING_LINES) + '{"expr": "x", "vars": {"x": 1e999999}}\n'
    r = run_agrad("eval", "-", "--x", "2", input=text)
    assert r.returncode == 1 and r.stderr == b""
    got = records(r.stdout)
    assert len(got) == 2 * len(FAILING_LINES) + 1
    for i, (line, kind, message, column) in enumerate(FAILING_LINES):
        assert got[2 * i] == {"line": 2 * i + 1, "expr": got[2 * i]["expr"],
                              "error": {"kind": kind, "message": message, "column": column}}, line
        assert got[2 * i + 1] == expected(2 * i + 2, "x*3", x=2)
    assert got[-1]["value"] == "inf"  # 1e999999 is inf, as in the language
    assert got[4]["expr"] == "x" and got[14]["expr"] is None  # the expression, when it could be read


def test_unreadable_lines_never_stop_the_stream(run_agrad):
    big = b"x" + b" " * 1_000_000 + b"+ 1"  # a 1 MB line is evaluated
    huge = b"x+" * 2_500_000 + b"x"  # over the 4 MiB limit: an input error, not a crash
    lines = [b"\xff\xfe x", b"x\x00+1", b"x*2\r", big, huge, b"\xef\xbb\xbf x", b"x - 1"]
    r = run_agrad("eval", "-", "--x", "2", input=b"\n".join(lines))  # the last line has no newline
    assert r.returncode == 1 and r.stderr == b""
    got = records(r.stdout)
    assert [rec["line"] for rec in got] == [1, 2, 3, 4, 5, 6, 7]
    assert got[0] == {"line": 1, "expr": None, "error": {
        "kind": "input", "message": "the line is not valid UTF-8 (byte 0xff at column 1)", "column": 1}}
    assert got[1] == {"line": 2, "expr": "x\x00+1", "error": {
        "kind": "syntax", "message": "unexpected NUL byte (U+0000) in the expression", "column": 2}}
    assert got[2] == expected(3, "x*2", x=2)  # CRLF: the \r is part of the line ending
    assert got[3]["value"] == 3.0 and got[3]["grads"] == {"x": 1.0}
    assert got[4] == {"line": 5, "expr": None, "error": {
        "kind": "input", "message": "the line is longer than the limit of 1048576 bytes "
        "(--max-source-bytes N raises it, up to 104857600)", "column": None}}
    assert got[5]["error"]["kind"] == "syntax"  # a BOM is only skipped at the start of the input
    assert got[6] == expected(7, "x - 1", x=2)


def test_utf8_expressions_and_a_bom_at_the_start(run_agrad):
    r = run_agrad("eval", "-", input="\ufeff" + '{"expr": "θ*2", "vars": {"θ": 1.5}}\nθ^2\n',
                  )
    got = records(r.stdout)
    assert got[0] == expected(1, "θ*2", θ=1.5)
    assert got[1]["error"]["kind"] == "unbound" and "--θ" in got[1]["error"]["message"]
    assert "θ" in r.stdout.decode("utf-8")  # written as UTF-8, not escaped


def test_several_expr_arguments_are_a_batch(run_agrad):
    r = run_agrad("eval", "x^2", "sin(x)", "x +* 1", "--x", "1", "--format", "json")
    assert r.returncode == 1
    got = records(r.stdout)
    assert got[:2] == [expected(1, "x^2", x=1), expected(2, "sin(x)", x=1)]
    assert got[2]["line"] == 3 and got[2]["error"]["kind"] == "syntax"
    # an argument is never a comment or a JSON line
    r = run_agrad("eval", "x", "", "--x", "1", "-F", "json")
    assert records(r.stdout)[1]["error"]["message"] == "empty expression: nothing to evaluate"


def test_pretty_is_the_default_for_arguments_and_json_for_stdin(run_agrad):
    env = {**os.environ, "COLUMNS": "200"}
    r = run_agrad("eval", "x^2", "x +* 1", "--x", "3", env=env)
    text = r.stdout.decode()
    assert r.returncode == 1 and "\x1b[" not in text
    assert text.startswith("line 1\nx^2 = 9.0\nPowBackward0  x^2 = 9.0  grad in 1.0\n")
    assert "line 2\nsyntax error: unexpected '*'" in text and "x +* 1\n   ^\n" in text
    r = run_agrad("eval", "-", "--x", "3", "--format", "pretty", input="x^2\n", env=env)
    assert "├── x = 3.0  grad 6.0" in r.stdout.decode()


def test_plain_output_keeps_one_line_per_job_and_reports_failures_on_stderr(run_agrad):
    r = run_agrad("eval", "-", "--x", "3", "--w", "2", "--format", "plain",
                  input="x*w\nx +* 2\n# skipped\nx^2\n")
    assert r.returncode == 1
    assert r.stdout == b"6.0\t2.0\t3.0\n\n9.0\t6.0\n"
    assert r.stderr.decode().splitlines() == [
        "agrad: line 2: syntax error: unexpected '*' (expected, for example, a number, a name, '+', '-', "
        "'(' or '[')", "x +* 2", "   ^"]


def test_csv_output_has_a_header_and_quotes_what_needs_it(run_agrad):
    r = run_agrad("eval", "-", "--x", "3", "--w", "2", "--format", "csv",
                  input='max(x, w)\nx +* 2\n{"expr": "x*w", "vars": {"w": 5}}\n{"expr": "q", "vars": {"q": 1}}\n')
    assert r.returncode == 1
    rows = list(csv.reader(io.StringIO(r.stdout.decode())))
    assert rows == [["line", "expr", "value", "d/dx", "d/dw"],
                    ["1", "max(x, w)", "3.0", "1.0", "0.0"],
                    ["2", "x +* 2", "", "", ""],
                    ["3", "x*w", "15.0", "5.0", "3.0"],
                    ["4", "q", "", "", ""]]
    assert r.stdout.decode().splitlines()[1] == '1,"max(x, w)",3.0,1.0,0.0'
    err = r.stderr.decode()
    assert "agrad: line 2: syntax error" in err
    assert "agrad: line 4: input error: variable 'q' has no column in the CSV output" in err


def test_grad_prints_one_bare_number_per_job(run_agrad):
    r = run_agrad("eval", "-", "--x", "0", "--grad", "x", input="x^2\nsin(x)\ny\nexp(x)\n")
    assert r.returncode == 1
    assert r.stdout == b"0.0\n1.0\n\n1.0\n"
    assert r.stderr.decode().startswith("agrad: line 3: unbound error: variable 'y' has no value")


def test_fail_fast_stops_at_the_first_failure(run_agrad):
    r = run_agrad("eval", "-", "--x", "1", "--fail-fast", input="x\nx +* 1\nx\n")
    assert r.returncode == 1
    got = records(r.stdout)
    assert [rec["line"] for rec in got] == [1, 2] and "error" in got[1]
    many = "".join("x*2\n" for _ in range(2000)) + "nope(x)\n" + "x\n" * 2000
    for jobs in ("1", "2"):
        r = run_agrad("eval", "-", "--x", "1", "--fail-fast", "--jobs", jobs, "-F", "plain", input=many)
        assert r.returncode == 1 and r.stdout == b"2.0\t2.0\n" * 2000 + b"\n"
        assert r.stderr.decode().startswith("agrad: line 2001: name error: unknown function 'nope'")


@pytest.mark.parametrize("args, message", [
    (["eval", "-", "--x", "abc"], "agrad: value error: bad value for --x: 'abc' is not a number"),
    (["eval", "-", "--jobs", "-1"], "Invalid value for '--jobs' / '-j'"),
    (["eval", "-", "--format", "xml"], "Invalid value for '--format' / '-F'"),
    (["eval", "x", "-"], "- (read jobs from stdin) cannot be mixed with expressions"),
    (["eval", "x", "y", "--points", "p.csv"], "--points takes exactly one expression"),
    (["eval", "x", "--points", "missing.csv"], "agrad: input error: --points missing.csv: cannot read it"),
    (["eval", "-", "--fail-fast=yes"], "Option '--fail-fast' does not take a value"),
])
def test_a_bad_command_line_exits_2_before_reading_anything(run_agrad, args, message, tmp_path):
    r = run_agrad(*args, input="x\n", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == b""
    assert message in r.stderr.decode() and "Traceback" not in r.stderr.decode()


def test_the_lesson_options_apply_to_every_job(run_agrad, tmp_path):
    r = run_agrad("eval", "-", "--x", "0.2", "--w", "1", "--dtype", "float32", "--no-grad", "w",
                  input="0.1 + x\nx*w\n")
    assert r.returncode == 0
    got = records(r.stdout)
    assert got[0]["value"] == 0.30000001192092896 and got[0]["dtype"] == "float32"  # torch's float32
    assert got[1]["grads"] == {"x": 1.0, "w": None}  # w does not require grad
    r = run_agrad("eval", "x^3", "x^2", "--x", "2", "--backward", "2", "-F", "json")
    assert [rec["passes"] for rec in records(r.stdout)] == [[{"x": 12.0}, {"x": 24.0}], [{"x": 4.0}, {"x": 8.0}]]
    r = run_agrad("eval", "x^3", "x^2", "--x", "2", "--backward", "2", "--grad", "x")
    assert r.stdout == b"24.0\n8.0\n"  # the accumulated gradient, as for one expression
    r = run_agrad("eval", "-", "--x", "2", "--w", "3", "--retain-grad", "a", "-F", "csv", input="a = x*w; a*a\n")
    assert r.stdout == b"line,expr,value,d/dx,d/dw,d/da\n1,a = x*w; a*a,36.0,36.0,24.0,12.0\n"
    program = tmp_path / "program.txt"
    program.write_text("a = x*w\na^2\n")
    r = run_agrad("eval", "-f", str(program), "--points", "-", "-F", "plain", input="x,w\n1,2\n3,4\n")
    assert r.returncode == 0 and r.stdout == b"4.0\t8.0\t4.0\n144.0\t96.0\t72.0\n"


@pytest.mark.parametrize("args, message", [
    (["-", "--trace", "-F", "plain"], "agrad: usage error: --trace gives more than one line per job in a batch: "
                                      "use --format json (one record per job) or pretty\n"),
    (["x", "y", "--order", "2", "-F", "csv"], "agrad: usage error: --order has no columns in csv output"),
    (["x", "--hessian", "-F", "csv"], "agrad: usage error: --hessian has no columns in csv output"),
    (["-", "-f", "p.txt"], "agrad: usage error: give either EXPR (several, or - for stdin) or -f FILE, not both"),
])
def test_options_that_break_one_line_per_job_exit_2(run_agrad, args, message):
    r = run_agrad("eval", *args, "--x", "1", input="x\n")
    assert r.returncode == 2 and r.stdout == b"" and r.stderr.decode().startswith(message)


# -- streaming and plumbing ------------------------------------------------------------------

def _read_line(stream, timeout: float = 20.0) -> bytes:
    """One line from a pipe, failing if it does not come in time."""
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([stream], [], [], max(left, 0))
        assert ready, f"no output within {timeout} s (got {data!r})"
        chunk = os.read(stream.fileno(), 1)
        assert chunk, "agrad closed its output"
        data += chunk
    return data


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_result_comes_as_soon_as_its_line_is_in(agrad_exe, jobs):
    """A slow producer (`tail -f log | agrad eval -`) gets every result while stdin is still
    open, though stdout is a pipe (buffered)."""
    p = subprocess.Popen(agrad_exe + ["eval", "-", "--x", "2", "-F", "plain", "--jobs", jobs],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for expr, out in [("x^2", b"4.0\t4.0\n"), ("x^3", b"8.0\t12.0\n"), ("# not a job", None), ("x", b"2.0\t1.0\n")]:
            p.stdin.write(expr.encode() + b"\n")
            p.stdin.flush()
            if out is not None:
                assert _read_line(p.stdout) == out
        p.stdin.close()
        assert p.wait(timeout=20) == 0 and p.stdout.read() == b""
    finally:
        p.kill()
        p.wait()


def test_tail_f_into_agrad(agrad_exe, tmp_path):
    log = tmp_path / "log"
    log.write_text("x^2\n")
    agrad_cmd = " ".join(agrad_exe)
    p = subprocess.Popen(["bash", "-c", f"tail -n +1 -f {log} | {agrad_cmd} eval - --x 3 -F plain"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert _read_line(p.stdout) == b"9.0\t6.0\n"
        with log.open("a") as fh:
            fh.write("x*x*x\n")
        assert _read_line(p.stdout) == b"27.0\t27.0\n"
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=20)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_reader_that_leaves_early_ends_agrad_quietly(agrad_exe, jobs):
    script = f"yes 'x^2' | {' '.join(agrad_exe)} eval - --x 3 --jobs {jobs} | head -2; " \
             "echo \"status ${PIPESTATUS[1]}\""
    r = subprocess.run(["bash", "-c", script], capture_output=True, timeout=60)
    lines = r.stdout.decode().splitlines()
    assert [json.loads(line)["line"] for line in lines[:2]] == [1, 2]
    assert lines[2] == "status 0"
    assert r.stderr == b""  # no BrokenPipeError, no "Exception ignored"


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("busy", [True, False])
def test_ctrl_c_exits_130_without_a_traceback(agrad_exe, jobs, busy):
    """Ctrl-C reaches the whole process group, workers included."""
    feeder = subprocess.Popen(["yes", "sin(x)*x^2"], stdout=subprocess.PIPE) if busy else None
    p = subprocess.Popen(agrad_exe + ["eval", "-", "--x", "2", "--jobs", jobs],
                         stdin=feeder.stdout if busy else subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        if not busy:
            p.stdin.write(b"x\n")
            p.stdin.flush()
        assert json.loads(_read_line(p.stdout))["line"] == 1  # running, and (if not busy) waiting for input
        os.killpg(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        p.kill()
        if feeder:
            feeder.kill()
            feeder.wait()
    assert p.returncode == 130
    assert err == b"agrad: interrupted\n"
    for line in out.decode().splitlines():  # whatever was written is whole records
        assert "value" in json.loads(line)


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field}")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads RSS from /proc")
def test_memory_stays_flat_over_a_long_stream(agrad_exe):
    """300,000 lines, 60,000 of them distinct jobs: the peak RSS after all of them is within a
    few MB of the RSS after the first 30,000 (the output is read as it comes)."""
    p = subprocess.Popen(agrad_exe + ["eval", "-", "-F", "plain"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    import threading

    lines_out = [0]

    def drain():
        for _ in p.stdout:
            lines_out[0] += 1

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        early = None
        for block in range(10):
            text = "".join(f"{block * 6000 + i}\n# comment\n\n   \n# {i}\n" for i in range(6000))
            p.stdin.write(text.encode())
            p.stdin.flush()
            if block == 0:
                deadline = time.monotonic() + 60
                while lines_out[0] < 6000 and time.monotonic() < deadline:
                    time.sleep(0.01)
                early = _rss_kib(p.pid)
        while lines_out[0] < 60000 and p.poll() is None:
            time.sleep(0.01)
        peak = _rss_kib(p.pid, "VmHWM")
        p.stdin.close()
        assert p.wait(timeout=60) == 0
    finally:
        p.kill()
        p.wait()
    reader.join(timeout=10)
    assert lines_out[0] == 60000
    assert peak - early < 8 * 1024, f"RSS grew from {early} KiB to a peak of {peak} KiB"


# -- --jobs ------------------------------------------------------------------------------------

def test_jobs_give_the_same_output_in_the_same_order(run_agrad):
    lines = []
    for i in range(1500):
        lines.append(f"x^2 + {i}" if i % 7 else f'{{"expr": "sin(x)*w", "vars": {{"w": {i}}}}}')
        if i % 500 == 3:
            lines.append("x +* 1")
        if i % 400 == 5:
            lines.append("# comment")
    text = "\n".join(lines) + "\n"
    one = run_agrad("eval", "-", "--x", "1.5", input=text)
    assert one.returncode == 1 and len(records(one.stdout)) == 1503
    for jobs in ("2", "0"):
        other = run_agrad("eval", "-", "--x", "1.5", "--jobs", jobs, input=text)
        assert other.returncode == 1 and other.stdout == one.stdout and other.stderr == one.stderr


def test_a_large_file_on_stdin_goes_to_a_worker_per_core_by_default(agrad_exe, tmp_path, monkeypatch):
    from agrad.batch import jobs as batch
    from agrad.batch import workers as parallel

    # 1 MiB of comments, then a few jobs: cheap to run, and past the threshold
    pad = "# " + "-" * 1000 + "\n"
    jobs = "x^2\n" + '{"expr": "sin(x)*w", "vars": {"w": 2}}\n' + "x +* 1\n" + "log(x)\n"
    big, small = tmp_path / "big.txt", tmp_path / "small.txt"
    big.write_text(pad * (batch.AUTO_JOBS_BYTES // len(pad) + 1) + jobs)
    small.write_text(pad * 3 + jobs)
    assert big.stat().st_size >= batch.AUTO_JOBS_BYTES > small.stat().st_size

    chosen = []

    def executor(make_runner, spec, jobs, **how):
        chosen.append(jobs)
        return parallel.InProcess(make_runner, spec)

    monkeypatch.setattr(batch, "make_executor", executor)
    for path, option, expected in ((big, None, 0), (small, None, 1), (big, 1, 1), (small, 2, 2)):
        with open(path, "rb") as stdin:
            monkeypatch.setattr(sys, "stdin", stdin)
            assert batch.run_stdin({"x": 2.0}, batch.BatchOptions(jobs=option, progress="off")) == 1
        assert chosen.pop() == expected, (path.name, option)

    # where workers cannot start, the batch runs in this process: silently for the default, with
    # a note on stderr for an explicit --jobs (it used to be an OSError traceback)
    def no_workers(make_runner, spec, jobs, **how):
        chosen.append(jobs)
        if jobs != 1:
            raise OSError(11, "Resource temporarily unavailable")
        return parallel.InProcess(make_runner, spec)

    monkeypatch.setattr(batch, "make_executor", no_workers)
    for option, note in ((None, ""), (2, "agrad: note: cannot start worker processes (Resource temporarily "
                                          "unavailable); running the batch in this process\n")):
        errors = io.StringIO()
        with open(big, "rb") as stdin:
            monkeypatch.setattr(sys, "stdin", stdin)
            monkeypatch.setattr(sys, "stderr", errors)
            monkeypatch.setattr(sys, "stdout", io.StringIO())
            assert batch.run_stdin({"x": 2.0}, batch.BatchOptions(jobs=option, progress="off")) == 1
        assert chosen[-2:] == [0 if option is None else option, 1]
        assert errors.getvalue().startswith(note) and "note" not in errors.getvalue()[len(note):]
    monkeypatch.undo()

    # and the workers' output is byte for byte the one process's
    outputs = []
    for extra in ([], ["--jobs", "1"]):
        with open(big, "rb") as stdin:
            outputs.append(subprocess.run(agrad_exe + ["eval", "-", "--x", "2"] + extra, stdin=stdin,
                                          capture_output=True, timeout=120))
    assert outputs[0].returncode == outputs[1].returncode == 1
    assert outputs[0].stdout == outputs[1].stdout and outputs[0].stderr == outputs[1].stderr
    assert [r.get("value") for r in records(outputs[0].stdout)] == [4.0, 2 * math.sin(2.0), None, math.log(2.0)]


# -- progress -----------------------------------------------------------------------------------

def test_no_progress_in_pipes_unless_forced(run_agrad):
    text = "x^2\n" * 600
    quiet = run_agrad("eval", "-", "--x", "1", input=text)
    assert quiet.stderr == b""
    forced = run_agrad("eval", "-", "--x", "1", "--progress", input=text)
    assert forced.stdout == quiet.stdout
    assert "600 lines" in forced.stderr.decode()


def _progress_on_a_terminal(agrad_exe, extra: list[str]) -> tuple[bytes, bytes]:
    """Run a batch whose stderr is a terminal (a pty) and stdout a pipe; the input pauses long
    enough for the batch to count as long."""
    import pty

    master, slave = pty.openpty()
    p = subprocess.Popen(agrad_exe + ["eval", "-", "--x", "2", "-F", "plain"] + extra,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    try:
        p.stdin.write(b"x^2\n")
        p.stdin.flush()
        _read_line(p.stdout)
        time.sleep(0.8)
        p.stdin.write(b"x^3\n" * 100)
        p.stdin.close()
        out = p.stdout.read()
        assert p.wait(timeout=30) == 0
    finally:
        p.kill()
        p.wait()
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    return out, err


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_progress_bar_on_a_terminal_stderr_and_never_with_quiet(agrad_exe):
    out, err = _progress_on_a_terminal(agrad_exe, [])
    assert out == b"8.0\t12.0\n" * 100  # stdout stays clean
    assert b"101 lines" in err and b"lines/s" in err
    out, err = _progress_on_a_terminal(agrad_exe, ["--quiet"])
    assert out == b"8.0\t12.0\n" * 100 and err == b""
