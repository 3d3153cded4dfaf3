"""Pretty output read off a real pseudo-terminal at 40, 60 and 100 columns (issue 15: readable
in any terminal, clean in a pipe; issue 14: terminal escapes): no line wider than the
terminal, no trailing blank, every number whole (read back and compared with the JSON
output's values at the digits shown), the tree of (x+w)*2 in 60 columns, a 37-node program in
100, control characters shown and never obeyed."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")
NUMBER = re.compile(r"(?<![\w.\[])-?\d+\.\d+(?:e[-+]\d+)?|(?<![\w.\[])-?\d+e[-+]\d+")
HESSIAN = ["sin(a*b+c*d+m*f+g*h+i*j+k*l)*exp(a-l)"] + [
    arg for name, v in zip("abcdmfghijkl", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.1, 1.2, 1.3])
    for arg in (f"--{name}", str(v))]
TRACE = ["sin(x)*exp(w)", "--x", "0.3", "--w", "0.7", "--trace"]


def screen(columns: int, *args: str) -> str:
    """agrad's stdout and stderr on a terminal `columns` wide (COLUMNS and the terminal's own
    size both say so), colour codes removed; the raw bytes are checked for escapes apart."""
    return ANSI.sub("", raw(columns, *args))


def raw(columns: int, *args: str) -> str:
    pid, fd = pty.fork()
    if pid == 0:  # the child: agrad on the terminal
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
        env["COLUMNS"] = str(columns)
        env["TERM"] = "xterm"
        os.execve(sys.executable, [sys.executable, "-m", "agrad", "eval", *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child has exited (EIO)
            break
        if not data:
            break
        out += data
    os.waitpid(pid, 0)
    return out.decode().replace("\r\n", "\n")


def as_json(*args: str) -> dict:
    r = subprocess.run([sys.executable, "-m", "agrad", "eval", *args, "--format", "json"], capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)


def rounded(value: float, digits: int = 6) -> float:
    return float(f"{value:.{digits}g}")


def check_fits(text: str, columns: int) -> None:
    for line in text.splitlines():
        assert len(line) <= columns, f"{len(line)} > {columns}: {line!r}"
        assert line == line.rstrip(), f"trailing blank: {line!r}"
    assert "…" not in text.split("\n", 1)[1] or "…," in text  # no number cut (a long vector's … is its own)


@pytest.mark.parametrize("columns", [40, 60, 100])
@pytest.mark.parametrize("args", [
    ["(x+w)*2", "--x", "3", "--w", "1"],
    HESSIAN + ["--hessian"],
    TRACE,
    ["a = x*w; y = a*detach(x) + k", "--x", "1.123456789", "--w", "2", "--k", "3", "--no-grad", "k",
     "--retain-grad", "a", "--hook", "a=g*2", "--order", "2", "--backward", "2"],
    ["sum(x * s)", "--x", ",".join(str(1 / k) for k in range(1, 21)), "--s", "2.5"],
    ["[v[0]*v[1], sin(v[0])]", "--v", "1.1,2.2", "--jacobian"],
    ["x^2", "sin(x)", "x +* 1", "--x", "0.3"],
    ["a_very_long_variable_name_that_goes_on_and_on_and_on_past_forty_columns * 2",
     "--var", "a_very_long_variable_name_that_goes_on_and_on_and_on_past_forty_columns=3"],
], ids=["tree", "hessian", "trace", "lessons", "vector", "jacobian", "batch", "long-name"])
def test_no_line_is_wider_than_the_terminal_and_none_ends_in_a_blank(columns, args):
    text = screen(columns, *args)
    assert "Traceback" not in text
    if args[0] != "x^2":  # the batch's error line is the one-shot error's, unwrapped
        check_fits(text, columns)
    else:
        check_fits(text.split("line 3")[0], columns)


def test_the_tree_of_x_plus_w_fits_60_columns_one_line_per_node():
    lines = screen(60, "(x+w)*2", "--x", "3", "--w", "1").splitlines()
    assert lines[:6] == ["(x+w)*2 = 8.0",
                         "MulBackward0  (x + w) * 2 = 8.0  grad in 1.0",
                         "├── AddBackward0  x + w = 4.0  grad in 2.0",
                         "│   ├── x = 3.0  grad 2.0",
                         "│   └── w = 1.0  grad 2.0",
                         "└── 2  (constant)"]


def test_a_37_node_program_fits_100_columns_one_line_per_node():
    source = "y = sin(a*b + c*d) * exp(m - f) + log(g + h*i) / sqrt(j^2 + k^2) - tanh(a*l + 1.5) + m + l"
    names = "abcdmfghijkl"
    values = [f"0.{k + 1}3" for k in range(len(names))]
    args = [source] + [a for n, v in zip(names, values) for a in (f"--{n}", v)]
    record = subprocess.run([sys.executable, "-c", "import agrad,sys; r=agrad.run(sys.argv[1], "
                             "dict(zip(sys.argv[2::2], map(float, sys.argv[3::2])))); print(len(r.graph))",
                             source] + [a for n, v in zip(names, values) for a in (n, v)],
                            capture_output=True, text=True, check=True)
    assert int(record.stdout) == 37
    text = screen(100, *args)
    check_fits(text, 100)
    lines = text.splitlines()
    tree = lines[1:lines.index(next(line for line in lines if line.startswith("leaf")))]
    assert all("── " in line for line in tree[1:]), tree  # no node's text went onto a second line
    references = [line for line in tree if line.endswith("(drawn above)")]
    assert tree[0].startswith("AddBackward0  y = ") and len(tree) == 37 + len(references) and len(references) == 3
    assert sum(line.endswith("── a = 0.13  grad 0.183457") for line in tree) == 1
    assert sum(line.endswith("── a  (drawn above)") for line in tree) == 1


def _hessian_cells(text: str) -> dict:
    """(row, column) -> the number printed, from the Hessian's blocks of columns."""
    cells = {}
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("Hessian"))
    columns = []
    for line in lines[start + 1:]:
        words = line.split()
        if not words or set(line) <= {"─"}:
            continue
        if words[:3] == ["x", "\\", "y"]:
            columns = words[3:]
            continue
        for column, number in zip(columns, words[1:]):
            cells[(words[0], column)] = float(number)
    return cells


