"""`agrad functions` prints its table's text as it is (no Rich markup) and offers exactly the
formats it takes; the progress bar's words read as a sentence."""

import json

from agrad.batch.progress import Progress


def test_functions_keeps_brackets_that_rich_markup_would_eat(run_agrad):
    import os

    r = run_agrad("functions", env={**os.environ, "COLUMNS": "250", "NO_COLOR": "1"})
    out = r.stdout.decode()
    assert r.returncode == 0
    assert "v[i] (i a whole number)" in out and "d/dv (v[i]) = 1 at the index, 0 elsewhere" in out
    assert "a vector literal [a, b, ...] is torch.stack" in out
    names = [json.loads(line)["name"] for line in run_agrad("functions", "-F", "json").stdout.splitlines()]
    assert "v[i] (i a whole number)" in names


def test_functions_help_offers_exactly_what_it_takes(run_agrad):
    help_text = run_agrad("functions", "--help").stdout.decode()
    assert "<pretty|json>" in help_text and "plain" not in help_text and "csv" not in help_text
    for fmt in ("plain", "csv"):
        r = run_agrad("functions", "--format", fmt)
        assert r.returncode == 2 and f"'{fmt}' is not one of 'pretty', 'json'" in r.stderr.decode()


class _Output:
    tty = False
    live = None

    def flush(self):
        pass


def test_the_progress_bar_reads_elapsed_then_about_how_long_is_left():
    p = Progress("off", _Output(), total=400, unit="lines")
    p.lines = p.done = 100
    assert p.words(3.0) == "100 lines  33 lines/s  elapsed 0:00:03, about 0:00:09 left"
    p.lines = p.done = 400
    assert p.words(3725.0) == "400 lines  0 lines/s  elapsed 1:02:05"  # done: nothing left to say
    unknown = Progress("off", _Output(), total=None)
    unknown.lines = unknown.done = 2500
    assert unknown.words(2.0) == "2,500 lines  1,250 lines/s  elapsed 0:00:02"


def test_the_progress_bar_on_a_terminal_says_elapsed_not_left_then_a_time():
    from test_terminal_safety import in_pty

    out = in_pty(["eval", "x^2", "x^3", "sin(x)", "--x", "2", "-F", "plain", "--progress"], 80)
    assert b"3 lines" in out and b"elapsed 0:00:0" in out
    assert b"left 0:" not in out  # the old bar's "0:00:00 left 0:00:03"
