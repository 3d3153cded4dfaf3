"""The parts of a batch, in-process: the line reader, decoding, JSON jobs, the formatter, the
output's flushing, the parse cache, and the CLI through CliRunner."""

import io
import json
import os

import pytest

from agrad.batch import jobs as batch
from agrad.errors import BindingError, InputError
from agrad.batch.lines import LineReader
from agrad.batch.output import Output
from agrad.evaluation.options import RunOptions
from agrad.render.formats import Formatter, csv_row


class Trickle:
    """A stream that hands its bytes over a few at a time, as a pipe may."""

    def __init__(self, data: bytes, sizes):
        self.data = data
        self.sizes = list(sizes)

    def read1(self, n):
        size = min(n, self.sizes.pop(0) if self.sizes else n)
        out, self.data = self.data[:size], self.data[size:]
        return out


@pytest.mark.parametrize("sizes", [[1] * 200, [3, 7, 1, 50], [1000]])
def test_line_reader_splits_lines_whatever_the_reads(sizes):
    data = b"a\r\nbb\n\nccc\r\n" + b"x" * 30 + b"\nlast"
    lines = list(LineReader(Trickle(data, sizes), max_line_bytes=20))
    assert [(line.number, line.data) for line in lines] == [
        (1, b"a"), (2, b"bb"), (3, b""), (4, b"ccc"), (5, None), (6, b"last")]
    ends = [line.end for line in lines]  # offsets past each line
    assert ends[:4] == [3, 6, 7, 12] and ends[5] == 47
    # the long line is reported as soon as it passes the limit: its end is where it did (or, when
    # the whole of it was read at once, its true end)
    assert 12 + 20 < ends[4] <= 43


def test_line_reader_holds_no_more_than_a_read_past_the_limit():
    reader = LineReader(Trickle(b"y" * 100_000 + b"\nok\n", [4096] * 100), max_line_bytes=1000)
    first = next(reader)
    assert first.data is None and 1000 < first.end <= 1000 + 4096 + 4  # reported once past the limit
    assert next(reader) == (2, b"ok", 100_004)  # the rest of the long line was dropped as it came
    assert len(reader._buf) <= 1000 + 4096 + 4
    with pytest.raises(StopIteration):
        next(reader)


def test_line_reader_on_a_pipe_knows_when_it_would_block():
    r, w = os.pipe()
    try:
        reader = LineReader(os.fdopen(r, "rb", buffering=0))
        assert reader.would_block()
        os.write(w, b"x\ny")
        assert not reader.would_block()
        assert next(reader).data == b"x"
        assert reader.would_block()  # "y" has no newline yet, and nothing more has come
        os.close(w)
        assert not reader.would_block()  # end of input is not blocking
        assert next(reader).data == b"y"
    finally:
        try:
            os.close(w)
        except OSError:
            pass


def test_decode():
    assert batch.decode(b"x+1", 1, True) == "x+1"
    assert batch.decode(b"  # note", 3, True) is None and batch.decode(b" \t", 3, True) is None
    assert batch.decode(b"  # note", 3, False) == "  # note"
    assert batch.decode(b"\xef\xbb\xbfx", 1, True) == "x"
    with pytest.raises(InputError, match=r"not valid UTF-8 \(byte 0xe9 at column 3\)") as info:
        batch.decode("θ+\udce9", 2, False)
    assert info.value.span == (2, 3)
    with pytest.raises(InputError, match=r"byte 0xc3 at column 2"):
        batch.decode("θ".encode() + b"\xc3(", 1, True)
    with pytest.raises(InputError, match="longer than"):
        batch.decode(None, 1, True)


def test_json_bindings():
    assert batch.json_binding("x", 3) == 3.0 and batch.json_binding("x", "-inf") == float("-inf")
    assert batch.json_binding("x", 2.5) == 2.5
    assert batch.json_binding("x", [1, 2.5, "-inf"]).tolist() == [1.0, 2.5, float("-inf")]  # a vector
    for value, message in [(True, "expected a number, got true"), (None, "expected a number, got null"),
                           ({}, "expected a number, got an object"), ([[1.0]], "element 0 is an array"),
                           ([1, None], r"variable 'x\[1\]': expected a number, got null"),
                           (10 ** 400, "is too large for a float64"), ("1,5", "'1,5' is not a number")]:
        with pytest.raises(BindingError, match=message):
            batch.json_binding("x", value)


def test_csv_rows_quote_only_what_needs_it():
    assert csv_row([1, "x^2", 2.0]) == "1,x^2,2.0\n"
    assert csv_row(["max(x, w)", 'a"b', " x", ""]) == '"max(x, w)","a""b"," x",\n'