@pytest.mark.parametrize("columns", [60, 100])
@pytest.mark.parametrize("digits", [None, 3, 17])
def test_every_hessian_number_is_printed_whole(columns, digits):
    """At 100 columns main printed -0.… for most of this 12-variable Hessian."""
    extra = [] if digits is None else ["--digits", str(digits)]
    text = screen(columns, *HESSIAN, "--hessian", *extra)
    check_fits(text, columns)
    record = as_json(*HESSIAN, "--hessian")["hessian"]
    cells = _hessian_cells(text)
    names = record["variables"]
    assert len(cells) == len(names) ** 2
    for i, row in enumerate(record["matrix"]):
        for j, value in enumerate(row):
            assert cells[(names[i], names[j])] == rounded(value, digits or 6)


@pytest.mark.parametrize("columns", [40, 60, 100])
def test_every_trace_number_is_printed_whole(columns):
    """At 60 columns main printed MulBack… and 2.01375…."""
    text = screen(columns, *TRACE)
    check_fits(text, columns)
    trace = text[text.index("Backward, step by step"):]
    shown = {float(n) for n in NUMBER.findall(trace)}
    expected = set()
    for step in as_json(*TRACE)["trace"]:
        expected.add(rounded(step["grad_in"]))
        if step["kind"] == "accumulate":
            expected.add(rounded(step["grad"]))
        for inp in step.get("inputs", []):
            expected |= {rounded(inp["local"]), rounded(inp["sent"])}
    assert expected <= shown, expected - shown
    assert "MulBackward0" in trace and "SinBackward0" in trace and "ExpBackward0" in trace


