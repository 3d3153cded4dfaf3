"""--check (evaluation/gradcheck.py, kinks.py, render/check.py): the gradients against central
differences. The expected numbers are hand-derived derivatives and central differences computed
here with math, not agrad's own output; the failure is tested (a hook that changes a gradient)."""

import json
import math
import struct

import pytest

import agrad
from agrad.engine import ops
from agrad.evaluation import kinks
from agrad.evaluation.gradcheck import Row

EPS = 1e-6


def central(f, x, eps=EPS):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def rows(check):
    return {row.name: row for row in check.rows}


# -- the numbers ---------------------------------------------------------------------------------

def test_scalar_leaves_against_hand_derived_gradients_and_differences():
    x, w = 0.5, 2.0
    c = agrad.check("x*w + sin(x)", {"x": x, "w": w})
    got = rows(c)
    assert c.ok and c.status == "ok" and set(got) == {"d/dx", "d/dw"}
    assert got["d/dx"].analytic == pytest.approx(w + math.cos(x), rel=1e-15)
    assert got["d/dw"].analytic == pytest.approx(x, rel=1e-15)
    # the numeric side is exactly the central difference, in float64
    assert got["d/dx"].numeric == pytest.approx(central(lambda t: t * w + math.sin(t), x), rel=1e-12)
    assert got["d/dw"].numeric == pytest.approx(central(lambda t: x * t + math.sin(x), w), rel=1e-12)
    assert got["d/dx"].abs_err == pytest.approx(abs(got["d/dx"].analytic - got["d/dx"].numeric))
    assert got["d/dx"].rel_err == pytest.approx(got["d/dx"].abs_err / abs(got["d/dx"].numeric))
    assert c.evaluations == 2 * 2 + 1
    assert c.result.value == pytest.approx(x * w + math.sin(x))


def test_every_element_of_a_vector():
    v = [0.3, -1.2, 2.5]
    c = agrad.check("sum(v^2 * sin(v))", {"v": v})
    got = rows(c)
    assert c.ok and list(got) == ["d/dv[0]", "d/dv[1]", "d/dv[2]"]
    for k, x in enumerate(v):
        row = got[f"d/dv[{k}]"]
        assert row.element == k and row.leaf == "v"
        assert row.analytic == pytest.approx(2 * x * math.sin(x) + x * x * math.cos(x), rel=1e-13)
        assert row.numeric == pytest.approx(central(lambda t: t * t * math.sin(t), x), rel=1e-9)
    assert c.evaluations == 2 * 3 + 1


def test_a_vector_output_with_a_seed_checks_the_vector_jacobian_product():
    # y = v^2, seed s: the gradient is s * 2v; the numeric side is s . (y(v+e) - y(v-e)) / 2e
    c = agrad.check("v^2", {"v": [1.0, 3.0]}, gradient=[1.0, 0.5])
    got = rows(c)
    assert c.ok
    assert got["d/dv[0]"].analytic == 2.0 and got["d/dv[1]"].analytic == 3.0
    assert got["d/dv[1]"].numeric == pytest.approx(0.5 * central(lambda t: t * t, 3.0), rel=1e-12)


def test_float32_is_checked_against_float64_differences():
    c = agrad.check("exp(x) * 3", {"x": 0.1}, dtype="float32")
    row = rows(c)["d/dx"]
    assert c.result.dtype == "float32"
    # at the point the analytic gradient was computed, x as float32 holds it; the differences in float64
    x32 = struct.unpack("f", struct.pack("f", 0.1))[0]
    assert row.numeric == pytest.approx(central(lambda t: math.exp(t) * 3, x32), rel=1e-12)
    assert abs(row.numeric - central(lambda t: math.exp(t) * 3, x32, 1e-3)) < 1e-5
    assert c.ok


def test_unused_and_no_grad_variables():
    c = agrad.check("x*2", {"x": 1.0, "u": 5.0, "w": 3.0}, no_grad=["w"])
    got = rows(c)
    assert "d/dw" not in got  # a leaf that does not require grad is not checked
    assert got["d/du"].analytic == 0.0 and got["d/du"].numeric == 0.0 and got["d/du"].status == "ok"
    assert got["d/dx"].analytic == 2.0


def test_tolerance_is_torchs_rule():
    # |analytic - numeric| <= atol + rtol * |numeric|
    assert Row("x", None, 1.0 + 1e-5 + 1e-3 * 1.0, 1.0, (1e-5, 1e-3)).status == "ok"
    assert Row("x", None, 1.0 + 1.1e-5 + 1e-3, 1.0, (1e-5, 1e-3)).status == "mismatch"
    assert Row("x", None, math.nan, 1.0, (1e-5, 1e-3)).status == "mismatch"
    assert Row("x", None, math.inf, math.inf, (1e-5, 1e-3)).status == "ok"


