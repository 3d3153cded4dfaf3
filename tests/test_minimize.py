"""agrad minimize: torch.optim's trajectories bit for bit (recorded by
tests/torch_reference/generate_optim.py; live where torch is installed), the command's output
in a real pseudo-terminal and as JSON, its stopping rules and its errors."""

from __future__ import annotations

import json
import math
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from agrad.evaluation import minimize, optimizers
from test_graph_page import browser  # noqa: F401  (the headless Chromium fixture)

HERE = Path(__file__).resolve().parent
RECORD = json.loads((HERE / "torch_reference" / "optim_cases.json").read_text())
CASES = RECORD["cases"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _settings(case):
    return optimizers.settings(case["optimizer"], {k: tuple(v) if k == "betas" else v
                                                   for k, v in case["options"].items()})


def _trajectory(case, sqrt=math.sqrt):
    steps = list(minimize.descend(case["source"], case["start"], case["optimizer"], _settings(case),
                                  RECORD["steps"], 0.0, sqrt=sqrt))
    return [s.loss for s in steps[:-1]], [minimize.parameters(s.values)[2] for s in steps[1:]]


def test_the_record_covers_every_optimizer_and_option_and_rosenbrock():
    assert RECORD["steps"] == 100 and len(CASES) >= 70
    assert {c["optimizer"] for c in CASES} == set(optimizers.DEFAULTS)
    used = {(c["optimizer"], k) for c in CASES for k in c["options"]}
    for name, defaults in optimizers.DEFAULTS.items():
        assert {(name, k) for k in defaults} <= used, name
    assert {c["optimizer"] for c in CASES if c["function"] == "rosenbrock"} == set(optimizers.DEFAULTS)
    assert {c["optimizer"] for c in CASES if c["function"] == "vector"} == set(optimizers.DEFAULTS)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['function']}-{c['optimizer']}-{i}" for i, c in enumerate(CASES)])
def test_trajectory_is_torch_optims_bit_for_bit(case):
    """Every loss and every parameter after every step, == (not approx), with torch's sqrt
    values where torch's float64 sqrt rounds otherwise (the only kernel not reproduced)."""
    fixes = {float(k): v for k, v in case["sqrt_fixes"].items()}
    losses, points = _trajectory(case, sqrt=lambda x: fixes.get(x, math.sqrt(x)))
    assert points == case["points"]
    if case["function"] in ARITHMETIC:
        assert losses == case["losses"]
    else:  # the loss is agrad eval's value: its sin, cos, exp, log are torch's within an ulp of a term
        assert all(abs(a - b) <= 1e-15 * max(1.0, abs(b)) for a, b in zip(losses, case["losses"]))


ARITHMETIC = ("rosenbrock", "bowl")  # + - * ^ only: agrad's forward values are torch's bit for bit
# (the vector loss is a sum of 10 elements, whose order torch's kernel chooses: its value may differ
# in the last bits; its gradients are elementwise, so the trajectory is torch's)


def test_sgd_needs_no_sqrt_and_is_bit_for_bit_with_agrads_own_kernels():
    sgd = [c for c in CASES if c["optimizer"] == "sgd"]
    assert sgd and all(not c["sqrt_fixes"] for c in sgd)
    for case in sgd:
        losses, points = _trajectory(case)
        assert points == case["points"]
        assert case["function"] not in ARITHMETIC or losses == case["losses"]


def test_with_agrads_own_sqrt_the_others_are_bit_for_bit_until_a_sqrt_rounds_otherwise():
    """agrad's sqrt is correctly rounded; where torch's is too, the trajectory is torch's."""
    for case in CASES:
        losses, points = _trajectory(case)
        if not case["sqrt_fixes"]:
            assert points == case["points"]
        else:  # the last bits may differ once, and the paths stay close
            assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                       for p, q in zip(points, case["points"]) for a, b in zip(p, q))


def test_live_against_torch():
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(HERE / "torch_reference"))
    try:
        import generate_optim as gen
    finally:
        sys.path.pop(0)
    functions = {name: (function, start) for name, _, function, start in gen.FUNCTIONS}
    for case in CASES[::7]:
        function, start = functions[case["function"]]
        live = gen.run_torch(torch, case["optimizer"], case["options"], function, start)
        assert live == {"losses": case["losses"], "points": case["points"]}
        _, points = _trajectory(case, sqrt=lambda x: torch.tensor(x, dtype=torch.float64).sqrt().item())
        assert points == live["points"]