def test_tree_and_leaf_numbers_are_the_json_values_rounded():
    text = screen(60, *TRACE[:-1])
    record = as_json(*TRACE[:-1])
    assert text.splitlines()[0] == f"sin(x)*exp(w) = {rounded(record['value'])}"
    assert f"x = 0.3  grad {rounded(record['grads']['x'])}" in text
    assert f"w = 0.7  grad {rounded(record['grads']['w'])}" in text
    exact = screen(100, *TRACE[:-1], "--digits", "17")
    assert f"x = 0.3  grad {record['grads']['x']!r}" in exact  # 17 digits: exactly as JSON


def test_control_characters_are_shown_not_obeyed():
    out = raw(60, "x # \x1b]0;PWNED\x07\x1b[2J", "--x", "1")
    assert "\x1b]" not in out and "\x07" not in out and "\x1b[2J" not in out
    assert "x # \\x1b]0;PWNED\\x07\\x1b[2J = 1.0" in ANSI.sub("", out)
    # a hook's text, and a batch's failed job's source line, in pretty output
    out = raw(60, "a = x*2; a", "--x", "1", "--hook", "a=g # \x1b[2J\x1b]52;c;SGVsbG8=\x07")
    assert "\x1b[2J" not in out and "\x1b]52" not in out and "hook g # \\x1b[2J\\x1b]52;c;SGVsbG8=\\x07" in out
    out = raw(60, "x^2", "x +* 1 # \x1b]0;PWNED\x07", "--x", "1")
    assert "\x1b]" not in out and "\x07" not in out and "x +* 1 # \\x1b]0;PWNED\\x07" in out


def test_in_a_pipe_tables_fit_100_columns_and_sentences_are_whole():
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    r = subprocess.run([sys.executable, "-m", "agrad", "eval", *HESSIAN, "--hessian", "--backward", "2"],
                       capture_output=True, text=True, env=env)
    lines = r.stdout.splitlines()
    note = [line for line in lines if line.startswith("PyTorch needs backward(retain_graph=True)")]
    assert len(note) == 1 and note[0].endswith("until zeroed (--zero-grad).")  # one line, not hard-wrapped
    for line in lines:
        assert line == line.rstrip()
        assert len(line) <= 100 or line in (lines[0], note[0]), line
    assert "\x1b[" not in r.stdout


def test_leaves_are_listed_in_first_appearance_order_as_in_json():
    args = ["w*x + z", "--x", "1", "--z", "3", "--w", "2", "--q", "5"]
    record = as_json(*args)
    assert list(record["grads"]) == ["w", "x", "z", "q"]
    text = screen(100, *args)
    table = text[text.index("leaf "):].splitlines()[2:]
    assert [line.split()[0] for line in table] == ["w", "x", "z", "q"]
    assert table[-1].split() == ["q", "5.0", "None", "(unused)"]


def test_hessian_and_derivatives_share_one_notation():
    text = screen(100, "x*w^2", "--x", "1", "--w", "2", "--hessian", "--order", "2")
    assert "d^2/dx dy" in text and "d^2/dx^2" in text and "d2/d" not in text


def test_plain_hessian_rows_are_labelled_and_digits_leave_json_exact(cli):
    r = cli("eval", "x*w^2", "--x", "1", "--w", "2", "--hessian", "-F", "plain")
    assert r.stdout.splitlines()[1:] == ["hessian\tx\t0.0\t4.0", "hessian\tw\t4.0\t2.0"]
    exact = cli("eval", "sin(x)", "--x", "0.3", "-F", "json").stdout
    assert cli("eval", "sin(x)", "--x", "0.3", "-F", "json", "--digits", "2").stdout == exact
    assert "sin(x) = 0.3\n" in cli("eval", "sin(x)", "--x", "0.3", "--digits", "2").stdout
    assert cli("eval", "x", "--x", "1", "--digits", "0").exit_code == 2


def test_long_tables_are_cut_with_a_line_that_says_so(cli):
    r = cli("eval", "sum(x^2)", "--x", ",".join(["1.5"] * 30), "--hessian")
    assert "the Hessian has 30 rows and columns; the first 24 of each are shown; --format json gives all of it" \
        in r.stdout and "x[24]" not in r.stdout
    r = cli("eval", "+".join(["x"] * 300), "--x", "1", "--trace")
    assert "... 100 more steps not shown; --format json gives all of them" in r.stdout
