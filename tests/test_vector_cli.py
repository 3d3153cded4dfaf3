"""Vectors on the command line: bindings (`1,2,3`, `[1, 2, 3]`, `@FILE`, `@-`), --gradient,
--jacobian, the three output formats, and the errors with their exit codes."""

import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

from agrad.values import write
from agrad.values.read import parse_numbers

pytestmark = pytest.mark.filterwarnings("error")


def as_json(r):
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


# -- bindings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["--x", "1,2,3"], ["--x", "[1, 2, 3]"], ["--x=1,2,3"], ["--var", "x=[1,2,3]"], ["--x", " 1 , 2 , 3 "],
])
def test_vector_binding_forms(cli, args):
    r = cli("eval", "sum(x^2)", *args, "-F", "json")
    assert as_json(r)["grads"] == {"x": [2.0, 4.0, 6.0]}


def test_a_one_element_vector_stays_a_vector_and_a_number_a_scalar(cli):
    assert as_json(cli("eval", "sum(x*3)", "--x", "[2]", "-F", "json"))["grads"] == {"x": [3.0]}
    assert as_json(cli("eval", "x*3", "--x", "2", "-F", "json"))["grads"] == {"x": 3.0}
    assert as_json(cli("eval", "x*3", "--x", "[2]", "--gradient", "[1]", "-F", "json"))["value"] == [6.0]


@pytest.mark.parametrize("contents", [
    "1,2,3", "1 2 3", "1\n2\n3\n", "  1,\n 2,\n 3\n", "[1, 2, 3]\n", "1\t2\r\n3", "1.0e0, 2, +3.",
])
def test_file_bindings(cli, tmp_path, contents):
    path = tmp_path / "x.txt"
    path.write_text(contents)
    r = cli("eval", "sum(x^2)", "--x", f"@{path}", "-F", "json")
    assert as_json(r)["grads"] == {"x": [2.0, 4.0, 6.0]}


def test_stdin_binding_and_seed(cli):
    r = cli("eval", "x*w", "--x", "@-", "--w", "2", "--gradient", "1,1,1", "-F", "json", input="1\n2\n3\n")
    assert as_json(r)["value"] == [2.0, 4.0, 6.0]
    r = cli("eval", "sum(x*w)", "--x", "@-", "--w", "2", "-F", "json", input="1\n2\n3\n")
    assert as_json(r)["grads"] == {"x": [2.0, 2.0, 2.0], "w": 6.0}
    r = cli("eval", "x*2", "--x", "1,2", "--gradient", "@-", "-F", "json", input="1, 0.5")
    assert as_json(r)["grads"] == {"x": [2.0, 1.0]}


@pytest.mark.parametrize("args, message", [
    (["--x", "1,abc,3"], "bad value for --x: element 1 ('abc') is not a number"),
    (["--x", "1,,3"], "bad value for --x: element 1 is empty"),
    (["--x", "1,2,"], "bad value for --x: element 2 is empty"),
    (["--x", "[1,2"], "bad value for --x: '[1,2' has a bracket without its partner"),
    (["--x", "@"], "'@' needs a file name"),
    (["--x", "@no/such/file.txt"], "bad value for --x: cannot read 'no/such/file.txt': No such file or directory"),
    (["--x", "@-", "--w", "@-"], "only one value can be read from standard input (@- or -f -)"),
    (["--x", "1,2", "--gradient", "1,x"], "bad value for --gradient: element 1 ('x') is not a number"),
    (["--x", "1,2", "--jacobian", "--gradient", "1,1"], "--jacobian does not go with --gradient"),
    (["--x", "1,2", "--jacobian", "--trace", "--backward", "2"], "--jacobian does not go with --backward, --trace"),
])
def test_bad_vector_values_exit_2(cli, args, message):
    r = cli("eval", "sum(x)", *args, input="1")
    assert r.exit_code == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    # one line, and for an element that is not a number the binding with a caret under it
    assert r.stderr.count("\n") == (3 if "element 1 (" in message else 1)


@pytest.mark.parametrize("contents, message", [
    ("1\n2\nthree\n4\n", "line 3: element 2 ('three') is not a number"),
    ("1, 2,\n, 4", "line 2: an empty element between commas"),
    ("1_000\n2", "line 1: element 0 ('1_000') is not a number"),
    ("", "holds no numbers"),
    ("  \n\n", "holds no numbers"),
    ("[1, 2, [3]]", "element 2 ('[3]') is not a number"),
    ("1, true", "element 1 ('true') is not a number"),
])
def test_bad_files_name_the_line_and_the_element(cli, tmp_path, contents, message):
    path = tmp_path / "x.txt"
    path.write_text(contents)
    r = cli("eval", "sum(x)", "--x", f"@{path}")
    assert r.exit_code == 2 and f"bad value for --x: {path}" in r.stderr and message in r.stderr, r.stderr