def test_sgd_by_hand():
    """(x-3)^2 at x=0, lr 0.25: the gradient is 2(x-3), so x halves its distance to 3 each step."""
    steps = list(minimize.descend("(x-3)^2", {"x": 0.0}, "sgd", optimizers.settings("sgd", {"lr": 0.25}), 3, 0.0))
    assert [s.values["x"] for s in steps] == [0.0, 1.5, 2.25, 2.625]
    assert [s.grads["x"] for s in steps] == [-6.0, -3.0, -1.5, -0.75]
    assert [s.loss for s in steps] == [9.0, 2.25, 0.5625, 0.140625]
    assert steps[-1].stop == minimize.STOP_STEPS


def test_stopping_rules():
    sgd = optimizers.settings("sgd", {"lr": 0.5})
    # lr 0.5 on x^2 lands on 0 at once: the gradient's norm there is 0
    steps = list(minimize.descend("x^2", {"x": 4.0}, "sgd", sgd, 100, 1e-10))
    assert [(s.step, s.values["x"], s.stop) for s in steps] == [(0, 4.0, None), (1, 0.0, minimize.STOP_GRADIENT)]
    # a constant loss: no gradient at all (None), a norm of 0, stopped at the start
    steps = list(minimize.descend("x*0 + 1", {"x": 4.0}, "sgd", sgd, 100, 1e-10))
    assert len(steps) == 1 and steps[0].stop == minimize.STOP_GRADIENT
    # the loss change: lr 0.1 on x^2 (x -> 0.8x) changes the loss by less than 1e-3 after some steps
    steps = list(minimize.descend("x^2", {"x": 1.0}, "sgd", optimizers.settings("sgd", {"lr": 0.1}), 1000, 1e-3))
    last = steps[-1]
    assert last.stop == minimize.STOP_LOSS and abs(last.loss - steps[-2].loss) < 1e-3 <= abs(steps[-2].loss - steps[-3].loss)
    # tol 0: only --steps stops it
    steps = list(minimize.descend("x^2", {"x": 4.0}, "sgd", sgd, 5, 0.0))
    assert len(steps) == 6 and steps[-1].stop == minimize.STOP_STEPS


def test_an_unused_variable_is_skipped_as_torch_skips_a_parameter_without_grad():
    steps = list(minimize.descend("x^2", {"x": 1.0, "w": 5.0}, "adam", optimizers.settings("adam", {"lr": 0.1}), 3, 0))
    assert all(s.values["w"] == 5.0 and s.grads["w"] is None for s in steps)


def test_the_loss_leaving_the_float_range_stops_with_the_last_finite_point():
    settings = optimizers.settings("sgd", {"lr": 1.0, "maximize": True})
    seen = []
    with pytest.raises(minimize.NotFinite) as info:
        for s in minimize.descend("exp(x)", {"x": 1.0}, "sgd", settings, 100, 0):
            seen.append(s)
    assert info.value.last is seen[-1] and math.isfinite(seen[-1].loss)
    assert "the last finite point is step" in info.value.message


# -- the command ---------------------------------------------------------------------------------

BOWL = ["minimize", "(x - 3)^2 + 2*(y + 1)^2", "--x", "0", "--y", "0"]


def test_json_records_are_the_descents_and_replace_the_readmes_bash_loop(cli):
    """The README's bash loop took 8 steps of (x - 3)^2 + 2(y + 1)^2 with a step of 0.25 for x and
    0.125 for y; SGD's one lr of 0.125 on 2(x - 3)^2 + 2(y + 1)^2... the same updates on
    (x - 3)^2 + 2*(y + 1)^2 with lr 0.25 for x: here, lr 0.1, every record checked by hand."""
    r = cli(*BOWL, "--lr", "0.1", "--steps", "3", "--every", "1", "--format", "json")
    assert r.exit_code == 0, r.stderr
    records = [json.loads(line) for line in r.stdout.splitlines()]
    x = y = 0.0
    for k, record in enumerate(records[:-1]):
        gx, gy = 2 * (x - 3), 4 * (y + 1)
        assert record == {"step": k, "loss": (x - 3) ** 2 + 2 * (y + 1) ** 2, "values": {"x": x, "y": y},
                          "grads": {"x": gx, "y": gy}}
        x, y = optimizers.fma(-0.1, gx, x), optimizers.fma(-0.1, gy, y)
    final = records[-1]
    assert final["final"] is True and final["stop"] == "steps" and final["step"] == 3
    assert final["values"] == records[-2]["values"] and final["optimizer"] == "sgd"
    assert final["settings"]["lr"] == 0.1


def test_every_k_prints_the_first_every_kth_and_the_last(cli):
    r = cli(*BOWL, "--lr", "0.01", "--steps", "25", "--every", "10", "--tol", "0", "--format", "json")
    assert [json.loads(line).get("step") for line in r.stdout.splitlines()] == [0, 10, 20, 25, 25]


