"""What reaches a terminal never obeys the user's text: error lines and their source excerpt,
the progress bar's stream and `agrad graph`'s text show control characters as escapes
(render/visible.py), with the caret still under the character it points at; long names in
messages are cut as excerpts are; JSON keeps the exact text. Run in a real pseudo-terminal at
several widths."""

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import termios
import time

import pytest
from conftest import agrad_command

OSC52 = "\x1b]52;c;SGVsbG8=\x07"  # writes "Hello" to the clipboard


def in_pty(args: list[str], columns: int, input: bytes | None = None, timeout: float = 60) -> bytes:
    """Everything `agrad ARGS` writes to a terminal `columns` wide (stdout and stderr both)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    p = subprocess.Popen(agrad_command() + args, stdin=subprocess.PIPE if input is not None else slave,
                         stdout=slave, stderr=slave, env=env)
    os.close(slave)
    if input is not None:
        p.stdin.write(input)
        p.stdin.close()
    out, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        if select.select([master], [], [], 1)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other side closed: the process is done
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    p.wait(10)
    os.close(master)
    return out.replace(b"\r\n", b"\n")


def caret_under(text: str, marker: str) -> None:
    """The caret line's first ^ is under `marker` in the line above it."""
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.lstrip().startswith("^"))
    assert lines[k].index("^") == lines[k - 1].index(marker), text


@pytest.mark.parametrize("columns", [40, 60, 100])
def test_an_escape_in_the_source_excerpt_is_shown_not_obeyed(columns):
    out = in_pty(["eval", f"x + {OSC52}", "--x", "1"], columns)
    assert b"\x1b" not in out and b"\x07" not in out
    text = out.decode()
    assert text.startswith("agrad: syntax error: unexpected character U+001B\n")
    assert "x + \\x1b]52;c;SGVsbG8=\\x07" in text
    caret_under(text, "\\x1b")


@pytest.mark.parametrize("columns", [40, 100])
def test_the_caret_stays_under_its_character_after_escapes(columns):
    # a tab before the bad character is shown as four characters, and the caret moves with it;
    # the bad character (ESC) is shown as four and the caret covers all four
    out = in_pty(["eval", "\tx\x1b[2J + y +* 2", "--x", "1", "--y", "2"], columns).decode()
    assert "\x1b[2J" not in out
    lines = out.splitlines()
    assert lines[1] == "\\x09x\\x1b[2J + y +* 2"
    assert lines[2] == " " * 5 + "^^^^"
    out = in_pty(["eval", "\tx + y +* 2", "--x", "1", "--y", "2"], columns).decode().splitlines()
    assert out[1:] == ["\\x09x + y +* 2", " " * out[1].index("* 2") + "^"]


@pytest.mark.parametrize("columns", [40, 100])
def test_an_escape_in_a_name_in_the_message_is_shown_not_obeyed(columns):
    out = in_pty(["eval", "x", "--var", "a\x1b]0;PWNED\x07=1", "--x", "1"], columns)
    assert b"\x1b" not in out and b"\x07" not in out
    assert b"'a\\x1b]0;PWNED\\x07' is not a valid variable name" in out


def test_click_usage_errors_quote_the_users_text_safely():
    out = in_pty(["eval", "x", "--format", "\x1b[2J"], 60)
    assert b"\x1b" not in out and b"'\\x1b[2J' is not one of" in out


def test_a_batch_error_under_the_progress_bar_is_shown_not_obeyed():
    jobs = b"x^2\n" * 200 + f"x + {OSC52}\n".encode() + b"x^3\n" * 200
    out = in_pty(["eval", "-", "--x", "2", "-F", "plain", "--progress"], 80, input=jobs)
    assert b"\x1b]52" not in out and b"\x07" not in out  # the bar draws with escapes; the user's never reach it
    assert b"agrad: line 201: syntax error: unexpected character U+001B" in out
    assert b"x + \\x1b]52;c;SGVsbG8=\\x07" in out


def test_graph_text_on_a_terminal_shows_escapes_and_in_a_file_is_exact(tmp_path):
    source = "x*2 # \x1b]0;PWNED\x07"
    out = in_pty(["graph", source, "--x", "1", "--format", "mermaid"], 100)
    assert b"\x1b" not in out and b"\x07" not in out
    assert b"\\x1b]0;PWNED\\x07" not in out or b"flowchart LR" in out
    out = in_pty(["graph", source, "--x", "1"], 100)
    assert b"\x1b" not in out and b"label=\"x*2 # \\x1b]0;PWNED\\x07" in out
    subprocess.run(agrad_command() + ["graph", source, "--x", "1", "-o", str(tmp_path / "g.dot")], check=True)
    assert "x*2 # \x1b]0;PWNED\x07" in (tmp_path / "g.dot").read_text()  # a file keeps the exact text


def test_json_error_records_keep_the_exact_text(run_agrad):
    r = run_agrad("eval", "-", input='{"expr": "x", "vars": {"a\\u001b[2J": 1, "x": 1}}\n')
    record = json.loads(r.stdout)
    assert "'a\x1b[2J' is not a valid variable name" in record["error"]["message"]


def test_a_long_name_is_cut_in_the_message_as_excerpts_are(run_agrad, tmp_path):
    name = "a" * (1024 * 1024 - 10)
    (tmp_path / "p.txt").write_text(name)
    r = run_agrad("eval", "-f", str(tmp_path / "p.txt"))
    assert r.returncode == 2
    lines = r.stderr.decode().splitlines()
    cut = "a" * 60 + "..."
    assert lines == [f"agrad: unbound error: variable '{cut}' has no value: add --{cut} VALUE", cut, "^" * 60]
    r = run_agrad("eval", "-", input=name + "\n")
    assert json.loads(r.stdout)["error"]["message"] == f"variable '{cut}' has no value: add --{cut} VALUE"