# -- --gradient: the vector-Jacobian product ------------------------------------------------------

@pytest.mark.parametrize("expr, seed, grads", [
    ("x*2", "1,0.5", [2.0, 1.0]), ("x^2", "1,0.5", [2.0, 2.0]), ("x^2", "[-1, 0.5]", [-2.0, 2.0]),
    ("x^2", "-1,0.5", [-2.0, 2.0]),  # a seed starting with '-' is still the option's value
])
def test_gradient_seeds(cli, expr, seed, grads):
    r = as_json(cli("eval", expr, "--x", "1,2", "--gradient", seed, "-F", "json"))
    assert r["grads"] == {"x": grads} and r["gradient"] == [float(v) for v in seed.strip("[]").split(",")]


def test_a_scalar_output_takes_a_scalar_seed(cli):
    assert cli("eval", "(x+w)*2", "--x", "3", "--w", "1", "--gradient", "2", "-F", "plain").stdout == "8.0\t4.0\t4.0\n"


def test_vector_output_without_a_seed_is_torchs_error_with_a_hint(cli):
    r = cli("eval", "x*2", "--x", "1,2")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith("agrad: compute error: grad can be implicitly created only for scalar outputs: ")
    assert "--gradient" in r.stderr and "--jacobian" in r.stderr and "sum(" in r.stderr


def test_seed_of_the_wrong_shape_is_torchs_mismatch(cli):
    r = cli("eval", "x*2", "--x", "1,2", "--gradient", "1,2,3")
    assert r.exit_code == 1
    assert r.stderr == ("agrad: shape error: Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and "
                        "output[0] has a shape of torch.Size([2]).\n")
    r = cli("eval", "x*2", "--x", "1", "--gradient", "[1]")
    assert r.exit_code == 1 and "torch.Size([1]) and output[0] has a shape of torch.Size([])" in r.stderr


# -- --jacobian -------------------------------------------------------------------------------

def test_jacobian_json_plain_and_single(cli):
    args = ["eval", "[v[0]*v[1], sin(v[0])]", "--v", "1,2", "--jacobian"]
    r = as_json(cli(*args, "-F", "json"))
    assert r["jacobian"] == {"v": [[2.0, 1.0], [math.cos(1), 0.0]]} and "grads" not in r
    assert cli(*args, "-F", "plain").stdout == f"2.0,{math.sin(1)!r}\nv\t2.0,1.0\nv\t{math.cos(1)!r},0.0\n"
    assert cli(*args, "--grad", "v").stdout == f"2.0,1.0\n{math.cos(1)!r},0.0\n"


def test_jacobian_shapes_in_plain_text(cli):
    # rows are output elements: a scalar variable of a vector output is a column
    r = cli("eval", "x*s", "--x", "1,2", "--s", "3", "--jacobian", "-F", "plain")
    assert r.stdout == "3.0,6.0\nx\t3.0,0.0\nx\t0.0,3.0\ns\t1.0\ns\t2.0\n"
    r = cli("eval", "sum(x)*s", "--x", "1,2", "--s", "3", "--jacobian", "-F", "plain")
    assert r.stdout == "9.0\nx\t3.0,3.0\ns\t3.0\n"


def test_jacobian_pretty_tables(cli):
    r = cli("eval", "[v[0]*v[1], sin(v[0])]", "--v", "1,2", "--jacobian")
    lines = [line.rstrip() for line in r.stdout.splitlines()]
    assert lines[0] == f"[v[0]*v[1], sin(v[0])] = [2.0, {math.sin(1):.6g}]"
    assert lines[1] == "Jacobian with respect to v, shape [2, 2]:"
    assert lines[2].split() == ["v[0]", "v[1]"]
    assert lines[4].split() == ["out[0]", "2.0", "1.0"] and lines[5].split() == ["out[1]", f"{math.cos(1):.6g}", "0.0"]
    big = cli("eval", "x*2", "--x", ",".join(map(str, range(30))), "--jacobian").stdout
    # at most 24 rows and columns (tables.MAX_MATRIX), every number whole, and a line that says so
    assert "x[23]" in big and "x[24]" not in big and "out[23]" in big and "out[24]" not in big
    assert "the Jacobian is 30 x 30; the first 24 rows and columns are shown; --format json" in big
    assert "…" not in big.split("\n", 1)[1]


