"""Every hostile input of the reliability issue, each with its expected outcome through the
command line: the exit code and a fragment of the one-line message (or of the output). The
API's kinds and columns for the same syntax errors are in test_errors.py; the batch's bytes
(NUL, bad UTF-8, over-long lines) in test_batch.py; deep and wide programs in test_deep.py."""

import pytest

import agrad
from agrad.limits import MAX_SOURCE_BYTES

LIMIT = "--max-source-bytes N raises it"

# (arguments after `agrad eval`, exit code, a fragment of stderr, or of stdout for exit 0)
CASES = [
    ([""], 2, "empty expression"),
    (["   "], 2, "empty expression"),
    (["# only a comment"], 2, "the input is only a comment"),
    (["()"], 2, "empty parentheses need an expression inside"),
    (["(((("], 2, "4 '(' not closed"),
    (["x +* 2", "--x", "1"], 2, "unexpected '*'"),
    (["2x", "--x", "1"], 2, "write 2*x for a product"),
    (["x..2", "--x", "1"], 2, "a number has at most one decimal point"),
    (["1e"], 2, "malformed number '1e': an exponent needs digits"),
    (["x", "--x", "3", "--x", "4"], 2, "variable 'x' is bound twice (--x 3 and --x 4)"),
    (["x", "--x", "abc"], 2, "bad value for --x: 'abc' is not a number"),
    (["x", "--x", ""], 2, "bad value for --x: an empty string is not a number"),
    (["x", "--x", "1", "--frobnicate"], 2, "--frobnicate needs a value"),
    (["x", "--x", "1", "--format", "yaml"], 2, "Invalid value for '--format'"),  # a known option, a bad value
    (["x \u2212 2", "--x", "1"], 2, "unexpected character '\u2212' (U+2212): did you mean '-'?"),
    (["x \u00d7 2", "--x", "1"], 2, "unexpected character '\u00d7' (U+00D7): did you mean '*'?"),
    (["x\u200f+ 1", "--x", "1"], 2, "unexpected invisible character U+200F"),
    (["\u202ex + 1", "--x", "1"], 2, "unexpected invisible character U+202E"),
    (["x\x00", "--x", "1"], 2, "unexpected NUL byte (U+0000)"),
    (["9^9^9^9", "--format", "plain"], 0, "inf"),
    (["exp(exp(exp(10)))", "--format", "plain"], 0, "inf"),
    (["1e400 + x", "--x", "1", "--format", "plain"], 0, "inf\t1.0"),
    (["sin = 3; sin * x", "--x", "2", "--format", "plain"], 0, "6.0\t3.0"),  # a name may shadow a function
    (["sin = 3; sin(x)", "--x", "0", "--format", "plain"], 0, "0.0\t1.0"),  # ... which calls still reach
    (["format * 2", "--var", "format=3", "--format", "plain"], 0, "6.0\t2.0"),
    (["format * 2", "--format", "plain"], 2, "add --var format=VALUE (--format is an option of agrad eval)"),
    (["x", "--x", "@/nonexistent/file"], 2, "cannot read '/nonexistent/file': No such file or directory"),
]


@pytest.mark.parametrize("args, code, fragment", CASES, ids=[repr(c[0][0])[:30] for c in CASES])
def test_hostile_input(cli, args, code, fragment):
    r = cli("eval", *args)
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    if code:
        assert fragment in r.stderr and r.stdout == ""
        assert r.stderr.startswith(("agrad: ", "Usage: ")) and r.stderr.count("\n") <= 4  # Usage: Typer's
    else:
        assert fragment in r.stdout


def test_a_10_mb_line_is_refused_at_once_naming_the_limit_and_the_flag(cli, tmp_path):
    line = "x+" * 5_000_000 + "x"
    r = cli("eval", line, "--x", "1")
    assert r.exit_code == 2
    assert r.stderr.startswith(f"agrad: limit error: the source is 10000001 bytes, longer than the limit of "
                               f"{MAX_SOURCE_BYTES} bytes ({LIMIT}, up to 104857600)")
    assert len(r.stderr) < 200  # the source is not shown
    program = tmp_path / "big.agrad"
    program.write_text(line)
    r = cli("eval", "-f", str(program), "--x", "1")
    assert r.exit_code == 2 and f"-f {program} is longer than the limit" in r.stderr and LIMIT in r.stderr
    with pytest.raises(agrad.LimitError, match="--max-source-bytes"):
        agrad.evaluate(line, x=1.0)


