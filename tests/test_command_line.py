"""The command line a person and a script can trust (issue 15): a misspelt option, a short option
or a missing expression is a usage error rather than a silent variable or job; `-h` is help;
unknown functions suggest agrad's name for them; a decimal comma that caused an error is named;
a binding's value may be an expression of numbers and constants (`--x pi/4`)."""

import json
import math
import os
import subprocess
import sys

import pytest

import agrad
from agrad.cli import main


def agrad_main(capsys, *args, stdin=""):
    """main() in this process, as the installed command runs it (argv rewriting and its errors
    included): (exit status, stdout, stderr)."""
    old = sys.stdin
    sys.stdin = __import__("io").StringIO(stdin)
    try:
        with pytest.raises(SystemExit) as exit_:
            main(list(args))
    finally:
        sys.stdin = old
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


# -- 1. an option misspelt is not a variable ------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--backwards", "3", "--format", "plain"],
     "no such option --backwards (did you mean --backward?); to bind a variable of that name, write --var backwards=3"),
    # a name no variable can have (a hyphen): no --var advice
    (["--max-node", "3"], "no such option --max-node (did you mean --max-nodes?)"),
    (["--ordre", "2"], "no such option --ordre (did you mean --order?); to bind a variable of that name, write --var ordre=2"),
    (["--formt", "json"],
     "no such option --formt (did you mean --format?); to bind a variable of that name, write --var formt=json"),
    (["--retain_grad", "a"],
     "no such option --retain_grad (did you mean --retain-grad?); to bind a variable of that name, "
     "write --var retain_grad=a"),
    (["--hesian"], "no such option --hesian (did you mean --hessian?); to bind a variable of that name, "
                   "write --var hesian=VALUE"),
    # a misspelt flag does not take the next option for its value
    (["--hesian", "--format", "plain"], "no such option --hesian (did you mean --hessian?); to bind a variable "
                                        "of that name, write --var hesian=VALUE"),
    (["--Trace=1"], "no such option --Trace (did you mean --trace?); to bind a variable of that name, "
                    "write --var Trace=1"),
    (["--max", "3"], "no such option --max (did you mean --max-backward-steps or --max-check-evaluations or --max-file-bytes or --max-hessian-entries or --max-jacobian-entries or --max-nodes or "
                     "--max-source-bytes?); to bind a "
                     "variable of that name, write --var max=3"),
])
def test_an_option_misspelt_is_a_usage_error(cli, args, message):
    r = cli("eval", "x^2", "--x", "1", *args)
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", f"agrad: usage error: {message}\n")


def test_a_name_the_program_uses_is_a_variable_however_close_to_an_option(cli, tmp_path):
    r = cli("eval", "backwards*2 + ordre", "--backwards", "3", "--ordre", "1", "-F", "json")
    assert json.loads(r.stdout)["grads"] == {"backwards": 2.0, "ordre": 1.0}
    program = tmp_path / "p.txt"
    program.write_text("hesian^2\n", encoding="utf-8")
    assert cli("eval", "-f", str(program), "--hesian", "3", "-F", "plain").stdout == "9.0\t6.0\n"


def test_var_binds_any_name(cli):
    r = cli("eval", "x^2", "--x", "1", "--var", "backwards=3", "--format", "plain")
    assert (r.exit_code, r.stdout) == (0, "1.0\t2.0\n")
    r = cli("eval", "x^2", "--x", "1", "--var", "backwards=3", "-F", "json")
    assert json.loads(r.stdout)["grads"] == {"x": 2.0, "backwards": None}