# -- output -----------------------------------------------------------------------------------

def test_non_finite_elements_in_json_and_plain(cli):
    r = cli("eval", "x*w", "--x", "inf,-1,nan", "--w", "2", "--gradient", "1,1,1", "-F", "json")
    assert json.loads(r.stdout) == {"expr": "x*w", "value": ["inf", -2.0, "nan"], "grad_fn": "MulBackward0",
                                    "gradient": [1.0, 1.0, 1.0], "grads": {"x": [2.0, 2.0, 2.0], "w": "nan"}}
    r = cli("eval", "x*w", "--x", "inf,-1,nan", "--w", "2", "--gradient", "1,1,1", "-F", "plain")
    assert r.stdout == "inf,-2.0,nan\t2.0,2.0,2.0\tnan\n"


def test_json_is_one_line_with_json_dumps_separators(cli):
    r = cli("eval", "sum(x*w)", "--x", "1,2", "--w", "3", "-F", "json")
    assert r.stdout == '{"expr": "sum(x*w)", "value": 9.0, "grad_fn": "SumBackward0", ' \
                       '"grads": {"x": [3.0, 3.0], "w": 3.0}}\n'


def test_plain_vectors_read_back_as_bindings(cli):
    g = cli("eval", "sum(x^3)", "--x", "0.1,-2,3e-7", "--grad", "x").stdout.strip()
    assert as_json(cli("eval", "sum(x)", "--x", g, "-F", "json"))["grads"]["x"] == [1.0, 1.0, 1.0]
    assert [float(v) for v in g.split(",")] == [3 * 0.1 ** 2, 12.0, 3 * 3e-7 ** 2]


def test_pretty_tree_shows_shapes_and_abbreviates_long_vectors(cli):
    r = cli("eval", "sum(x * s)", "--x", ",".join(map(str, range(1, 21))), "--s", "2")
    out = r.stdout
    assert "SumBackward0  sum(x * s) = 420.0  shape []  grad in 1.0" in out
    assert "MulBackward0  x * s = [2.0, 4.0, 6.0, …, 36.0, 38.0, 40.0]  shape [20]" in out
    assert "x = [1.0, 2.0, 3.0, …, 18.0, 19.0, 20.0]  shape [20]  grad [2.0, 2.0, 2.0, …, 2.0, 2.0, 2.0]" in out
    assert "s = 2.0  shape []  grad 210.0" in out
    table = [line.split(None, 2) for line in out.splitlines() if line.startswith(("x ", "s "))]
    assert table[0][:2] == ["x", "[20]"] and table[1][:2] == ["s", "[]"]
    # eight elements are shown in full; JSON never abbreviates
    assert "x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]" in cli("eval", "sum(x)", "--x", "1,2,3,4,5,6,7,8").stdout
    assert len(as_json(cli("eval", "sum(x)", "--x", ",".join(["1"] * 50), "-F", "json"))["grads"]["x"]) == 50


def test_pretty_shows_the_seed(cli):
    r = cli("eval", "x*2", "--x", "1,2", "--gradient", "1,0.5")
    assert "backward from gradient [1.0, 0.5] (the vector-Jacobian product)" in r.stdout
    assert "x = [1.0, 2.0]  shape [2]  grad [2.0, 1.0]" in r.stdout


def test_a_constant_vector_is_drawn_as_a_constant(cli):
    r = cli("eval", "c = [1, 2] * 2; sum(c * x)", "--x", "3")
    assert "c = [2.0, 4.0]  shape [2]  (constant)" in r.stdout


def test_scalar_outputs_are_unchanged(cli):
    r = cli("eval", "(x+w)*2", "--x", "3", "--w", "1")
    assert "shape" not in r.stdout and "MulBackward0  (x + w) * 2 = 8.0  grad in 1.0" in r.stdout


# -- errors through the command line ----------------------------------------------------------

def test_shape_mismatch_points_at_the_operator(cli):
    r = cli("eval", "sum(x + y)", "--x", "1,2,3", "--y", "1,2")
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert lines[0].startswith("agrad: shape error: '+' needs operands of the same length, but the left is a "
                               "vector of length 3 and the right a vector of length 2")
    assert lines[1:] == ["sum(x + y)", "      ^"]