def test_a_raised_cap_takes_a_bigger_source(cli):
    padded = "x" + " " * (MAX_SOURCE_BYTES + 10) + "+ 1"  # a big source that is cheap to compute
    assert cli("eval", padded, "--x", "1").exit_code == 2
    r = cli("eval", padded, "--x", "1", "--max-source-bytes", str(2 * MAX_SOURCE_BYTES), "--format", "plain")
    assert r.exit_code == 0 and r.stdout == "2.0\t1.0\n"
    assert agrad.run(padded, {"x": 1.0}, max_source_bytes=2 * MAX_SOURCE_BYTES).value == 2.0
    r = cli("eval", "x", "--x", "1", "--max-source-bytes", str(200 * 2**20))
    assert r.exit_code == 2 and "the most agrad takes is 104857600 (100 MiB)" in r.stderr


def test_a_batch_line_over_the_cap_is_one_error_record_and_the_flag_raises_it(cli):
    long = "x" + " " * MAX_SOURCE_BYTES + "+ 1"
    stream = f"x\n{long}\nx*2\n"
    r = cli("eval", "-", "--x", "1", "--format", "plain", input=stream)
    assert r.exit_code == 1 and r.stdout == "1.0\t1.0\n\n2.0\t2.0\n"
    assert f"line 2: input error: the line is longer than the limit of {MAX_SOURCE_BYTES} bytes ({LIMIT}" in r.stderr
    r = cli("eval", "-", "--x", "1", "--format", "plain", "--max-source-bytes", str(2 * MAX_SOURCE_BYTES),
            input=stream)
    assert r.exit_code == 0 and r.stdout == "1.0\t1.0\n2.0\t1.0\n2.0\t2.0\n"


def test_a_million_nested_parentheses_need_no_depth_limit():
    """Nothing recurses, so depth is limited only by the source cap: 2 MB of parentheses."""
    n = 1_000_000
    r = agrad.run("(" * n + "x*w" + ")" * n, {"x": 3.0, "w": 2.0}, max_source_bytes=3 * 2**20)
    assert r.value == 6.0 and r.grads == {"x": 2.0, "w": 3.0}


def test_names_of_any_length():
    name = "a" * 100_000
    assert agrad.evaluate(f"{name}^2", **{name: 3.0}).grads == {name: 6.0}


def test_files_of_numbers_past_their_cap_and_errors_that_show_no_more_than_the_bad_element(cli, tmp_path):
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("1\n2\n3\n" * 1000)
    r = cli("eval", "sum(x)", "--x", f"@{numbers}", "--max-file-bytes", "100")
    assert r.exit_code == 2 and r.stderr.startswith(f"agrad: limit error: --x @{numbers}: '{numbers}' is longer than "
                                                    "the limit of 100 bytes for a file of numbers "
                                                    "(--max-file-bytes N raises it)")
    r = cli("eval", "sum(x)", "--x", f"@{numbers}", "--format", "plain")
    assert r.exit_code == 0 and r.stdout.startswith("6000.0\t")
    numbers.write_text("1 2 3\n" * 3 + "4 " + "z" * 10_000 + "\nsecret\n")
    r = cli("eval", "sum(x)", "--x", f"@{numbers}")
    assert r.exit_code == 2 and "line 4: element 10 ('zzzz" in r.stderr and "(10000 characters)" in r.stderr
    assert "secret" not in r.stderr and len(r.stderr) < 300
    program = tmp_path / "program.agrad"
    program.write_text("secret_a = x\nx +* 2\nsecret_b = 3\n")
    r = cli("eval", "-f", str(program), "--x", "1")
    assert r.exit_code == 2 and "secret" not in r.stderr and "x +* 2" in r.stderr


# Found by review: each of these once crashed or answered wrongly.
@pytest.mark.parametrize("args, code, fragment", [
    (["x[1e400]", "--x", "1,2"], 1, "an index must be a whole number, got inf"),
    (["x[0/0]", "--x", "1,2"], 1, "an index must be a whole number, got nan"),
    (["x*2", "--x", "3", "--hook", "x=[g,g]"], 1, "hook 'x=[g,g]' has changed the size of value"),
    (["x*2", "--x", "1,2", "--jacobian", "--hook", "x=1"], 1, "hook 'x=1' has changed the size of value"),
    (["no_grad(grad(x^3, x))*x", "--x", "2"], 1, "element 0 of tensors does not require grad"),
    (["x*2", "--x", "1", "--format"], 2, "Option '--format' requires an argument."),
    (["x", "--x", "\u0661\u0662"], 2, "is not a number"),
    (["x", "--x", "1", "--format", "yaml"], 2, "agrad: usage error: Invalid value for '--format'"),
])
def test_reviewed_inputs(run_agrad, args, code, fragment):
    done = run_agrad("eval", *args)
    err = done.stderr.decode()
    assert done.returncode == code and fragment in err and "Traceback" not in err
    assert err.count("\n") <= 3