def test_second_derivatives_against_the_hand_derived_hessian():
    x, w = 1.5, -0.5
    c = agrad.check("x^3 * w + w^2", {"x": x, "w": w}, order=2)
    got = rows(c)
    assert c.ok and c.order == 2
    assert got["d2/dx dx"].analytic == pytest.approx(6 * x * w)
    assert got["d2/dx dw"].analytic == pytest.approx(3 * x * x)
    assert got["d2/dw dx"].analytic == pytest.approx(3 * x * x)
    assert got["d2/dw dw"].analytic == pytest.approx(2.0)
    # the numeric side: central differences of the gradient d/dx = 3x^2 w along x
    assert got["d2/dx dx"].numeric == pytest.approx(central(lambda t: 3 * t * t * w, x), rel=1e-8)
    assert c.evaluations == 4 * 2 + 2


def test_second_order_needs_a_scalar_output():
    with pytest.raises(agrad.AgradError, match="--check 2 needs a scalar output"):
        agrad.check("v*2", {"v": [1, 2]}, order=2, gradient=[1, 1])


# -- the failure -----------------------------------------------------------------------------------

def test_a_hook_that_changes_the_gradient_fails_the_check():
    c = agrad.check("x*x", {"x": 3.0}, hooks=[("x", "g*10")])
    assert not c.ok and c.status == "mismatch"
    row = c.worst
    assert row.name == "d/dx" and row.analytic == 60.0
    assert row.numeric == pytest.approx(6.0, rel=1e-9)
    error = c.error()
    assert isinstance(error, agrad.CheckError) and error.kind == "check" and error.exit_code == 1
    assert "d/dx is 60.0 by backward" in error.message


def test_the_worst_element_is_named():
    c = agrad.check("sum(v*v) + x", {"v": [1.0, 2.0, 3.0], "x": 1.0}, hooks=[("v", "g*[1, 1, 5]")])
    assert [r.status for r in c.rows] == ["ok", "ok", "mismatch", "ok"]
    assert c.worst.name == "d/dv[2]" and "d/dv[2]" in c.error().message
    assert "(1 of 4 elements)" in c.error().message


def test_command_line_failure_is_exit_1_with_a_check_error(cli):
    r = cli("eval", "x*x", "--x", "3", "--hook", "x=g*10", "--check")
    assert r.exit_code == 1
    assert r.stderr.startswith("agrad: check error: gradient check failed (1 of 1 elements): d/dx is 60.0")
    assert "NO" in r.stdout.splitlines()[-2]  # the table's row
    r = cli("eval", "x*x", "--x", "3", "--check", "-F", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["check"]["ok"] is True


# -- kinks -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, bindings, grad_fn, convention", [
    ("relu(x)", {"x": 0.0}, "ReluBackward0", "relu'(0) = 0"),
    ("abs(x)", {"x": 0.0}, "AbsBackward0", "abs'(0) = 0"),
    ("max(x, w)", {"x": 1.0, "w": 1.0}, "MaximumBackward0", "a tie splits the gradient 1/2 and 1/2"),
    ("clamp(x, 0, 1)", {"x": 1.0}, "ClampBackward1", "boundaries included"),
    ("floor(x)", {"x": 2.0}, "FloorBackward0", "gradient 0"),
    ("round(x)", {"x": 0.5}, "RoundBackward0", "gradient 0"),
    ("sign(x)", {"x": 0.0}, "SignBackward0", "gradient 0"),
    ("max(v)", {"v": [1.0, 3.0, 3.0]}, "MaxBackward1", "ties split the gradient evenly"),
])
def test_a_kink_is_named_with_agrads_convention_instead_of_failing(source, bindings, grad_fn, convention):
    c = agrad.check(source, bindings)
    assert c.ok and c.status == "kink"
    assert [k.grad_fn for k in c.kinks] == [grad_fn]
    assert convention in c.kinks[0].convention and "not differentiable at this point" in c.kinks[0].text()


def test_a_kink_whose_differences_disagree_is_marked_kink():
    c = agrad.check("relu(x) + clamp(w, 0, 1)", {"x": 0.0, "w": 1.0})
    got = rows(c)
    # relu: (relu(e) - relu(-e)) / 2e = 1/2, the rule says 0; clamp at 1: 1/2 against 1
    assert got["d/dx"].analytic == 0.0 and got["d/dx"].numeric == pytest.approx(0.5)
    assert got["d/dw"].analytic == 1.0 and got["d/dw"].numeric == pytest.approx(0.5)
    assert got["d/dx"].status == got["d/dw"].status == "kink"


