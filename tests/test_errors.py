"""Bad input: one clear message naming the problem, a caret under the column, a documented exit
code (2: not understood; 1: understood but not computable), never a traceback."""

import pytest

import agrad


@pytest.mark.parametrize("source, kind, message, column", [
    ("x +* 2", "syntax", "unexpected '*'", 4),
    ("2x", "syntax", "write 2*x for a product", 1),
    ("1e", "syntax", "malformed number '1e'", 1),
    ("x..2", "syntax", "unexpected '.'", 2),
    ("()", "syntax", "empty parentheses", 2),
    ("((((", "syntax", "4 '(' not closed", 5),
    ("x +", "syntax", "unexpected end of input", 4),
    ("", "syntax", "empty expression", 1),
    ("   ", "syntax", "empty expression", 1),
    ("# only a comment", "syntax", "empty expression", 1),
    ("x − 2", "syntax", "did you mean '-'?", 3),
    ("x × 2", "syntax", "did you mean '*'?", 3),
    ("x\u200f+ 1", "syntax", "invisible character", 2),
    ("x\x00", "syntax", "NUL byte", 2),
    ("sinn(x)", "name", "unknown function 'sinn': did you mean 'sin'", 1),
    ("frobnicate(x)", "name", "agrad functions lists them all", 1),
    ("x(2)", "name", "'x' is a variable, not a function", 1),
    ("a + 1; a = 2", "name", "'a' is used before it is assigned", 1),
    ("sin(x, 2)", "arity", "sin() takes 1 argument (sin(x)), got 2", 1),
    ("clamp(x)", "arity", "clamp() takes 3 arguments (clamp(x, lo, hi)), got 1", 1),
    ("x + q", "unbound", "variable 'q' has no value: add --q VALUE", 5),
    ("x + sin", "unbound", "'sin' is a function", 5),
    ("pi = 3", "value", "cannot assign to 'pi': it is a constant", 1),
    ("x = 3", "value", "cannot assign to 'x'", 1),
])
def test_error_kind_message_and_column(source, kind, message, column):
    with pytest.raises(agrad.AgradError) as info:
        agrad.evaluate(source, x=1.0)
    err = info.value
    assert err.kind == kind and message in err.message and err.column == column
    assert err.exit_code == 2


def test_errors_through_the_cli(cli):
    r = cli("eval", "1 +\n  sinn(x)", "--x", "1")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.splitlines() == [
        "agrad: name error: unknown function 'sinn': did you mean 'sin' or 'sinh' or 'sign'?",
        "  sinn(x)",
        "  ^^^^",
    ]


@pytest.mark.parametrize("args, message", [
    (["x"], "variable 'x' has no value: add --x VALUE"),
    (["x", "--x", "abc"], "bad value for --x: 'abc' is not a number"),
    (["x", "--x", ""], "bad value for --x: an empty string is not a number"),
    (["x", "--x", "3", "--x", "4"], "variable 'x' is bound twice"),
    (["x", "--x"], "--x needs a value"),
    (["pi", "--pi", "3"], "cannot bind 'pi': it is a constant"),
    (["x", "--var", "2x=3"], "'2x' is not a valid variable name"),
    (["x", "--x", "1", "--grad", "q"], "--grad q: no variable or assigned name 'q'"),
])
def test_binding_errors_exit_2(cli, args, message):
    r = cli("eval", *args)
    assert r.exit_code == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.count("\n") <= 3


def test_unknown_option_and_bad_format_exit_2(cli):
    assert cli("eval", "x", "--x", "1", "--format", "yaml").exit_code == 2
    assert cli("frobnicate").exit_code == 2


def test_nan_and_inf_results_succeed(cli):
    assert cli("eval", "log(x)", "--x", "-1").exit_code == 0
    assert cli("eval", "1/x", "--x", "0").exit_code == 0
