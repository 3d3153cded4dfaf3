"""`agrad plot`: the points against `agrad eval` at each point and against derivatives worked
by hand, the range's errors, the drawing on a real pseudo-terminal at several widths, the
images (matplotlib) and the page in headless Chromium."""

from __future__ import annotations

import csv
import fcntl
import json
import math
import os
import pty
import re
import select
import struct
import sys
import termios
import xml.etree.ElementTree as ET

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().split("\n")]


def eval_csv(cli, expr: str, x: str, *more: str) -> list[str]:
    r = cli("eval", expr, "--x", x, *more, "--format", "csv")
    assert r.exit_code == 0, r.stderr
    return next(csv.reader([r.stdout.strip().split("\n")[1]]))


# -- the numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("expr, more", [
    ("sin(x)*w + x^2", ["--w", "0.5"]),  # elementwise: the vectorized block
    ("sum([x, x^2, w]) * x", ["--w", "3"]),  # a vector inside: one evaluation a point
    ("log(x) + sqrt(x)", []),  # nan and -inf at and below 0, inf in the gradient
    ("detach(x) * w + w", ["--w", "2"]),  # x used but cut from the graph: no gradient, as eval
])
def test_each_csv_number_is_the_text_agrad_eval_prints_there(cli, expr, more):
    r = cli("plot", expr, "--x", "-1:2:31", *more, "--format", "csv")
    assert r.exit_code == 0, r.stderr
    table = rows(r.stdout)
    assert table[0] == ["x", "f", "df/dx"]
    assert len(table) == 32
    for row in [table[i] for i in (1, 2, 11, 12, 17, 31)]:
        got = eval_csv(cli, expr, row[0], *more)
        # eval's csv: line, expr, value, d/dx, then the other variables' gradients
        assert row[1:] == got[2:4], (row, got)


def test_sin_is_cos_then_minus_sin_by_hand(cli):
    r = cli("plot", "sin(x)", "--x", "-pi:pi:101", "--format", "json", "--order", "3")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["variable"] == "x" and data["order"] == 3 and len(data["points"]) == 101
    first = data["points"][0]
    assert first["x"] == -math.pi and data["points"][-1]["x"] == math.pi
    for p in data["points"]:
        x = p["x"]
        assert p["f"] == math.sin(x)
        assert p["df/dx"] == math.cos(x)
        assert p["d2f/dx2"] == pytest.approx(-math.sin(x), abs=1e-15)
        assert p["d3f/dx3"] == pytest.approx(-math.cos(x), abs=1e-15)


def test_order_2_is_eval_order_2_at_each_point(cli):
    r = cli("plot", "x^3 * exp(-x*w)", "--x", "0:3:7", "--w", "0.7", "--order", "2", "--format", "json")
    points = json.loads(r.stdout)["points"]
    for p in points:
        e = json.loads(cli("eval", "x^3 * exp(-x*w)", "--x", repr(p["x"]), "--w", "0.7", "--order", "2",
                           "--format", "json").stdout)
        assert [p["f"], p["df/dx"], p["d2f/dx2"]] == [e["value"]] + e["derivatives"]["x"]
        # and by hand: f' = (3x^2 - w x^3) e^{-wx}
        x, w = p["x"], 0.7
        assert p["df/dx"] == pytest.approx((3 * x ** 2 - w * x ** 3) * math.exp(-w * x), rel=1e-12, abs=1e-15)


def test_the_tangent_line_is_f_at_x0_plus_the_slope_there(cli):
    r = cli("plot", "x^2 - 3*x", "--x", "-2:4:13", "--tangent", "1.5", "--format", "json")
    data = json.loads(r.stdout)
    e = json.loads(cli("eval", "x^2 - 3*x", "--x", "1.5", "--format", "json").stdout)
    assert data["tangent"] == {"at": 1.5, "f": e["value"], "slope": e["grads"]["x"]}
    assert data["tangent"]["f"] == -2.25 and data["tangent"]["slope"] == 0.0
    for p in data["points"]:
        assert p["tangent"] == -2.25  # the minimum: a flat tangent
    r = cli("plot", "x^2", "--x", "0:4:5", "--tangent", "pi/4", "--format", "csv")
    table = rows(r.stdout)
    assert table[0] == ["x", "f", "df/dx", "tangent"]
    x0 = math.pi / 4
    for row in table[1:]:
        assert float(row[3]) == x0 * x0 + 2 * x0 * (float(row[0]) - x0)