def test_away_from_the_kink_nothing_is_reported():
    c = agrad.check("relu(x) + abs(w) + floor(x)", {"x": 0.5, "w": -2.0})
    assert c.ok and c.status == "ok" and c.kinks == []


def test_a_kink_does_not_hide_a_mismatch_of_another_leaf():
    c = agrad.check("relu(x) + w*w", {"x": 0.0, "w": 2.0}, hooks=[("w", "g*2")])
    assert not c.ok and c.worst.name == "d/dw"
    assert rows(c)["d/dx"].status == "kink"


def test_the_kink_table_is_the_op_tables_piecewise_ops():
    assert set(kinks.KINKS) <= set(ops.TABLE)
    piecewise = {name for name, op in ops.TABLE.items()
                 if any(" if " in d or d == "0" for d in op.derivatives)}
    assert piecewise <= set(kinks.KINKS), piecewise - set(kinks.KINKS)


# -- formats ---------------------------------------------------------------------------------------

def test_json_has_a_check_object(cli):
    r = cli("eval", "relu(x) + w", "--x", "0", "--w", "2", "--check", "-F", "json")
    assert r.exit_code == 0
    check = json.loads(r.stdout)["check"]
    assert check["ok"] is True and check["status"] == "kink" and check["evaluations"] == 5
    assert (check["eps"], check["atol"], check["rtol"]) == (1e-6, 1e-5, 1e-3)
    assert check["rows"][0]["leaf"] == "x" and check["rows"][0]["status"] == "kink"
    assert check["rows"][1]["analytic"] == 1.0
    assert check["kinks"][0]["grad_fn"] == "ReluBackward0" and check["kinks"][0]["leaves"] == ["x"]


def test_the_settings_are_flags(cli):
    r = cli("eval", "x^2", "--x", "1", "--check", "--eps", "1e-3", "--atol", "0", "--rtol", "0", "-F", "json")
    check = json.loads(r.stdout)["check"]
    assert (check["eps"], check["atol"], check["rtol"]) == (1e-3, 0.0, 0.0)
    # (x+e)^2 - (x-e)^2 = 4xe exactly in reals: at eps 1e-3 the rounding is below 1e-12
    assert check["rows"][0]["numeric"] == pytest.approx(2.0, abs=1e-12)
    r = cli("eval", "x^2", "--x", "1", "--eps", "1e-3")
    assert r.exit_code == 2 and "--eps goes with --check" in r.stderr


def test_plain_and_csv(cli):
    r = cli("eval", "x*w", "--x", "2", "--w", "3", "--check", "-F", "plain")
    lines = r.stdout.splitlines()
    assert lines[0] == "6.0\t3.0\t2.0"
    fields = lines[1].split("\t")
    assert fields[:2] == ["check", "d/dx"] and float(fields[2]) == 3.0 and fields[-1] == "ok"
    assert float(fields[3]) == pytest.approx(3.0, rel=1e-9)
    r = cli("eval", "x*w", "--x", "2", "--w", "3", "--check", "-F", "csv")
    header, row = r.stdout.splitlines()
    assert header == "line,expr,value,d/dx,d/dw,check,check_worst,check_abs_err,check_rel_err"
    assert row.split(",")[:6] == ["1", "x*w", "6.0", "3.0", "2.0", "ok"]


def test_pretty_has_a_table(cli):
    r = cli("eval", "x*x", "--x", "3", "--check", "2")
    out = r.stdout
    assert r.exit_code == 0
    assert "Gradient check, second derivatives too" in out and "4 evaluations" not in out
    header = next(line for line in out.splitlines() if line.startswith("element"))
    assert header.split() == ["element", "analytic", "numeric", "abs", "err", "rel", "err", "ok"]
    assert "d2/dx dx" in out
    assert "2 of 2 elements agree" in out


def test_check_alone_is_order_1_and_check_2_is_order_2(cli):
    one = json.loads(cli("eval", "x*x", "--x", "3", "--check", "-F", "json").stdout)["check"]
    two = json.loads(cli("eval", "x*x", "--x", "3", "-F", "json", "--check", "2").stdout)["check"]
    assert (one["order"], len(one["rows"])) == (1, 1)
    assert (two["order"], len(two["rows"])) == (2, 2) and two["rows"][1]["analytic"] == 2.0
    assert two["evaluations"] == 6  # 2n+1, then the Hessian's run and 2n gradients


def test_with_jacobian_is_a_usage_error(cli):
    r = cli("eval", "v*2", "--v", "1,2", "--jacobian", "--check", "-F", "json")
    assert r.exit_code == 2 and "does not go with --jacobian" in r.stderr


