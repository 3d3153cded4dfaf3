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