def test_an_unused_name_far_from_every_option_is_still_an_unused_binding(cli):
    # torch leaves an unused leaf's .grad None; agrad shows it, and batches share such bindings
    r = cli("eval", "x^2", "--x", "1", "--foo", "3", "--v", "2", "--rate", "0.1", "-F", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["grads"] == {"x": 2.0, "foo": None, "v": None, "rate": None}
    r = cli("eval", "-", "--x", "1", "--w", "2", "-F", "plain", input="x\nw*x\n")
    assert (r.exit_code, r.stdout) == (0, "1.0\t1.0\n2.0\t1.0\t2.0\n")  # w*x: d/dw = x, d/dx = w


def test_batches_check_every_job_they_can_see(cli, tmp_path):
    # EXPR arguments: a name that one job uses is a variable
    r = cli("eval", "x", "ordre*x", "--x", "2", "--ordre", "3", "-F", "plain")
    assert (r.exit_code, r.stdout) == (0, "2.0\t1.0\n6.0\t2.0\t3.0\n")  # ordre*x: d/dordre = x, d/dx = ordre
    r = cli("eval", "x", "x^2", "--x", "2", "--ordre", "3")
    assert r.exit_code == 2 and r.stderr.startswith("agrad: usage error: no such option --ordre (did you mean --order?)")
    # jobs from stdin are not known beforehand: --var binds such a name
    r = cli("eval", "-", "--ordre", "3", input="ordre*2\n")
    assert r.exit_code == 2 and "write --var ordre=3" in r.stderr and r.stdout == ""
    r = cli("eval", "-", "--var", "ordre=3", "-F", "plain", input="ordre*2\n")
    assert (r.exit_code, r.stdout) == (0, "6.0\t2.0\n")
    # --points: its one program
    points = tmp_path / "p.csv"
    points.write_text("x\n1\n2\n", encoding="utf-8")
    r = cli("eval", "x*w", "--points", str(points), "--w", "2", "--traec", "1")
    assert r.exit_code == 2 and "no such option --traec (did you mean --trace?)" in r.stderr
    r = cli("eval", "x*traec", "--points", str(points), "--traec", "2", "-F", "plain")
    assert (r.exit_code, r.stdout) == (0, "2.0\t2.0\t1.0\n4.0\t2.0\t2.0\n")


def test_graph_checks_its_own_options(cli):
    r = cli("graph", "x^2", "--x", "1", "--outptu", "g.dot")
    assert r.exit_code == 2 and r.stderr == ("agrad: usage error: no such option --outptu (did you mean --output?); "
                                             "to bind a variable of that name, write --var outptu=g.dot\n")


@pytest.mark.parametrize("word, options", [
    ("--backwards", ["--backward"]), ("--ordre", ["--order"]), ("--formt", ["--format"]),
    ("--retain_grad", ["--retain-grad"]), ("--hesian", ["--hessian"]), ("--back", ["--backward"]),
    ("--gard", ["--grad"]), ("--FORMAT", ["--format"]),
    ("--x", []), ("--v", []), ("--lr", []), ("--rate", []), ("--alpha", []), ("--theta", []), ("--w2", []),
])
def test_close_options(word, options):
    from agrad.language.suggestions import close_options

    eval_options = ["--format", "--var", "--grad", "--backward", "--order", "--hessian", "--retain-grad",
                    "--trace", "--hook", "--dtype", "--jobs", "--no-grad", "--zero-grad"]
    assert close_options(word, eval_options) == options


def test_edit_distance_counts_a_swap_as_one():
    from agrad.language.suggestions import edit_distance

    assert [edit_distance(a, b) for a, b in [("ordre", "order"), ("", "abc"), ("kitten", "sitting"), ("ab", "ab")]] \
        == [1, 3, 3, 0]


# -- 2. short options and -- ----------------------------------------------------------------------

@pytest.mark.parametrize("args", [["-h"], ["eval", "-h"], ["graph", "-h"], ["functions", "-h"]])
def test_dash_h_is_help_everywhere(capsys, args):
    status, out, err = agrad_main(capsys, *args)
    assert status == 0 and err == ""
    assert out.startswith("Usage: agrad" + ("" if args == ["-h"] else f" {args[0]}"))
    assert "-h, --help" in out


@pytest.mark.parametrize("args, message", [
    (["x^2", "-x", "3"], "-x is not an option of agrad eval: to bind x, write --x VALUE; an expression that "
                         "starts with - goes after --, as in agrad eval [OPTIONS] -- -x"),
    (["x^2", "x", "-Fplain"], "-Fplain is not an option of agrad eval: write -F plain; an expression that starts "
                              "with - goes after --, as in agrad eval [OPTIONS] -- -Fplain"),
])
def test_a_short_option_among_several_expressions_is_a_usage_error(capsys, args, message):
    status, out, err = agrad_main(capsys, "eval", *args)
    assert (status, out, err) == (2, "", f"agrad: usage error: {message} (see agrad eval --help)\n")


def test_double_dash_marks_expressions_and_bindings_may_follow(capsys, cli):
    # after --, a short option is an expression; a long one is still an option or a binding
    r = cli("eval", "--", "-x", "--x", "2", "--format", "json")
    assert json.loads(r.stdout) == {"expr": "-x", "value": -2.0, "grad_fn": "NegBackward0", "grads": {"x": -1.0}}
    status, out, _ = agrad_main(capsys, "eval", "--x", "2", "-F", "plain", "--", "-x", "x", "-h")
    assert (status, out) == (1, "-2.0\t-1.0\n2.0\t1.0\n\n")  # -h after -- is a job (h has no value)
    # one expression that starts with '-' needs no '--'
    assert cli("eval", "-x", "--x", "3", "-F", "plain").stdout == "-3.0\t-1.0\n"


# -- 3. no expression -----------------------------------------------------------------------------

@pytest.mark.parametrize("args, stdin", [(["eval"], ""), (["eval", "--x", "3"], "x^2\n")])
def test_no_expression_is_a_usage_error(capsys, args, stdin):
    assert agrad_main(capsys, *args, stdin=stdin) == (
        2, "", "agrad: usage error: no expression: give EXPR, -f FILE, or - to read jobs from stdin\n")


def test_graph_without_an_expression_is_a_usage_error(capsys):
    assert agrad_main(capsys, "graph", "--x", "3") == (
        2, "", "agrad: usage error: no expression: give EXPR, or -f FILE (-f - reads the program from stdin)\n")


# -- 4. functions as other notations write them ---------------------------------------------------

@pytest.mark.parametrize("expr, hint, caret", [
    ("ln(x)", "unknown function 'ln': did you mean 'log'? (log is the natural logarithm)", "^^"),
    ("σ(x)", "unknown function 'σ': did you mean 'sigmoid'?", "^"),
    ("arcsin(x)", "unknown function 'arcsin': did you mean 'asin'?", "^^^^^^"),
    ("arctan(x)", "unknown function 'arctan': did you mean 'atan'?", "^^^^^^"),
    ("artanh(x)", "unknown function 'artanh': did you mean 'atanh'?", "^^^^^^"),
    ("ReLU(x)", "unknown function 'ReLU': did you mean 'relu'? (names are case-sensitive)", "^^^^"),
    ("cot(x)", "unknown function 'cot': agrad has no cot(); write 1/tan(x)", "^^^"),
    ("sqr(x)", "unknown function 'sqr': did you mean 'sqrt'? (sqr is the square in Pascal: write x^2 for that)",
     "^^^"),
    ("2 + Ln(x)", "unknown function 'Ln': did you mean 'log'? (log is the natural logarithm)", "    ^^"),
])
def test_unknown_functions_suggest_agrads_name(cli, expr, hint, caret):
    r = cli("eval", expr, "--x", "0.5")
    assert (r.exit_code, r.stderr) == (2, f"agrad: name error: {hint}\n{expr}\n{caret}\n")


def test_the_suggested_functions_exist_and_compute_the_same():
    from agrad.engine import ops
    from agrad.language.suggestions import FUNCTION_ALIASES

    functions = ops.public_functions()
    for name, (meant, note) in FUNCTION_ALIASES.items():
        assert name not in functions and (meant in functions if meant else note.startswith("write "))
    assert agrad.evaluate("log(x)", x=2.5).value == math.log(2.5)
    assert agrad.evaluate("asin(x)", x=0.25).value == math.asin(0.25)


def test_square_root_sign_suggests_sqrt(cli):
    r = cli("eval", "√x", "--x", "4")
    assert r.stderr == "agrad: syntax error: unexpected character '√' (U+221A): did you mean 'sqrt(...)'?\n√x\n^\n"


# -- 5. a decimal comma ---------------------------------------------------------------------------

def test_a_decimal_comma_that_makes_the_output_a_vector_is_named(cli):
    r = cli("eval", "x^2", "--x", "0,5")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0].endswith("(--x 0,5 is the vector [0, 5]; a number is written 0.5)")
    assert r.stderr.startswith("agrad: compute error: grad can be implicitly created only for scalar outputs")
    r = cli("eval", "x*w", "--x", "-0,25", "--w", "2", "--grad", "x")
    assert "(--x -0,25 is the vector [-0, 25]; a number is written -0.25)" in r.stderr
    r = cli("eval", "x*w", "--x", "3,05", "--w", "2", "--grad", "x")
    assert "(--x 3,05 is the vector [3, 5]; a number is written 3.05)" in r.stderr
    # 1,2 is far more often a vector than 1.2: no note
    r = cli("eval", "x*2", "--x", "1,2")
    assert r.exit_code == 1 and "is the vector" not in r.stderr
    # no error, no note; and none where vectors are clearly meant
    r = cli("eval", "sum(x)", "--x", "0,5", "-F", "plain")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "5.0\t1.0,1.0\n", "")
    r = cli("eval", "x + y", "--x", "1,2,3", "--y", "0,5")
    assert r.exit_code == 1 and "decimal" not in r.stderr and "is the vector" not in r.stderr