# -- bounds ----------------------------------------------------------------------------------------

def test_the_number_of_evaluations_is_bounded(cli):
    with pytest.raises(agrad.LimitError, match="would take 21 evaluations"):
        agrad.check("sum(v)", {"v": list(range(10))}, max_check_evaluations=20)
    r = cli("eval", "sum(v)", "--v", "1,2,3", "--check", "--max-check-evaluations", "5")
    assert r.exit_code == 2
    assert "--check over 3 input elements would take 7 evaluations: past the limit of 5 " \
           "(--max-check-evaluations N raises it)" in r.stderr


# -- batch and API -------------------------------------------------------------------------------

def test_a_json_job_may_carry_check(cli):
    lines = "\n".join([json.dumps({"expr": "x*x", "vars": {"x": 3}, "check": 1}),
                       json.dumps({"expr": "x*x", "vars": {"x": 3}}),
                       json.dumps({"expr": "x*x", "vars": {"x": 3}, "check": 3})]) + "\n"
    r = cli("eval", "-", input=lines)
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert got[0]["check"]["ok"] is True and got[0]["check"]["rows"][0]["analytic"] == 6.0
    assert "check" not in got[1]
    assert got[2]["error"]["kind"] == "input" and '"check" must be 0, 1 or 2' in got[2]["error"]["message"]
    assert r.exit_code == 1


def test_a_batch_with_a_failing_check_fails(cli):
    r = cli("eval", "x*x", "x*3", "--x", "2", "--hook", "x=g*10", "--check", "-F", "json")
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert [g["check"]["ok"] for g in got] == [False, False]
    assert r.exit_code == 1
    r = cli("eval", "x*x", "x*3", "--x", "2", "--check", "-F", "csv")
    assert r.exit_code == 0 and r.stdout.splitlines()[0].endswith(",check,check_worst,check_abs_err,check_rel_err")
    assert [line.split(",")[4] for line in r.stdout.splitlines()[1:]] == ["ok", "ok"]


def test_a_batch_in_plain_refuses_check(cli):
    r = cli("eval", "x*x", "x*3", "--x", "2", "--check", "-F", "plain")
    assert r.exit_code == 2 and "--check gives more than one line per job" in r.stderr


def test_api_run_keeps_the_check_on_the_result():
    r = agrad.run("x*x", {"x": 3.0}, check=1)
    assert r.check.ok and r.check.result is r and r.grads == {"x": 6.0}
    assert agrad.run("x*x", {"x": 3.0}).check is None


def test_against_torch_gradcheck_live():
    torch = pytest.importorskip("torch")
    # torch's gradcheck agrees: these pass in both, and a doctored gradient fails in both
    x = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: (t.sin() * t.exp()).sum(), (x,))
    assert agrad.check("sum(sin(v) * exp(v))", {"v": [0.5, -1.5]}).ok

    def doctored(t):
        t.register_hook(lambda g: g * 10)
        return (t * t).sum()
    assert not torch.autograd.gradcheck(doctored, (x.detach().clone().requires_grad_(),), raise_exception=False)
    assert not agrad.check("sum(v*v)", {"v": [0.5, -1.5]}, hooks=[("v", "g*10")]).ok


def test_points_rows_are_checked_one_by_one(cli, tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x,w\n1,2\n0,3\n")
    r = cli("eval", "relu(x)*w", "--points", str(points), "--check", "-F", "csv")
    lines = [line.split(",") for line in r.stdout.splitlines()]
    assert lines[0][-4:] == ["check", "check_worst", "check_abs_err", "check_rel_err"]
    assert lines[1][5] == "ok"
    # at x = 0: (relu(e) - relu(-e)) * 3 / 2e = 1.5 against relu's rule, 0
    assert lines[2][5:8] == ["kink", "d/dx", "1.5"]


def test_check_takes_0_1_or_2(cli):
    r = cli("eval", "x", "--x", "1", "--check", "3")
    assert r.exit_code == 2 and "3 is not in the range 0<=x<=2" in r.stderr
    r = cli("eval", "--check", "x*2", "--x", "1", "-F", "json")  # --check alone, before the expression
    assert r.exit_code == 0 and json.loads(r.stdout)["check"]["order"] == 1


def test_a_gradient_cut_on_purpose_is_a_mismatch():
    # x * detach(x) at 3: backward gives detach(x) = 3, the function's derivative is 2x = 6
    c = agrad.check("x * detach(x)", {"x": 3.0})
    assert not c.ok and c.worst.analytic == 3.0 and c.worst.numeric == pytest.approx(6.0, rel=1e-9)
