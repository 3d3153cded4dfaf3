"""agrad repl (issue 18): the issue's transcript through a pipe and on a real pseudo-terminal
(pexpect drives it, pyte draws the screen it would show, answering prompt_toolkit's cursor
position requests as a terminal does), values against hand-derived results and against torch
(recorded by tests/torch_reference/generate_repl.py; live where torch is installed), torch's
retain_graph error, errors that never end the session, the history file, Ctrl-C, Ctrl-D and Tab."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agrad.render.screen import Look
from agrad.repl.session import Session

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "docs" / "repl-lesson.txt"
RECORDED = json.loads((ROOT / "tests" / "torch_reference" / "repl_cases.json").read_text(encoding="utf-8"))

# The issue's transcript, verbatim.
TRANSCRIPT = """\
> x = 3
> w = 1
> y = (x + w) * 2          8.0  MulBackward0
> :backward y
> :grad x                  2.0
> :backward y
> :grad x                  4.0
> :backward y
> :grad x                  6.0
> :zero_grad
> :backward y
> :grad x                  2.0
"""
RETAIN_ERROR = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward.")


def agrad(*args, stdin: str = "", env=None) -> subprocess.CompletedProcess:
    from conftest import agrad_command

    return subprocess.run(agrad_command() + list(args), input=stdin, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


def session(lines, digits: int = 6) -> tuple[Session, list]:
    s = Session(Look(100, False, False, digits))
    return s, [s.run(line) for line in lines]


# -- through a pipe ------------------------------------------------------------------------------

def test_the_issues_transcript_through_a_pipe():
    assert LESSON.read_text(encoding="utf-8").splitlines() == [line[2:].split("   ")[0].rstrip()
                                                              for line in TRANSCRIPT.splitlines()]
    r = agrad("repl", stdin=LESSON.read_text(encoding="utf-8"))
    assert (r.stdout, r.stderr, r.returncode) == (TRANSCRIPT, "", 0)


def test_errors_show_their_caret_and_the_session_goes_on_and_the_pipe_exits_1():
    r = agrad("repl", stdin="x = 1\ny = x +* 2\ny = z * 2\n:bogus\ny = x * 5\n:backward y\n:grad x\n")
    assert r.returncode == 1 and r.stderr == ""
    assert r.stdout.splitlines() == [
        "> x = 1",
        "> y = x +* 2",
        "agrad: syntax error: unexpected '*' (expected, for example, a number, a name, '+', '-', '(' or '[')",
        "y = x +* 2",
        "       ^",
        "> y = z * 2",
        "agrad: unbound error: 'z' has no value in this session: assign it first, e.g. z = 1",
        "y = z * 2",
        "    ^",
        "> :bogus",
        "agrad: usage error: unknown command ':bogus' (:help lists the commands)",
        "> y = x * 5                5.0  MulBackward0",
        "> :backward y",
        "> :grad x                  5.0",
    ]
    # the same error words and caret as agrad eval
    eval_error = agrad("eval", "y = x +* 2", "--x", "1").stderr.splitlines()
    assert eval_error == r.stdout.splitlines()[2:5]


def test_an_open_bracket_continues_the_input_and_quit_stops_reading():
    r = agrad("repl", stdin="v = [1,\n  2, 3]  # a vector\ns = sum(v^2)\n:backward s\n:grad v\n:quit\nx = 1 +* 2\n")
    assert r.returncode == 0
    assert r.stdout.splitlines() == [
        "> v = [1,",
        ".   2, 3]  # a vector",
        "> s = sum(v^2)            14.0  SumBackward0",
        "> :backward s",
        "> :grad v      [2.0, 4.0, 6.0]",
        "> :quit",
    ]


def test_the_value_ends_in_column_30_or_two_spaces_after_a_long_input():
    r = agrad("repl", stdin="x = 0.5\nlonger_name = x * x + sin(x) * 100\nx\n")
    lines = r.stdout.splitlines()
    assert lines[1] == "> longer_name = x * x + sin(x) * 100  48.1926  AddBackward0"
    assert lines[2] == "> x                        0.5  requires_grad=True"
    assert len(lines[2].split("  requires")[0]) == 30


# -- values: hand-derived, torch ------------------------------------------------------------------

def test_values_hand_derived():
    s, replies = session(["x = 2", "y = x^3", ":backward y 2", ":grad x", ":zero_grad x", ":grad x",
                          "g = grad(y, x)", ":backward g", ":grad x", "t = pi/2", "u = sin(t) * t", ":backward u",
                          ":grad t"])
    assert [r.ok for r in replies] == [True] * 13
    assert (replies[1].value, replies[1].note) == ("8.0", "PowBackward0")
    assert replies[3].value == "24.0"  # 3x^2 = 12, twice
    assert replies[5].value == "None"  # zero_grad sets .grad to None, as optimizer.zero_grad()
    assert (replies[6].value, replies[8].value) == ("12.0", "12.0")  # d/dx 3x^2 = 6x = 12 (grad's graph)
    assert replies[12].value == "1.0"  # cos(t) t + sin(t) at pi/2
    assert s.names["t"].requires_grad and s.names["t"].is_leaf  # pi/2: numbers alone make a leaf


def _shows(replies) -> list:
    """What each line showed, as torch's record has it: a value with its grad_fn, or an error."""
    out = []
    for r in replies:
        if not r.ok:
            out.append({"error": r.body})
        elif r.value:
            value = json.loads(r.value.replace("None", "null"))
            out.append({"value": value, "grad_fn": r.note if r.note.endswith("Backward0") else None})
    return out