def test_text_output_says_why_it_stopped(cli):
    r = cli("minimize", "x^2", "--x", "4", "--lr", "0.5")
    assert r.exit_code == 0
    assert r.stdout.splitlines() == [
        "sgd  lr 0.5  momentum 0.0  dampening 0.0  weight_decay 0.0  nesterov off  maximize off",
        "step 0  loss 16.0  x 4.0  d/dx 8.0",
        "step 1  loss 0.0  x 0.0  d/dx 0.0",
        "stopped at step 1: the gradient's norm 0.0 is below --tol 1e-10",
        "final: loss 0.0  x 0.0"]


def test_not_finite_is_exit_1_with_the_last_finite_point(cli):
    r = cli("minimize", "exp(x)", "--x", "1", "--lr", "1", "--maximize", "--every", "1")
    assert r.exit_code == 1
    assert r.stdout.splitlines()[-1].startswith("last finite point: step ")
    assert r.stderr.startswith("agrad: compute error: the loss is inf at step ")
    r = cli("minimize", "exp(x)", "--x", "1", "--lr", "1", "--maximize", "-F", "json")
    assert r.exit_code == 1 and json.loads(r.stdout.splitlines()[-1])["stop"] == "not finite"


@pytest.mark.parametrize("args, words", [
    (["-O", "lbfgs"], "lbfgs"),
    (["--betas", "0.9"], "--betas 0.9: give two numbers"),
    (["--betas", "0.9,x", "-O", "adam"], "--betas 0.9,x: give two numbers"),
    (["--lr", "-1"], "Invalid learning rate: -1.0"),
    (["-O", "adam", "--betas", "0.9,1.5"], "Invalid beta parameter at index 1: 1.5"),
    (["--momentum", "0.9", "-O", "adam"], "--momentum is not an option of adam; it belongs to sgd, rmsprop"),
    (["--nesterov"], "Nesterov momentum requires a momentum and zero dampening"),
    (["--alpha", "0.5"], "--alpha is not an option of sgd"),
    (["--steps", "20000000"], "--steps 20000000: give 0 to 10,000,000 steps"),
    (["-o", "page.png"], "name the file .html"),
    (["--tol", "nan"], "--tol nan: give a number, 0 or more"),
    (["--lr", "nan"], "--lr is nan: give a number"),
])
def test_errors_are_one_clear_line_exit_2(cli, args, words):
    r = cli("minimize", "x^2", "--x", "1", *args) if "--x" not in args else cli("minimize", "x^2", *args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert words in r.stderr and "Traceback" not in r.stderr and r.stdout == ""


def test_a_vector_variable_is_a_1d_parameter_and_a_vector_loss_is_refused(cli):
    r = cli("minimize", "sum((v - [1, 2, 3])^2)", "--v", "0,0,0", "--lr", "0.25", "--steps", "2", "--every", "1",
            "-F", "json")
    assert r.exit_code == 0, r.stderr
    records = [json.loads(line) for line in r.stdout.splitlines()]
    # the gradient 2(v - t); lr 0.25 halves the distance to [1, 2, 3] each step
    assert [rec["values"]["v"] for rec in records[:-1]] == [[0.0, 0.0, 0.0], [0.5, 1.0, 1.5], [0.75, 1.5, 2.25]]
    assert records[0]["grads"]["v"] == [-2.0, -4.0, -6.0]
    r = cli("minimize", "x^2", "--x", "1,2")
    assert r.exit_code == 1 and "the loss must be a scalar; reduce the vector, e.g. sum(...)" in r.stderr
    assert "^^^" in r.stderr and "--gradient" not in r.stderr


def test_an_unbound_variable_and_a_syntax_error_point_at_the_source(cli):
    r = cli("minimize", "x^2 + w", "--x", "1")
    assert r.exit_code == 2 and "w" in r.stderr and "^" in r.stderr
    r = cli("minimize", "x +* 2", "--x", "1")
    assert r.exit_code == 2 and "syntax error" in r.stderr


# -- on a terminal -------------------------------------------------------------------------------

def _screen(columns: int, *args: str) -> str:
    pid, fd = pty.fork()
    if pid == 0:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
        env.update(COLUMNS=str(columns), TERM="xterm")
        os.execve(sys.executable, [sys.executable, "-m", "agrad", *args], env)
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 120)
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
    assert os.waitstatus_to_exitcode(status) == 0
    return out.decode().replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [40, 60, 100])