# -- 6. bindings are constant expressions ---------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("pi/4", math.pi / 4), ("sqrt(2)", math.sqrt(2)), ("1/3", 1 / 3), ("e", math.e), ("2^-3", 0.125),
    ("-pi", -math.pi), ("atan2(1, 2)", math.atan2(1, 2)), ("exp(1) - e", 0.0), ("2*pi", 2 * math.pi),
])
def test_a_binding_may_be_an_expression_of_numbers_and_constants(cli, text, value):
    r = cli("eval", "x", "--x", text, "-F", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["value"] == value


def test_sin_at_pi_over_4(cli):
    assert cli("eval", "sin(x)", "--x", "pi/4", "--grad", "x").stdout == "0.7071067811865476\n"  # cos(pi/4)
    r = cli("eval", "sin(x)", "--x=pi/4", "-F", "json")
    assert json.loads(r.stdout)["value"] == math.sin(math.pi / 4)


def test_vector_elements_and_seeds_may_be_expressions(cli):
    r = cli("eval", "sum(sin(x))", "--x", "pi/4, pi/2", "-F", "json")
    assert json.loads(r.stdout)["grads"] == {"x": [math.cos(math.pi / 4), math.cos(math.pi / 2)]}
    r = cli("eval", "x", "--x", "[atan2(1, 2), -e, 3]", "-F", "json", "--gradient", "1,1,1")
    assert json.loads(r.stdout)["value"] == [math.atan2(1, 2), -math.e, 3.0]
    r = cli("eval", "x^2", "--x", "3", "--gradient", "pi", "-F", "json")
    assert json.loads(r.stdout)["grads"] == {"x": 6 * math.pi}
    r = cli("eval", "x*2", "--x", "1,2", "--gradient", "1/2, sqrt(4)", "-F", "json")
    assert json.loads(r.stdout)["grads"] == {"x": [1.0, 4.0]}


@pytest.mark.parametrize("text, message, caret", [
    ("pi/y", "'y' is not a constant", "   ^"),
    ("1, atan2(1, 2), pi/y", "element 2 ('pi/y'): 'y' is not a constant", "                   ^"),
    ("  pi/y", "'y' is not a constant", "     ^"),
    ("π/4", "'π' is not a constant (did you mean pi?)", "^"),
    ("2*(pi", "'2*(pi' is not a number: unexpected end of input: a '(' is not closed", "     ^"),
    ("[pi, 2x]", "element 1 ('2x') is not a number", "     ^^"),
])
def test_a_name_that_is_not_a_constant_is_a_value_error_with_a_caret(cli, text, message, caret):
    r = cli("eval", "sum(x)", "--x", text)
    lines = r.stderr.splitlines()
    assert r.exit_code == 2 and len(lines) == 3, r.stderr
    assert lines[0].startswith(f"agrad: value error: bad value for --x: {message}")
    assert lines[1:] == [text, caret]


def test_a_bare_word_is_still_not_a_number_in_one_line(cli):
    r = cli("eval", "x", "--x", "abc")
    assert r.exit_code == 2 and r.stderr.startswith("agrad: value error: bad value for --x: 'abc' is not a number")
    assert r.stderr.count("\n") == 1
    assert r.stderr == ("agrad: value error: bad value for --x: 'abc' is not a number (use an int, a float, inf, nan "
                        "or an expression such as pi/4; for a vector 1,2,3 or [1, 2, 3] or @FILE)\n")
    # a text with no operator was meant as one number: no advice about products
    r = cli("eval", "x", "--x", "0x10")
    assert r.exit_code == 2 and r.stderr.startswith("agrad: value error: bad value for --x: '0x10' is not a number (use")
    r = cli("eval", "x", "--x", "sin([1, 2])")
    assert r.exit_code == 2 and "'sin([1, 2])' is a vector, where a number is expected" in r.stderr


def test_python_is_never_evaluated(cli, tmp_path):
    marker = tmp_path / "ran"
    r = cli("eval", "x", "--x", f"__import__('os').mkdir('{marker}')")
    assert r.exit_code == 2 and not marker.exists()


def test_points_cells_and_the_api_stay_plain_numbers(cli, tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x\npi\n2\n", encoding="utf-8")
    r = cli("eval", "x^2", "--points", str(points), "-F", "plain")
    assert r.exit_code == 1 and r.stdout == "\n4.0\t4.0\n" and "'pi' is not a number" in r.stderr
    with pytest.raises(agrad.BindingError):
        agrad.evaluate("x", x="pi/4")


# -- in a real terminal ---------------------------------------------------------------------------

@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
@pytest.mark.parametrize("columns", [40, 60, 100])
def test_a_usage_error_is_one_line_in_a_terminal(agrad_exe, columns):
    """The message is written as it is, not wrapped at the terminal's width: one line (which the
    terminal folds), the exit status 2."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(agrad_exe + ["eval", "x^2", "--x", "1", "--backwards", "3"], stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=60) == 2
    assert b"".join(chunks).decode() == ("agrad: usage error: no such option --backwards (did you mean --backward?); "
                                         "to bind a variable of that name, write --var backwards=3\r\n")
