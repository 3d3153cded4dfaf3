"""One rendering: for every format, one expression's output and a batch's record of the same job
are the same bytes, less the batch's place for the job (JSON's "line" field, pretty's `line N`
heading and blank line, `line N: ` in an error's stderr line): for scalars, vectors, errors and
the lessons' options."""

import json

import pytest

SCALARS = ["--x", "3", "--w", "1"]
JOBS = [
    ("(x+w)*2", SCALARS),
    ("x*w + sin(x)", SCALARS),
    ("w*x", SCALARS),  # used in another order than bound: csv's columns are the bound order, both ways
    ("sum(x*w)", ["--x", "1,2", "--w", "0.0000001"]),  # orjson's 1e-7 in JSON, both ways
    ("x*w", ["--x", "1e-5,2", "--w", "3", "--gradient", "1,0.5"]),
    ("x*w", ["--x", "1,2", "--w", "3"]),  # a vector output without a seed: an error with its hint
    ("x*y", ["--x", "1"]),  # unbound
    ("x*", ["--x", "1"]),  # syntax
    ("format*2", []),  # unbound, with the hint that --format is an option
    ("qqq(x)", ["--x", "1"]),  # unknown function
    ("x/0", ["--x", "1"]),  # inf is a success
    ("y=x*w; y*2", SCALARS + ["--retain-grad", "y"]),
    ("x*w", SCALARS + ["--no-grad", "w"]),
    ("x*w", SCALARS + ["--dtype", "float32"]),
    ("x*w", SCALARS + ["--hook", "x=g*10"]),
    ("x^3*w", SCALARS + ["--trace"]),
    ("x^3*w", SCALARS + ["--order", "3"]),
    ("x^3*w", SCALARS + ["--hessian"]),
    ("x^3*w", SCALARS + ["--backward", "2"]),
    ("x*w", ["--x", "1,2", "--w", "3", "--jacobian"]),
]
FORMATS = [["--format", "json"], ["--format", "plain"], ["--format", "csv"], ["--format", "pretty"],
           ["--grad", "x"]]


def _refused(r) -> bool:
    return r.exit_code == 2 and "usage error" in r.stderr


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: " ".join(f))
@pytest.mark.parametrize("source, bindings", JOBS, ids=lambda j: j if isinstance(j, str) else " ".join(j))
def test_one_expression_and_a_batch_record_of_it_are_the_same_bytes(cli, source, bindings, fmt):
    one = cli("eval", source, *bindings, *fmt)
    batch = cli("eval", "-", *bindings, *fmt, input=source + "\n")
    if _refused(batch) or _refused(one):
        # an option whose output a batch's format cannot keep (--trace in plain, ...): refused
        # before any job, for one expression too where it is csv
        assert batch.stdout == "" and (fmt[1] in ("plain", "csv") or "--jacobian" in bindings), batch.stderr
        return
    failed = one.exit_code != 0
    assert batch.exit_code == (1 if failed else 0), (one.stderr, batch.stderr)
    if not failed:
        assert one.stderr == batch.stderr  # --grad's warning, if any
        if fmt[1] == "json":
            assert batch.stdout.startswith('{"line": 1, ')
            assert "{" + batch.stdout[len('{"line": 1, '):] == one.stdout
        elif fmt[1] == "pretty":
            assert batch.stdout == "line 1\n" + one.stdout + "\n"
        else:
            assert batch.stdout == one.stdout
        return
    assert one.stdout == "" and one.stderr.startswith("agrad: ")
    said = one.stderr[len("agrad: "):]  # KIND error: MESSAGE, and the caret lines
    kind, _, message = said.split("\n")[0].partition(" error: ")
    if fmt[1] == "json":
        record = json.loads(batch.stdout)
        assert record["line"] == 1 and record["expr"] == source
        assert record["error"]["kind"] == kind and record["error"]["message"] == message
        assert batch.stderr == ""
    elif fmt[1] == "pretty":
        assert batch.stdout == "line 1\n" + said + "\n" and batch.stderr == ""
    else:
        assert batch.stderr == "agrad: line 1: " + said
        header = batch.stdout.split("\n")[0]
        empty = "1," + source + "," * (header.count(",") - 1) + "\n"  # the job's place, its fields empty
        assert batch.stdout == ("\n" if fmt[1] != "csv" else header + "\n" + empty)


def test_the_hints_come_from_the_errors_data_not_their_words():
    from agrad.errors import ComputeError, ScalarOutputError, UnboundVariableError, no_value
    from agrad.render.errors import message

    vector = ScalarOutputError("reworded")
    assert message(vector).startswith("reworded: the output is a vector; pass --gradient")
    assert message(ComputeError("grad can be implicitly created only for scalar outputs")) == \
        "grad can be implicitly created only for scalar outputs"  # the words alone carry no hint
    unbound = UnboundVariableError(no_value("format"), name="format")
    assert message(unbound) == "variable 'format' has no value: add --format VALUE"
    assert message(unbound, {"--format"}) == \
        "variable 'format' has no value: add --var format=VALUE (--format is an option of agrad eval)"
    assert message(UnboundVariableError("variable 'format' has no value: add --format VALUE"), {"--format"}) == \
        "variable 'format' has no value: add --format VALUE"  # no name, no hint


@pytest.mark.parametrize("fmt", [["--format", "json"], ["--format", "pretty"], ["--grad", "w"]], ids=str)
@pytest.mark.parametrize("source", ["x*w + sin(x)", "w^2", "x/w", "log(x - 1)"])
def test_a_points_row_is_the_same_job_as_one_expression(cli, tmp_path, source, fmt):
    # the vectorized block (json) and the row-by-row path (pretty, --grad) both give the one-shot text
    path = tmp_path / "points.csv"
    path.write_text("x,w\n0.5,2\n3,-1e-7\n", encoding="utf-8")
    rows = cli("eval", source, "--points", str(path), *fmt)
    want = []
    for number, (x, w) in [(2, ("0.5", "2")), (3, ("3", "-1e-7"))]:
        one = cli("eval", source, "--x", x, "--w", w, *fmt).stdout
        want.append({"json": lambda o: f'{{"line": {number}, ' + o[1:],
                     "pretty": lambda o: f"line {number}\n{o}\n"}.get(fmt[1], lambda o: o)(one))
    assert rows.stdout == "".join(want)