def _same(agrad_shows: list, torch_shows: list) -> None:
    assert len(agrad_shows) == len(torch_shows)
    for got, want in zip(agrad_shows, torch_shows):
        if "error" in want:
            assert want["error"] in got["error"]
        else:
            assert got["grad_fn"] == want["grad_fn"]
            assert got["value"] == want["value"]  # bit for bit (repr at 17 digits reads back exactly)


@pytest.mark.parametrize("case", RECORDED["cases"], ids=lambda c: c["name"])
def test_against_recorded_torch(case):
    _, replies = session(case["lines"], digits=17)
    _same(_shows(replies), case["shows"])


def test_against_live_torch():
    pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "tests"))
    from torch_reference.generate_repl import SESSIONS

    for name, (lines, steps) in SESSIONS.items():
        shows = []
        steps(lambda t=None, grad_fn=None, error=None: shows.append(
            {"error": error} if error is not None else {"value": t.tolist() if hasattr(t, "tolist") else t,
                                                        "grad_fn": grad_fn}))
        _same(_shows(session(lines, digits=17)[1]), shows)


def test_retain_graph_false_frees_the_graph_with_torchs_error():
    s, replies = session(["x = 3", "w = 1", "y = (x + w) * 2", ":backward y retain_graph=False", ":backward y",
                          ":grad x", "s = x + w", ":backward s 2 retain_graph=False", ":grad x",
                          ":backward y 2 retain_graph=False"])
    assert replies[4].body == f"agrad: compute error: {RETAIN_ERROR}" and not replies[4].ok
    assert replies[5].value == "2.0"  # the failed pass added nothing
    assert replies[8].value == "4.0"  # x + w saves nothing: two passes without the graph kept, as in torch
    assert replies[9].body.endswith(RETAIN_ERROR)


# -- what the other commands show: the same as agrad eval and agrad diff -----------------------

def test_tree_is_agrad_evals_tree(cli):
    _, replies = session(["x = 3", "w = 1", "y = (x + w) * 2", ":backward y", ":tree y"])
    tree = replies[-1].body.splitlines()
    shown = cli("eval", "(x + w) * 2", "--x", "3", "--w", "1").stdout.splitlines()
    assert tree[0] == shown[0] == "(x + w) * 2 = 8.0"
    assert tree[1] == shown[1].replace("MulBackward0  (x", "MulBackward0  y = (x")  # the node has a name here
    assert tree[2:] == shown[2:]