def test_the_default_is_201_points_with_both_ends(cli):
    table = rows(cli("plot", "x", "--x", "0:1", "--format", "csv").stdout)[1:]
    assert len(table) == 201
    assert [table[0][0], table[100][0], table[200][0]] == ["0.0", "0.5", "1.0"]


def test_nan_and_inf_are_written_as_eval_writes_them(cli):
    data = json.loads(cli("plot", "log(x)", "--x", "-1:1:3", "--format", "json").stdout)
    assert [(p["f"], p["df/dx"]) for p in data["points"]] == [("nan", -1.0), ("-inf", "inf"), (0.0, 1.0)]


# -- the errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message, caret", [
    (["x", "--x", "1:0"], "bad range for --x 1:0: the end (0.0) must be greater than the start (1.0)", "1:0\n  ^"),
    (["x", "--x", "0:1:1"], "a range needs at least 2 points (both ends)", "0:1:1\n    ^"),
    (["x", "--x", "0:inf"], "the end is inf; a range has finite bounds", "0:inf\n  ^^^"),
    (["x", "--x", "nan:1"], "the start is nan; a range has finite bounds", "nan:1\n^^^"),
    (["x", "--x", "0:1:ten"], "the number of points, 'ten', is not a whole number", "0:1:ten\n    ^^^"),
    (["x", "--x", "0:pi/y"], "the end: 'y' is not a constant", "0:pi/y\n     ^"),
    (["x", "--x", "0:1:2:3"], "write A:B or A:B:N", "0:1:2:3\n     ^"),
    (["x", "--x", "0:1:2000001"], "2000001 points is more than the 1000000 agrad plot computes", "0:1:2000001\n    ^^^^^^^"),
])
def test_a_bad_range_is_one_line_and_a_caret(cli, args, message, caret):
    r = cli("plot", *args)
    assert r.exit_code == 2
    assert message in r.stderr.split("\n")[0]
    assert r.stderr.rstrip("\n").split("\n")[1:] == caret.split("\n")


@pytest.mark.parametrize("args, message, code", [
    (["x"], "agrad plot sweeps one variable: give it a range, as in --x -3:3", 2),
    (["x*y", "--x", "0:1", "--y", "0:1"], "--x and --y are ranges", 2),
    (["w*2", "--x", "0:1", "--w", "3"], "the expression does not use 'x', the variable --x sweeps (its variables: w)", 2),
    (["x*y", "--x", "0:1"], "variable 'y' has no value: add --y VALUE", 2),
    (["[x, x]", "--x", "0:1"], "the expression's value is a vector: agrad plot draws a scalar f", 2),
    (["x*v", "--x", "0:1", "--v", "1,2"], "--v is a vector: agrad plot draws a scalar f", 2),
    (["x", "--x", "0:1", "-o", "plot.gif"], "agrad plot writes .txt, .csv, .json, .html", 2),
    (["x +* 1", "--x", "0:1"], "syntax error", 2),
    (["x", "--x", "0:1", "--trace"], "No such option: --trace", 2),
])
def test_other_mistakes_are_one_clear_line(cli, args, message, code):
    r = cli("plot", *args)
    assert r.exit_code == code
    assert message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_images_without_matplotlib_say_how_to_install_it(cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    r = cli("plot", "x", "--x", "0:1", "-o", str(tmp_path / "p.png"))
    assert r.exit_code == 2
    assert r.stderr.strip() == ("agrad: usage error: an image (.svg, .png, .pdf) needs matplotlib, which is not "
                                "installed: pip install 'agrad[plot]' (or write a page with -o FILE.html, which "
                                "needs nothing)")
    assert not (tmp_path / "p.png").exists()


# -- the images --------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF-"), (".svg", b"<?xml")])
def test_images_are_written_whole(cli, tmp_path, suffix, magic):
    pytest.importorskip("matplotlib")
    target = tmp_path / f"plot{suffix}"
    r = cli("plot", "sin(x)/x", "--x", "-10:10:400", "--order", "2", "--tangent", "1", "-o", str(target))
    assert r.exit_code == 0, r.stderr
    data = target.read_bytes()
    assert data.startswith(magic) and len(data) > 2000
    if suffix == ".svg":
        root = ET.fromstring(data)
        assert root.tag.endswith("svg")
        texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("title") or t.tag.endswith("text"))
        # matplotlib writes text as paths, with the legend's words in comments: check the curves are drawn
        paths = [e for e in root.iter() if e.tag.endswith("path")]
        assert len(paths) > 20, texts
        for label in ("df/dx", "d2f/dx2", "tangent at x = 1.0"):
            assert label.encode() in data