def test_formatter_header_and_error_shapes():
    assert Formatter("csv", ("x", "w"), points=("x", "w")).header() == "x,w,value,d/dx,d/dw\n"
    assert Formatter("csv", ("x",)).header() == "line,expr,value,d/dx\n"
    assert Formatter("json", ("x",)).header() == ""
    exc = InputError("bad JSON: Extra data", (14, 15), '{"expr": "x"} trailing')
    out = Formatter("json").error(7, None, exc)
    assert out.failed and json.loads(out.out) == {
        "line": 7, "expr": None, "error": {"kind": "input", "message": "bad JSON: Extra data", "column": 15}}
    plain = Formatter("plain").error(7, None, exc)
    assert plain.out == "\n"
    assert plain.err == 'agrad: line 7: input error: bad JSON: Extra data\n{"expr": "x"} trailing\n' \
                        + " " * 14 + "^\n"


class FakeStream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty
        self.flushes = 0

    def isatty(self):
        return self.tty

    def flush(self):
        self.flushes += 1


@pytest.mark.parametrize("tty", [True, False])
def test_output_flushes_each_write_on_a_terminal_only(tty):
    stream = FakeStream(tty)
    out = Output(stdout=stream, stderr=io.StringIO())
    out.write("a\n")
    out.write("b\n")
    assert stream.getvalue() == "a\nb\n"
    assert stream.flushes == (2 if tty else 0)
    out.flush()
    assert stream.flushes == (3 if tty else 1)


def test_output_writes_lone_surrogates_as_escapes():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    Output(stdout=stream).write('"\ud800"\n')
    stream.flush()
    assert raw.getvalue() == b'"\\ud800"\n'  # in a JSON string, still valid JSON


def test_one_parse_serves_many_evaluations():
    batch._parse_cached.cache_clear()
    jobs = batch.ExpressionJobs(batch.Spec("expressions", {"x": 2.0}, Formatter("plain"), RunOptions()))
    outcomes = jobs([(1, b"x^2"), (2, b"x^2"), (3, b'{"expr": "x^2", "vars": {"x": 5}}')])
    assert "".join(o.out for o in outcomes) == "4.0\t4.0\n4.0\t4.0\n25.0\t10.0\n"
    info = batch._parse_cached.cache_info()
    assert info.misses == 1 and info.hits == 2
    long = "x" + " + x" * 2000  # too long to keep
    assert jobs([(1, long.encode())])[0].out == "4002.0\t2001.0\n"
    assert batch._parse_cached.cache_info().currsize == 1


def test_a_chunks_quiet_successes_come_back_joined_and_the_rest_in_place():
    jobs = batch.ExpressionJobs(batch.Spec("expressions", {"x": 2.0}, Formatter("plain"), RunOptions()))
    chunk = [(1, b"x^2"), (2, b"x^3"), (3, b"x +* 1"), (4, b"# note"), (5, b"1/x"), (6, b"y"), (7, b"x")]
    outcomes = jobs(chunk)
    assert [(o.out, o.failed) for o in outcomes] == [
        ("4.0\t4.0\n8.0\t12.0\n", False), ("\n", True), ("0.5\t-0.25\n", False), ("\n", True), ("2.0\t1.0\n", False)]
    assert outcomes[1].err.startswith("agrad: line 3: syntax error: unexpected '*'")
    assert outcomes[3].err.startswith("agrad: line 6: unbound error: variable 'y' has no value")


def test_a_bug_in_one_job_is_reported_in_its_place(monkeypatch):
    jobs = batch.ExpressionJobs(batch.Spec("expressions", {}, Formatter("json"), RunOptions()))

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(batch, "run", broken)
    out = jobs([(1, b"1+1")])[0]
    assert out.failed and json.loads(out.out)["error"] == {
        "kind": "internal", "message": "internal error (ZeroDivisionError: boom); please report it", "column": None}


# -- the CLI in-process ------------------------------------------------------------------------

def test_cli_stdin_batch(cli):
    r = cli("eval", "-", "--x", "3", input="x^2\n# skip\nx +* 1\n")
    assert r.exit_code == 1
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert got[0]["grads"] == {"x": 6.0} and got[1]["error"]["kind"] == "syntax" and got[1]["line"] == 3


def test_cli_one_expression_as_csv(cli):
    r = cli("eval", "max(x, w)", "--x", "1", "--w", "1", "-F", "csv")
    assert r.exit_code == 0 and r.stdout == 'line,expr,value,d/dx,d/dw\n1,"max(x, w)",1.0,0.5,0.5\n'
    bad = cli("eval", "x +* 1", "--x", "1", "-F", "csv")
    assert bad.exit_code == 2 and bad.stdout == ""  # one expression keeps the one-shot exit codes


def test_cli_functions_rejects_csv(cli):
    r = cli("functions", "--format", "csv")
    assert r.exit_code == 2 and "'csv' is not one of 'pretty', 'json'" in r.stderr