def test_trace_is_agrad_evals_trace(cli):
    _, replies = session(["x = 0.3", "w = 0.7", "y = sin(x) * exp(w)", ":trace y", ":backward y", ":trace y"])
    assert replies[3].body == "no backward pass from y yet: :backward y runs one"
    shown = cli("eval", "sin(x) * exp(w)", "--x", "0.3", "--w", "0.7", "--trace").stdout.splitlines()
    ours = replies[5].body.splitlines()
    theirs = shown[shown.index(ours[0]):]
    assert len(ours) == len(theirs) == 9

    def cells(line):  # the table's cells (a named node makes its column wider)
        return re.split(r"\s{2,}", line.strip().replace("y (MulBackward0)", "MulBackward0"))

    assert [cells(line) for line in ours[3:]] == [cells(line) for line in theirs[3:]]
    assert cells(ours[3]) == ["1", "MulBackward0", "1.0", "SinBackward0", "2.01375", "2.01375"]


def test_diff_and_check_are_agrad_diffs_and_checks(cli):
    _, replies = session(["x = 0.5", "w = 2", "a = x * w", "y = sin(a) * x", ":diff y x", ":diff y x w",
                          ":check y", ":detach d = y", "z = d * x", ":diff z x", ":check z"])
    assert replies[4].body == cli("diff", "a = x * w; sin(a) * x", "--wrt", "x").stdout.rstrip("\n")
    assert replies[5].body == cli("diff", "a = x * w; sin(a) * x", "--wrt", "x", "--wrt", "w").stdout.rstrip("\n")
    check = replies[6].body.splitlines()
    shown = cli("eval", "a = x * w; sin(a) * x", "--x", "0.5", "--w", "2", "--check").stdout.splitlines()
    start = shown.index(check[0])
    assert check == shown[start:start + len(check)] and check[-1] == "2 of 2 elements agree"
    assert replies[9].body == "d"  # d is a leaf of its own: the formula of d * x in x
    assert replies[10].ok and "d/dx" in replies[10].body and "d/dd" not in replies[10].body


def test_no_grad_and_detach():
    s, replies = session(["x = 3", ":no_grad z = x * 2", "y = x * 2", ":no_grad y", ":no_grad x", "q = x * 2",
                          ":vars"])
    assert (replies[1].value, replies[1].note) == ("6.0", "")  # no grad_fn: computed under no_grad
    assert not replies[3].ok and "you can only change requires_grad flags of leaf variables" in replies[3].body
    assert (replies[5].value, replies[5].note) == ("6.0", "")  # x requires no grad any more
    assert replies[6].body.splitlines()[2:] == ["x       3.0  leaf (no grad)  None",
                                                "z       6.0  leaf (no grad)  None",
                                                "y       6.0  MulBackward0",
                                                "q       6.0  leaf (no grad)  None"]


def test_a_reassigned_name_keeps_the_old_tensor_in_graphs_built_on_it():
    s, replies = session(["x = 3", "y = x * x", "x = 10", ":backward y", ":grad x", ":diff y x", "z = y + x",
                          ":diff z x"])
    assert replies[4].value == "None"  # the new x: y was built on the old one, as in Python and torch
    assert replies[5].body == "x + x"  # agrad diff "x * x" --wrt x
    assert not replies[7].ok and "two values of 'x'" in replies[7].body


def test_a_vector_output_says_how_to_go_on():
    _, replies = session(["v = [1, 2]", "y = v * 2", ":backward y"])
    assert replies[2].body == ("agrad: compute error: grad can be implicitly created only for scalar outputs: the "
                               "output is a vector; reduce it to a scalar first, e.g. s = sum(...), then :backward s")


def test_costs_are_bounded_per_line():
    _, replies = session(["x = 1", "y = x * 2", ":backward y 100000000"])
    assert not replies[2].ok and "limit error" in replies[2].body