# -- the drawing on a terminal -------------------------------------------------------------------

def terminal(columns: int, lines: int, *args: str, no_color: bool = False) -> str:
    """agrad plot's output on a pseudo-terminal columns x lines (raw: colour codes kept)."""
    pid, fd = pty.fork()
    if pid == 0:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
        env["TERM"] = "xterm-256color"
        if no_color:
            env["NO_COLOR"] = "1"
        os.execve(sys.executable, [sys.executable, "-m", "agrad", "plot", *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0, out
    return out.decode().replace("\r\n", "\n")


@pytest.mark.parametrize("columns, lines", [(40, 20), (80, 24), (132, 50)])
def test_the_drawing_fits_the_terminal_with_axes_legend_and_colour(columns, lines):
    raw = terminal(columns, lines, "log(x) * w", "--x", "-1:3", "--w", "2", "--order", "2", "--tangent", "1")
    assert "\x1b[38;5;" in raw  # colour on a terminal that has it
    text = ANSI.sub("", raw)
    shown = text.rstrip("\n").split("\n")
    assert all(len(line) <= columns for line in shown), max(map(len, shown))
    assert len(shown) <= lines - 1  # (a line left for the prompt)
    assert "f = log(x) * w  (w = 2.0)"[:columns - 5] in shown[0] or shown[0].strip().endswith("...")
    body = "\n".join(shown)
    for word in ("f", "df/dx", "d2f/dx2", "tangent at x = 1.0"):
        assert re.search(r"(?:^|\s)" + re.escape(word) + r"(?:\s|$)", body), word
    assert "┌" in body and "└" in body and "┤" in body and "┬" in body  # the frame and its ticks
    assert shown[-1].strip() == "x"  # the x axis' label
    tick_row = shown[-2].split()
    assert float(tick_row[0]) == -1.0 and float(tick_row[-1]) == 3.0


def test_no_color_and_a_pipe_get_no_escapes(cli):
    raw = terminal(80, 24, "x^2", "--x", "-2:2", no_color=True)
    assert "\x1b[" not in raw
    piped = cli("plot", "x^2", "--x", "-2:2")  # CliRunner: a pipe, COLUMNS=200
    assert piped.exit_code == 0 and "\x1b[" not in piped.stdout
    assert max(map(len, piped.stdout.split("\n"))) <= 200
    narrow = cli("plot", "x^2", "--x", "-2:2", "--width", "50", "--height", "12")
    assert max(map(len, narrow.stdout.split("\n"))) <= 50 and len(narrow.stdout.rstrip().split("\n")) == 12


def test_the_drawing_function_takes_plain_columns_and_gaps():
    from agrad.render.plot_terminal import draw

    x = [i / 10 for i in range(-10, 11)]
    y = [1 / v if v else math.inf for v in x]
    text = draw(x, [("1/x", y), ("nothing", [math.nan] * len(x)), ("left out", None)], 50, 14)
    lines = text.split("\n")
    assert len(lines) <= 14 and max(map(len, lines)) <= 50
    assert "1/x" in text and "nothing (no finite value)" in text and "left out" not in text


# -- the page, in headless Chromium ---------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    from test_graph_page import browser as graph_browser

    yield from graph_browser.__wrapped__()


def test_the_page_draws_the_curves_and_reads_out_evals_numbers(browser, cli, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    target = tmp_path / "plot.html"
    r = cli("plot", "log(x) * w", "--x", "-1:3:41", "--w", "2", "--order", "2", "--tangent", "1", "-o", str(target))
    assert r.exit_code == 0, r.stderr
    page = target.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)  # nothing loaded from outside
    browser.get_log("browser")
    browser.get(target.as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "return document.body.getAttribute('data-ready') === 'true'"))
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('#plot path.curve')).map(p => p.getAttribute('data-label'))")
    assert labels == ["f", "df/dx", "d2f/dx2", "tangent at x = 1.0"]
    # log(x) is nan below 0 and -inf at 0: the curve of f starts again after the gap
    f_path = browser.execute_script("return document.querySelector('#plot path.curve').getAttribute('d')")
    assert f_path.startswith("M") and "NaN" not in f_path and "Infinity" not in f_path
    legend = browser.execute_script("return Array.from(document.querySelectorAll('#legend span')).map(s => s.textContent)")
    assert legend == labels
    # the readout under the pointer: move over the plot, then compare with agrad eval at that point
    svg = browser.find_element("id", "plot")
    ActionChains(browser).move_to_element_with_offset(svg, svg.size["width"] // 4, 0).perform()
    index = int(browser.execute_script("return document.body.getAttribute('data-index')"))
    readout = browser.find_element("id", "readout").text.split("\n")
    x = readout[0].split(" = ")[1]
    e = json.loads(cli("eval", "log(x) * w", "--x", x, "--w", "2", "--order", "2", "--format", "json").stdout)
    assert readout[1:4] == [f"f = {e['value']}", f"df/dx = {e['derivatives']['x'][0]}",
                            f"d2f/dx2 = {e['derivatives']['x'][1]}"]
    assert 0 < index < 40
    browser.execute_script("agradShow(0)")  # x = -1: log is nan there, and the readout says so
    readout = browser.find_element("id", "readout").text.split("\n")
    assert readout[:3] == ["x = -1.0", "f = nan", "df/dx = -2.0"]
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []


def test_the_readmes_drawing_is_what_agrad_plot_draws_72_columns_wide():
    import shlex
    import subprocess
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n(\$ agrad plot .*?)```", readme, re.S).group(1)
    command, expected = block.split("\n", 1)
    env = {**os.environ, "COLUMNS": "72", "NO_COLOR": "1"}
    r = subprocess.run([sys.executable, "-m", "agrad", *shlex.split(command[2:])[1:]], capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == 0 and r.stdout == expected


def test_agrad_eval_imports_neither_plotext_nor_matplotlib():
    import subprocess

    code = ("import sys; from agrad.cli import main\n"
            "try:\n    main(['eval', 'sin(x)', '--x', '1'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('plotext', 'matplotlib') if m in sys.modules), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stderr.strip().endswith("[]"), r.stderr


def test_an_order_past_the_limit_is_refused_before_any_point(cli):
    r = cli("plot", "x", "--x", "0:1", "--order", "101")
    assert r.exit_code == 2
    assert r.stderr.strip() == "agrad: limit error: --order 101: the highest order agrad computes is 100"


def test_the_tangent_line_does_not_set_the_drawings_range(cli):
    # x^2 over 0:1 with the tangent at 10 (y from -100 down to -80 here): the range stays f's
    text = cli("plot", "x^2", "--x", "0:1", "--tangent", "10", "--width", "60", "--height", "14").stdout
    ticks = [float(line.split("┤")[0]) for line in text.split("\n") if "┤" in line]
    assert min(ticks) >= -0.5 and max(ticks) <= 2.5, ticks


EDGE_COLUMNS = {
    "constant": [3.0] * 41, "zero": [0.0] * 41, "nan": [math.nan] * 41, "one point": [math.nan] * 20 + [1.0] + [math.nan] * 20,
    "tiny": [1e-300 * i for i in range(41)], "huge": [1e300 * (i - 20) for i in range(41)],
    "float64's ends": [1.7e308 if i % 2 else -1.7e308 for i in range(41)],
    "infinities": [math.inf if i % 3 else -math.inf for i in range(41)], "subnormal": [5e-324 * i for i in range(41)],
    "1e15 apart by 1": [1e15 + i for i in range(41)],
}


@pytest.mark.parametrize("first", list(EDGE_COLUMNS))
def test_the_drawing_survives_any_floats_and_fits(first):
    from agrad.render.plot_terminal import draw

    x = [i / 20 for i in range(41)]
    for second, ys in EDGE_COLUMNS.items():
        for width, height, fit in ((30, 8, None), (100, 24, 1)):
            text = draw(x, [(first, EDGE_COLUMNS[first]), (second, ys)], width, height, False, "t", "x", fit)
            lines = text.split("\n")
            assert max(map(len, lines)) <= width and len(lines) <= height, (first, second, width)