def test_index_out_of_range_points_at_the_index(cli):
    r = cli("eval", "x[5]", "--x", "1,2,3")
    assert r.exit_code == 1 and r.stderr.splitlines() == [
        "agrad: index error: index 5 is out of range for a vector of length 3: valid indices are 0 to 2 and -3 to -1 "
        "(torch: index 5 is out of bounds for dimension 0 with size 3)", "x[5]", "  ^"]


# -- reading and writing long vectors ------------------------------------------------------------

def random_doubles(n, seed=0):
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        v = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(v):
            out.append(v)
    return out + [0.1, 1e-5, 1e-7, 1e16, 1e22, 5e-324, -0.0, 2.0 ** 53 + 2, 123456789.0]


def test_json_and_plain_vectors_round_trip_exactly():
    values = random_doubles(20_000)
    text = write.dumps(values)
    assert json.loads(text) == values and text.startswith("[") and ", " in text
    assert [float(v) for v in write.joined(values).split(",")] == values
    signs = [math.copysign(1, v) for v in json.loads(write.dumps([-0.0, 0.0]))]
    assert signs == [-1, 1]


def test_file_numbers_are_read_exactly_in_every_notation():
    values = random_doubles(5_000, seed=1)
    for text in ["\n".join(map(repr, values)), ",".join("%.17g" % v for v in values),
                 " ".join("%.25e" % v for v in values), "[" + ", ".join(map(repr, values)) + "]"]:
        assert parse_numbers(text).tolist() == values
    mixed = "1\n-inf\nnan\n.5\n5.\n+2\n1E3\n  7  \n"
    got = parse_numbers(mixed).tolist()
    assert got[:2] == [1.0, -math.inf] and math.isnan(got[2]) and got[3:] == [0.5, 5.0, 2.0, 1000.0, 7.0]
    assert parse_numbers("9007199254740993").tolist() == [float("9007199254740993")]