def test_agrad_eval_and_a_piped_repl_do_not_import_prompt_toolkit():
    code = ("import sys, io\n"
            "sys.argv = ['agrad'] + sys.argv[1:]\n"
            "import atexit\n"
            "atexit.register(lambda: sys.stderr.write(str('prompt_toolkit' in sys.modules)))\n"
            "from agrad.__main__ import run\n"
            "run()\n")
    for args, stdin in ((["eval", "x", "--x", "1"], ""), (["repl"], "x = 1\n")):
        r = subprocess.run([sys.executable, "-c", code] + args, input=stdin, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0 and r.stderr == "False"


# -- on a pseudo-terminal -------------------------------------------------------------------------

class Terminal:
    """agrad repl on a pseudo-terminal, its output drawn by pyte as a terminal draws it."""

    def __init__(self, columns: int = 80, rows: int = 30, state: Path | None = None, env=None):
        pexpect = pytest.importorskip("pexpect")
        pyte = pytest.importorskip("pyte")
        from conftest import agrad_command

        self.pexpect = pexpect
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        command = agrad_command()
        environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
        environment.update(TERM="xterm", XDG_STATE_HOME=str(state or "/nonexistent"), **(env or {}))
        self.child = pexpect.spawn(command[0], command[1:] + ["repl"], env=environment, dimensions=(rows, columns),
                                   timeout=30)
        # a terminal answers prompt_toolkit's cursor position request; pyte's answer goes back in
        self.screen.write_process_input = lambda data: self.child.send(data.encode())
        self.wait(lambda lines: lines[-1].startswith(">"))

    def lines(self) -> list[str]:
        lines = [line.rstrip() for line in self.screen.display]
        while len(lines) > 1 and not lines[-1]:
            lines.pop()
        return lines

    def pump(self, seconds: float = 0.1) -> None:
        try:
            self.stream.feed(self.child.read_nonblocking(1 << 16, timeout=seconds))
        except self.pexpect.TIMEOUT:
            pass

    def wait(self, ready, seconds: float = 20) -> list[str]:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.pump()
            if ready(self.lines()):
                return self.lines()
        raise AssertionError("the screen never showed it:\n" + "\n".join(self.lines()))

    def type(self, text: str, then=None) -> list[str]:
        self.child.send(text)
        return self.wait(then or (lambda lines: lines and lines[-1] == ">"))

    def enter(self, line: str) -> list[str]:
        """Type a line and Enter; wait until its echo is on the screen once more and the prompt is back."""
        echo = "> " + line

        def count(lines):
            return sum(shown == echo or shown.startswith(echo + "  ") for shown in lines)

        before = count(self.lines())
        return self.type(line + "\r", lambda lines: lines and lines[-1] == ">" and count(lines) == before + 1)

    def end(self) -> int:
        """Ctrl-D; the exit status."""
        self.child.sendcontrol("d")
        end = time.monotonic() + 20
        while self.child.isalive() and time.monotonic() < end:
            try:
                self.pump()  # (answering a cursor position request the terminal may still be asked)
            except self.pexpect.EOF:
                break
        self.child.close()
        return self.child.exitstatus


@pytest.mark.parametrize("columns", [60, 100])
def test_the_issues_transcript_on_a_terminal(tmp_path, columns):
    term = Terminal(columns, state=tmp_path)
    for line in LESSON.read_text(encoding="utf-8").splitlines():
        term.enter(line)
    assert term.lines() == TRANSCRIPT.splitlines() + [">"]
    assert term.end() == 0


def test_a_narrow_terminal_puts_the_value_below_its_input(tmp_path):
    term = Terminal(40, state=tmp_path)
    for line in ["x = 3", "w = 1", "y = (x + w) * 2", ":backward y", ":grad x"]:
        term.enter(line)
    assert term.lines() == ["> x = 3", "> w = 1", "> y = (x + w) * 2", "  8.0  MulBackward0", "> :backward y",
                            "> :grad x                  2.0", ">"]
    lines = term.enter(":tree y")  # the tree and the table fit the terminal, as agrad eval's do
    assert lines[6:8] == ["> :tree y", "(x + w) * 2 = 8.0"] and lines[8].startswith("MulBackward0  y = (x + w)")
    assert "x       3.0   2.0" in lines and all(len(line) <= 40 for line in lines)
    assert term.end() == 0


def test_history_is_kept_between_sessions(tmp_path):
    term = Terminal(state=tmp_path)
    term.enter("x = 41")
    term.enter("y = x + 1")
    assert term.end() == 0
    history = (tmp_path / "agrad" / "history").read_text(encoding="utf-8")
    assert "+x = 41\n" in history and "+y = x + 1\n" in history
    again = Terminal(state=tmp_path)
    again.child.send("\x1b[A")  # Up: the last line of the session before
    lines = again.wait(lambda lines: lines[-1] == "> y = x + 1")
    again.child.send("\x1b[A")
    again.wait(lambda lines: lines[-1] == "> x = 41")
    lines = again.type("\r", lambda lines: lines[-1] == ">" and len(lines) > 1)
    assert lines == ["> x = 41", ">"]
    assert again.end() == 0


def test_a_history_that_cannot_be_kept_is_a_warning(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    term = Terminal(state=blocked)
    assert "".join(term.lines()[:-1]).startswith(f"agrad: warning: cannot keep the history in {blocked}/agrad/history")
    term.enter("x = 2")
    lines = term.enter(":grad x")
    assert lines[-3:] == ["> x = 2", "> :grad x                 None", ">"]
    assert term.end() == 0


def test_ctrl_c_cancels_the_line_and_ctrl_d_leaves(tmp_path):
    term = Terminal(state=tmp_path)
    term.enter("x = 3")
    term.child.send("y = x +")
    term.wait(lambda lines: lines[-1] == "> y = x +")
    term.child.sendcontrol("c")
    lines = term.wait(lambda lines: lines[-1] == ">")
    assert lines == ["> x = 3", ">"]
    lines = term.enter(":vars")
    assert lines[-2] == "x       3.0  leaf     None" and "y" not in "".join(lines[2:])
    assert term.end() == 0


def test_an_open_bracket_continues_on_the_terminal(tmp_path):
    term = Terminal(state=tmp_path)
    term.enter("x = 2")
    term.child.send("y = (x *\r")
    term.wait(lambda lines: lines[-1] == ".")
    lines = term.type("3)\r")
    assert lines == ["> x = 2", "> y = (x *", ". 3)                       6.0  MulBackward0", ">"]
    assert term.end() == 0


def test_tab_completes_commands_names_and_functions(tmp_path):
    term = Terminal(state=tmp_path)
    term.enter("weight = 3")
    term.child.send(":ba\t")  # one command starts so: completed in place
    term.wait(lambda lines: lines[-1] == "> :backward")
    term.child.sendcontrol("c")
    term.wait(lambda lines: lines[-1] == ">")
    term.child.send("y = sigm\t")  # a function
    term.wait(lambda lines: lines[-1] == "> y = sigmoid")
    term.child.send("(wei\t")  # a name of the session
    term.wait(lambda lines: lines[-1] == "> y = sigmoid(weight")
    lines = term.type(")\r")
    assert lines[-2] == "> y = sigmoid(weight)  0.952574  SigmoidBackward0"
    term.child.send("y = si\t")  # several: a menu of them
    lines = term.wait(lambda lines: any(line.strip() == "sinh" for line in lines))
    assert {"sin", "sign", "sinh", "sigmoid", "silu"} <= {line.strip() for line in lines}
    term.child.sendcontrol("c")  # (Ctrl-D on a line that is not empty deletes, as in bash)
    term.wait(lambda lines: lines[-1] == ">")
    assert term.end() == 0


def test_bad_input_is_one_line_each_and_the_session_goes_on():
    from conftest import agrad_command

    stdin = b"x = 1\r\ny = \xff\n" + b"z = " + b"1+" * 600_000 + b"1\n:grad x\n"
    r = subprocess.run(agrad_command() + ["repl"], input=stdin, capture_output=True, timeout=60)
    assert r.returncode == 1 and r.stderr == b""
    assert r.stdout.decode().splitlines() == [
        "> x = 1",
        "> ",
        "agrad: input error: an input line is not UTF-8 (byte 5) and was skipped",
        "> ",
        "agrad: limit error: an input longer than 1,048,576 bytes was skipped (the source limit)",
        "> :grad x                 None",
    ]
    closed = subprocess.run(agrad_command() + ["repl"], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert (closed.returncode, closed.stdout, closed.stderr) == (0, b"", b"")


def test_digits_as_in_agrad_eval():
    six = agrad("repl", stdin="x = 0.1\ny = x * 3\n").stdout.splitlines()[1]
    exact = agrad("repl", "--digits", "17", stdin="x = 0.1\ny = x * 3\n").stdout.splitlines()[1]
    assert six == "> y = x * 3                0.3  MulBackward0"
    assert exact == "> y = x * 3  0.30000000000000004  MulBackward0"  # 0.1 * 3 in float64


def test_reset_and_help():
    s, replies = session(["x = 3", "y = x * 2", ":reset", ":vars", "y", ":help", ":help me"])
    assert s.names == {} and replies[3].body == "no names yet: x = 3 makes one"
    assert "has no value in this session" in replies[4].body
    listed = [line.split()[0] for line in replies[5].body.splitlines() if line.startswith(":")]
    assert listed == [":backward", ":grad", ":zero_grad", ":tree", ":trace", ":no_grad", ":no_grad", ":detach",
                      ":check", ":diff", ":plot", ":vars", ":reset", ":help", ":quit"]
    assert all(len(line) <= 100 for line in replies[5].body.splitlines())
    assert replies[6].body == "agrad: usage error: :help takes nothing, as in :help"


def test_a_history_file_that_cannot_be_read_or_written_is_a_warning_each(tmp_path):
    (tmp_path / "agrad" / "history").mkdir(parents=True)  # a directory where the file should be
    term = Terminal(state=tmp_path)
    term.enter("x = 2")
    lines = term.enter(":grad x")
    shown = "".join(lines)
    assert "agrad: warning: cannot read the history in" in shown
    assert shown.count("agrad: warning: cannot write the history to") == 1  # once, not at every line
    assert lines[-2:] == ["> :grad x                 None", ">"]
    assert term.end() == 0


def test_plot_draws_what_agrad_plot_draws_for_the_names_program():
    """:plot y x A:B is `agrad plot` of the statements that computed y, x swept and the other
    leaves at their values now (w = 2), in the session's width (COLUMNS) and a pipe's 24 lines."""
    lines = ["x = 0.5", "w = 2", "a = x * w", "y = sin(a) * x", ":plot y x 0:6:61", ":plot y q 0:1",
             ":plot y x 1:0", ":no_grad w", ":plot y w 0:1", ":plot y"]
    env = {**os.environ, "COLUMNS": "70"}
    r = agrad("repl", stdin="\n".join(lines) + "\n", env=env)
    shown = r.stdout.split("> ")
    drawing = shown[5].split("\n", 1)[1]
    want = agrad("plot", "a = x * w; sin(a) * x", "--x", "0:6:61", "--w", "2", "--width", "70",
                 "--height", "22", env=env).stdout  # size_for(70, 24): 22 lines
    assert drawing == want and "df/dx" in drawing and "(w = 2.0)" in drawing
    assert max(len(line) for line in drawing.splitlines()) <= 70
    assert shown[6].splitlines()[1] == "agrad: usage error: :plot y q: 'q' is not a leaf of y's graph (its leaves: x, w)"
    assert "the end (0.0) must be greater than the start (1.0)" in shown[7]
    assert "w requires no grad, so dy/dw is None" in shown[9]
    assert ":plot takes a name, the variable to sweep and its range" in shown[10]
    assert r.returncode == 1