def test_on_a_terminal_every_line_fits_and_the_numbers_are_the_json_ones(columns):
    args = ["minimize", "(1-x)^2 + 100*(y-x^2)^2", "--x", "-1.5", "--y", "2", "-O", "adam", "--lr", "0.01",
            "--steps", "3000", "--every", "1000", "--plot"]
    raw = _screen(columns, *args)
    text = ANSI.sub("", raw)
    # what the terminal shows: a carriage return (the progress bar redrawn) starts the line again
    text = "\n".join(line.split("\r")[-1] for line in text.split("\n"))
    assert "step 1,000 of 3,000" in raw or "of 3,000" in raw  # the bar was drawn on stderr
    lines = [line for line in text.split("\n") if line.strip()]
    for line in lines:
        assert len(line) <= columns, (columns, line)
    assert "Traceback" not in text
    records = [json.loads(line) for line in subprocess.run(
        [sys.executable, "-m", "agrad", *args[:-1], "-F", "json"], capture_output=True, text=True,
        check=True).stdout.splitlines()]
    joined = " ".join(text.split())  # the lines as words, wherever they were wrapped
    for record in records[:-1]:
        assert f"step {record['step']}" in joined
        x = record["values"]["x"]
        assert f"x {x:.6g}" in joined or f"x {x!r}" in joined
    assert "stopped at step 3000: ran the --steps 3000 steps" in joined
    assert "loss by step" in text  # the plot


def test_pipe_has_no_bar_and_no_colour(run_agrad):
    r = run_agrad(*BOWL, "--steps", "3000", "--plot")
    assert r.returncode == 0 and r.stderr == b"" and b"\x1b" not in r.stdout


# -- the page ------------------------------------------------------------------------------------

def test_the_page_draws_the_path_on_the_contour_in_a_browser(cli, tmp_path):
    target = tmp_path / "descent.html"
    r = cli("minimize", "(1-x)^2 + 100*(y-x^2)^2", "--x", "-1.5", "--y", "2", "-O", "adam", "--lr", "0.01",
            "--steps", "500", "-o", str(target))
    assert r.exit_code == 0, r.stderr
    text = target.read_text()
    assert "default-src 'none'" in text and "http" not in text.split("<body>")[1]
    records = json.loads(text.split('<script id="descent" type="application/json">')[1].split("</script>")[0])
    assert len(records["steps"]) == 501 and records["names"] == ["x", "y"]


def test_the_page_in_chromium(tmp_path, cli, browser):
    target = tmp_path / "descent.html"
    r = cli("minimize", "(1-x)^2 + 100*(y-x^2)^2", "--x", "-1.5", "--y", "2", "-O", "adam", "--lr", "0.01",
            "--steps", "500", "-o", str(target))
    assert r.exit_code == 0, r.stderr
    browser.get(target.as_uri())
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "return document.body.getAttribute('data-ready') === 'true'"))
    shown = browser.execute_script("""return {cells: document.querySelectorAll('#cells rect').length,
        path: document.getElementById('path').getAttribute('points').trim().split(' ').length,
        curve: document.getElementById('losses').getAttribute('points').trim().split(' ').length,
        box: document.getElementById('contour').getBoundingClientRect().width}""")
    assert shown == {"cells": 81 * 81, "path": 501, "curve": 501, "box": shown["box"]} and shown["box"] > 300
    final = json.loads(cli("minimize", "(1-x)^2 + 100*(y-x^2)^2", "--x", "-1.5", "--y", "2", "-O", "adam", "--lr",
                           "0.01", "--steps", "500", "-F", "json").stdout.splitlines()[-1])
    assert browser.find_element("id", "final").text == \
        f"step 500: loss {final['loss']!r} at x = {final['values']['x']!r}, y = {final['values']['y']!r}"
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    one = tmp_path / "one.html"
    assert cli("minimize", "x^2", "--x", "1", "--lr", "0.1", "--steps", "20", "-o", str(one)).exit_code == 0
    browser.get(one.as_uri())
    assert browser.execute_script("return document.getElementById('contour')") is None
    assert browser.execute_script("return document.getElementById('losses') !== null")


@pytest.mark.parametrize("source", ["(1-x)^2 + 100*(y-x^2)^2", "max(x, y) + sin(x)*exp(y)", "sum([x, y]^2) + x*y"])
def test_the_pages_grid_is_agrad_evals_value_at_every_point(source):
    """The contour's 81 x 81 losses (one vectorized block where the program is elementwise, point
    by point where it is not, as the vector literal is) equal agrad eval at each point."""
    import agrad
    from agrad.batch.descent import GRID, landscape

    xs, ys, rows = landscape(source, ["x", "y"], [(0, 0.0, [1.0, 2.0]), (1, 0.0, [-0.5, 1.0])])
    assert len(xs) == len(ys) == len(rows) == GRID and xs[0] < -0.5 and xs[-1] > 1.0 and ys[0] < 1.0 < 2.0 < ys[-1]
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            assert rows[j][i] == agrad.evaluate(source, x=x, y=y).value