def test_a_large_file_through_the_installed_command(tmp_path):
    xs = np.random.default_rng(5).uniform(-3, 3, 200_000)
    path = tmp_path / "big.txt"
    path.write_text("\n".join(map(repr, xs.tolist())))
    exe = shutil.which("agrad", path=os.path.dirname(sys.executable))
    command = [exe] if exe else [sys.executable, "-m", "agrad"]
    out = subprocess.run(command + ["eval", "sum(sin(x)*x^2)", "--x", f"@{path}", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    grads = np.array(json.loads(out.stdout)["grads"]["x"])
    assert np.allclose(grads, np.cos(xs) * xs * xs + 2 * xs * np.sin(xs), rtol=1e-12, atol=1e-12)


def test_functions_lists_the_vector_operations(cli):
    rows = {row["name"]: row for row in map(json.loads, cli("functions", "--format", "json").stdout.splitlines())}
    for name, grad_fn in [("sum(v)", "SumBackward0"), ("mean(v)", "MeanBackward0"), ("prod(v)", "ProdBackward0"),
                          ("dot(a, b)", "DotBackward0"), ("norm(v)", "LinalgVectorNormBackward0"),
                          ("max(v)", "MaxBackward1"), ("min(v)", "MinBackward1"), ("max(a, b)", "MaximumBackward0"),
                          ("v[i] (i a whole number)", "SelectBackward0")]:
        assert rows[name]["grad_fn"] == grad_fn, name
    assert "torch.stack" in cli("functions").stdout


# -- vectors with the autograd lessons ----------------------------------------------------------

def test_hessian_over_the_elements_of_a_vector(cli):
    # torch.autograd.functional.hessian of sum(v**3) + v0*v1 at [1, 2] is [[6, 1], [1, 12]]
    r = as_json(cli("eval", "sum(x^3) + x[0]*x[1] + s*x[1]", "--x", "1,2", "--s", "3", "--hessian", "-F", "json"))
    assert r["hessian"] == {"variables": ["x[0]", "x[1]", "s"],
                            "matrix": [[6.0, 1.0, 0.0], [1.0, 12.0, 1.0], [0.0, 1.0, 0.0]]}
    r = cli("eval", "sum(x^3) + x[0]*x[1]", "--x", "1,2", "--hessian")
    assert [line.split() for line in r.stdout.splitlines()[-2:]] == [["x[0]", "6.0", "1.0"], ["x[1]", "1.0", "12.0"]]


def test_order_needs_scalars_and_hessian_a_scalar_output(cli):
    r = cli("eval", "sum(x^3)", "--x", "1,2", "--order", "2")
    assert r.exit_code == 2 and "--order takes a scalar output and scalar variables, and 'x' is a vector" in r.stderr
    r = cli("eval", "x^3", "--x", "1,2", "--gradient", "1,1", "--hessian")
    assert r.exit_code == 2 and "--hessian needs a scalar output" in r.stderr


def test_passes_retained_grads_and_hooks_with_vectors(cli):
    r = cli("eval", "y = x^2", "--x", "1,2", "--gradient", "1,0.5", "--backward", "2", "-F", "plain")
    assert r.stdout == "1.0,4.0\t2.0,2.0\n1.0,4.0\t4.0,4.0\n"  # gradients accumulate, seeded each pass
    r = as_json(cli("eval", "a = x*2; sum(a*a)", "--x", "1,2", "--retain-grad", "a", "-F", "json"))
    assert r["grads"] == {"x": [8.0, 16.0], "a": [4.0, 8.0]}
    r = as_json(cli("eval", "sum(x*2)", "--x", "1,2", "--hook", "x=g*10", "-F", "json"))
    assert r["grads"] == {"x": [20.0, 20.0]}
    r = as_json(cli("eval", "sum(x*w)", "--x", "1,2", "--w", "3", "--no-grad", "x", "-F", "json"))
    assert r["grads"] == {"x": None, "w": 3.0}


def test_trace_with_vectors(cli):
    r = cli("eval", "sum([x, w*2])", "--x", "1", "--w", "3", "--trace", "-F", "plain")
    assert r.stdout.splitlines() == [
        "7.0\t1.0\t2.0",
        "step\tSumBackward0\t1.0\tStackBackward0\t1.0,1.0\t1.0,1.0",
        "step\tStackBackward0\t1.0,1.0\tx\t1.0\t1.0",
        "step\tStackBackward0\t1.0,1.0\tMulBackward0\t1.0\t1.0",
        "accumulate\tx\t1.0\t1.0",
        "step\tMulBackward0\t1.0\tw\t2.0\t2.0",
        "accumulate\tw\t2.0\t2.0"]


def test_graph_functions_and_float32_with_vectors(cli):
    r = as_json(cli("eval", "sum(grad(sum(x^3), x))", "--x", "1,2", "-F", "json"))
    assert r["value"] == 15.0 and r["grads"] == {"x": [6.0, 12.0]}
    assert as_json(cli("eval", "sum(detach(x)*x)", "--x", "1,2", "-F", "json"))["grads"] == {"x": [1.0, 2.0]}
    assert as_json(cli("eval", "sum(no_grad(x*2)*x)", "--x", "1,2", "-F", "json"))["grads"] == {"x": [2.0, 4.0]}
    r = as_json(cli("eval", "x + w", "--x", "0.1,0.2", "--w", "0.2", "--gradient", "1,1", "--dtype", "float32",
                    "-F", "json"))
    assert r["value"] == [0.30000001192092896, 0.4000000059604645] and r["dtype"] == "float32"


def test_graph_pictures_of_vectors(cli):
    r = cli("graph", "sum(x^2)", "--x", ",".join(map(str, range(1, 31))), "--format", "mermaid")
    assert r.exit_code == 0
    assert 'n0["x<br/>leaf, requires_grad<br/>value [1.0, 2.0, 3.0, …, 28.0, 29.0, 30.0]<br/>' \
           'grad [2.0, 4.0, 6.0, …, 56.0, 58.0, 60.0]"]' in r.stdout
    r = cli("graph", "x*w", "--x", "1,2", "--w", "3", "--gradient", "1,0.5", "--format", "dot")
    assert r.exit_code == 0 and 'grad 2.0 (×[1.0, 2.0])' in r.stdout  # w was broadcast: 1*1 + 0.5*2
    r = cli("graph", "x*2", "--x", "1,2")
    assert r.exit_code == 1 and "grad can be implicitly created only for scalar outputs" in r.stderr


# -- vectors in batches -------------------------------------------------------------------------

def test_batches_take_vector_bindings_and_json_lists(cli):
    lines = ['sum(x^2)', '{"expr": "sum(x*w)", "vars": {"x": [1, 2, "inf"], "w": 2}}',
             '{"expr": "x", "vars": {"x": [[1]]}}']
    r = cli("eval", "-", "--x", "1,2", input="\n".join(lines) + "\n")
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert records[0]["grads"] == {"x": [2.0, 4.0]}
    assert records[1]["value"] == "inf" and records[1]["grads"] == {"x": [2.0, 2.0, 2.0], "w": "inf"}
    assert records[2]["error"]["message"] == "variable 'x': element 0 is an array (vectors are one-dimensional)"
    assert r.exit_code == 1  # one job failed
    r = cli("eval", "sum(x)", "sum(x^2)", "--x", "1,2,3", "-F", "csv")
    assert r.stdout == 'line,expr,value,d/dx\n1,sum(x),6.0,"1.0,1.0,1.0"\n2,sum(x^2),14.0,"2.0,4.0,6.0"\n'


def test_a_batch_backpropagates_from_the_command_lines_gradient_or_a_jobs_own(cli):
    # x^2 at [1, 2] seeded with [1, 0.5]: grads 2x * seed = [2, 2]; x seeded: the seed itself
    r = cli("eval", "x^2", "x", "--x", "1,2", "--gradient", "1,0.5", "-F", "json")
    assert r.exit_code == 0, r.stderr
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(rec["gradient"], rec["grads"]) for rec in records] == [([1.0, 0.5], {"x": [2.0, 2.0]}),
                                                                  ([1.0, 0.5], {"x": [1.0, 0.5]})]
    jobs = "\n".join([
        '{"expr": "x*w", "vars": {"x": [1, 2], "w": 3}, "gradient": [2, "-1"]}',  # grads: w*seed, x.seed
        '{"expr": "x*w", "vars": {"x": [1, 2], "w": 3}}',  # the command line's seed
        '{"expr": "x*w", "vars": {"x": [1, 2, 3], "w": 3}}',  # the command line's seed does not fit
        '{"expr": "x*w", "vars": {"x": [1, 2], "w": 3}, "gradient": true}',
        '{"expr": "sum(x)", "vars": {"x": [1, 2]}, "gradient": 4}',  # a scalar output's seed
    ]) + "\n"
    r = cli("eval", "-", "--gradient", "1,1", input=jobs)
    assert r.exit_code == 1
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert records[0]["grads"] == {"x": [6.0, -3.0], "w": 0.0} and records[0]["gradient"] == [2.0, -1.0]
    assert records[1]["grads"] == {"x": [3.0, 3.0], "w": 3.0}
    assert records[2]["error"] == {"kind": "shape", "column": None, "message": "Mismatch in shape: grad_output[0] has "
                                   "a shape of torch.Size([2]) and output[0] has a shape of torch.Size([3])."}
    assert records[3]["error"]["message"] == '"gradient": expected a number, got true'
    assert records[4]["grads"] == {"x": [4.0, 4.0]} and records[4]["gradient"] == 4.0


def test_a_batch_gives_each_jobs_jacobian_where_the_format_can_hold_it(cli):
    r = cli("eval", "x*w", "sum(x)", "--x", "1,2", "--w", "3", "--jacobian", "-F", "json")
    assert r.exit_code == 0, r.stderr
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert records[0]["jacobian"] == {"x": [[3.0, 0.0], [0.0, 3.0]], "w": [1.0, 2.0]}
    assert records[1]["jacobian"] == {"x": [1.0, 1.0], "w": 0.0}
    r = cli("eval", "x*w", "sum(x)", "--x", "1,2", "--w", "3", "--jacobian", "-F", "plain")
    assert r.exit_code == 2 and "--jacobian gives more than one line per job in a batch" in r.stderr
    r = cli("eval", "-", "--x", "1,2", "--jacobian", input='{"expr": "x", "gradient": [1, 1]}\n')
    assert json.loads(r.stdout)["error"]["message"] == 'a job\'s "gradient" does not go with --jacobian'


def test_gradient_and_jacobian_in_csv(cli):
    r = cli("eval", "x*2", "--x", "1,2", "--jacobian", "-F", "csv")
    assert r.exit_code == 2 and "--jacobian has no columns in csv output" in r.stderr
    r = cli("eval", "x*2", "--x", "1,2", "--gradient", "1,0.5", "-F", "csv")
    assert r.stdout == 'line,expr,value,d/dx\n1,x*2,"2.0,4.0","2.0,1.0"\n'


def test_a_file_keeps_the_sign_of_negative_zero(cli, tmp_path):
    # orjson reads "-0" as the integer 0; the file must still give -0.0, as "--x -0,1" does.
    for body in ("-0, 1\n", "-0\n1\n", "-0 1\n"):
        path = tmp_path / "z.txt"
        path.write_text(body, encoding="utf-8")
        r = cli("eval", "1/x", "--x", f"@{path}", "--gradient", "1,1", "--format", "json")
        assert json.loads(r.stdout)["value"] == ["-inf", 1.0], body
