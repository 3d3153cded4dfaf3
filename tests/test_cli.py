"""The command line through CliRunner, and once as a real subprocess of the installed agrad."""

import json
import subprocess
import sys

import pytest


def test_json_output(cli):
    r = cli("eval", "(x+w)*2", "--x", "3", "--w", "1", "--format", "json")
    assert r.exit_code == 0 and r.stderr == ""
    assert json.loads(r.stdout) == {"expr": "(x+w)*2", "value": 8.0, "grad_fn": "MulBackward0",
                                    "grads": {"x": 2.0, "w": 2.0}}


def test_pretty_output_shows_tree_and_leaf_table(cli):
    r = cli("eval", "(x+w)*2", "--x", "3", "--w", "1")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    # each node: its grad_fn or name, its sub-expression, its value, the gradient (grad in for an op)
    assert lines[:6] == ["(x+w)*2 = 8.0",
                         "MulBackward0  (x + w) * 2 = 8.0  grad in 1.0",
                         "├── AddBackward0  x + w = 4.0  grad in 2.0",
                         "│   ├── x = 3.0  grad 2.0",
                         "│   └── w = 1.0  grad 2.0",
                         "└── 2  (constant)"]
    table = [line.split() for line in lines if line.strip().startswith(("x ", "w "))]
    assert ["x", "3.0", "2.0"] in table and ["w", "1.0", "2.0"] in table
    assert "\x1b[" not in r.stdout  # no colour codes outside a terminal


def test_shared_nodes_are_drawn_once(cli):
    r = cli("eval", "a = x*w; a*a + x", "--x", "2", "--w", "3")
    assert r.stdout.count("MulBackward0 #1  a = x * w = 6.0  grad in 12.0") == 1
    assert r.stdout.count("a = x * w #1  (drawn above)") == 1
    assert r.stdout.count("└── x  (drawn above)") == 1


def test_plain_output_and_single_gradient(cli):
    r = cli("eval", "x*w + sin(z)", "--z", "0", "--x", "3", "--w", "2", "-F", "plain")
    assert r.stdout == "6.0\t2.0\t3.0\t1.0\n"  # value, then x, w, z in order of appearance
    assert cli("eval", "x^2", "--x", "3", "--grad", "x").stdout == "6.0\n"


@pytest.mark.parametrize("args", [
    ["x^2", "--x", "-3"], ["x^2", "--x=-3"], ["x^2", "--var", "x=-3"], ["--x", "-3.0e0", "x^2"],
    ["--x", "-3", "--", "x^2"],
])
def test_binding_forms(cli, args):
    r = cli("eval", "--format", "json", *args)
    assert json.loads(r.stdout)["grads"] == {"x": -6.0}


def test_special_values_and_non_finite_json(cli):
    r = cli("eval", "x*w", "--x", "inf", "--w", "-inf", "-F", "json")
    assert json.loads(r.stdout) == {"expr": "x*w", "value": "-inf", "grad_fn": "MulBackward0",
                                    "grads": {"x": "-inf", "w": "inf"}}
    r = cli("eval", "x + 1", "--x", "nan", "-F", "plain")
    assert r.stdout == "nan\t1.0\n" and r.exit_code == 0


def test_expression_starting_with_minus_and_var_named_like_an_option(cli):
    assert cli("eval", "-x^2", "--x", "3", "-F", "plain").stdout == "-9.0\t-6.0\n"
    r = cli("eval", "format * 2", "--var", "format=4", "-F", "plain")
    assert r.stdout == "8.0\t2.0\n"


def test_unused_binding_is_not_an_error(cli):
    r = cli("eval", "x*2", "--x", "1", "--w", "5", "-F", "json")
    assert json.loads(r.stdout)["grads"] == {"x": 2.0, "w": None}


def test_constants_only_prints_value_and_why_no_gradients(cli):
    r = cli("eval", "2*pi")
    assert r.exit_code == 0 and "2*pi = 6.28319" in r.stdout and "No gradients" in r.stdout
    assert "2*pi = 6.283185307179586" in cli("eval", "2*pi", "--digits", "17").stdout
    rec = json.loads(cli("eval", "2*3", "-F", "json").stdout)
    assert rec["value"] == 6.0 and rec["grad_fn"] is None and rec["grads"] == {}
    assert rec["notes"][0].startswith("No gradients: nothing in the output requires grad (it is built from constants only)")


def test_markup_in_user_text_is_printed_literally(cli):
    r = cli("eval", "x # [bold red]not markup[/]", "--x", "1")
    assert "[bold red]not markup[/]" in r.stdout


def test_functions_lists_the_op_table(cli):
    r = cli("functions", "--format", "json")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    sin = next(row for row in rows if row["name"] == "sin(x)")
    assert sin["derivatives"] == "d/dx sin(x) = cos(x)" and sin["grad_fn"] == "SinBackward0"
    pretty = cli("functions").stdout
    assert "ReluBackward0" in pretty and "relu'(0) = 0" in pretty


def test_version(cli):
    from agrad import __version__

    assert cli("--version").stdout == f"agrad {__version__}\n"


def test_installed_command_runs_from_another_directory(tmp_path, agrad_exe):
    out = subprocess.run(agrad_exe + ["eval", "(x+w)*2", "--x", "3", "--w", "1", "--format", "json"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["grads"] == {"x": 2.0, "w": 2.0}
    bad = subprocess.run(agrad_exe + ["eval", "x +* 2", "--x", "1"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()[1:] == ["x +* 2", "   ^"]
    module = subprocess.run([sys.executable, "-m", "agrad", "eval", "x", "--x", "1", "-F", "plain"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert module.stdout == "1.0\t1.0\n"


@pytest.mark.parametrize("fmt, loaded", [("json", []), ("plain", []), ("pretty", [])])
def test_one_shot_imports_only_what_its_output_needs(fmt, loaded):
    # A one-shot run's time is mostly its imports (bench/perf.py): Rich only for pretty output,
    # numpy and orjson only for vectors, Lark never (the LALR table is shipped). The command's
    # launcher turns the garbage collector off for the imports only: it is back on at the end.
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print(sorted(m for m in ('lark', 'numpy', 'orjson', 'rich') if m in sys.modules),"
            " gc.isenabled(), file=sys.stderr))\n"
            f"sys.argv = ['agrad', 'eval', '(x+w)*2', '--x', '3', '--w', '1', '--format', {fmt!r}]\n"
            "from agrad.__main__ import run\n"
            "run()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert out.stderr == f"{loaded} True\n"
    assert out.stdout.split()[:3] == {"json": ['{"expr":', '"(x+w)*2",', '"value":'], "plain": ["8.0", "2.0", "2.0"],
                                      "pretty": ["(x+w)*2", "=", "8.0"]}[fmt]
