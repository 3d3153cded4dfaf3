"""--anomaly (engine/anomaly.py): the first nan stops the run, naming where it came from.

Each case says by hand which node makes the nan, by which rule, from which input values; the
backward nodes are also checked against torch.autograd.detect_anomaly's own answers, recorded in
torch_reference/anomaly_cases.json (generate_anomaly.py), and live where torch is installed."""

import json
import math
from pathlib import Path

import pytest

import agrad
from agrad.engine import watch
from agrad.errors import AnomalyError

NAN = math.nan
RECORDED = json.loads((Path(__file__).parent / "torch_reference" / "anomaly_cases.json").read_text())["cases"]


def stopped(source, bindings, **options) -> AnomalyError:
    with pytest.raises(AnomalyError) as caught:
        agrad.run(source, bindings, anomaly=True, **options)
    exc = caught.value
    assert exc.kind == "compute" and exc.exit_code == 1
    return exc


def marked(exc) -> str:
    """The source text under the caret."""
    line, carets = exc.caret().split("\n")
    start = len(carets) - len(carets.lstrip())
    return line[start:len(carets)]


# -- backward ------------------------------------------------------------------------------------

def test_sqrt_of_zero_times_zero_names_sqrt_backward():
    # forward: x - x = 0, sqrt(0) = 0, 0 * 0 = 0: nothing wrong. backward: MulBackward0 sends
    # 1 * 0 = 0 to sqrt; SqrtBackward0's rule g / (2*sqrt(x)) is 0 / 0 = nan (1/(2*sqrt(0)) = inf
    # times 0). torch: "Function 'SqrtBackward0' returned nan values in its 0th output."
    exc = stopped("sqrt(x - x) * 0", {"x": 1.0})
    assert (exc.node, exc.phase, exc.element) == ("SqrtBackward0", "backward", None)
    assert exc.rule == "x: 1/(2*sqrt(x))"
    assert exc.message == ("--anomaly: SqrtBackward0 returned nan in backward as the gradient of x: "
                           "grad * 1/(2*sqrt(x)), with grad = 0, x = 0 (here x - x)")
    assert marked(exc) == "sqrt(x - x)"


def test_a_nan_input_in_backward_is_flagged_as_torch_does():
    # x*x at x = nan: MulBackward0's rule for a is grad * b = 1 * nan = nan. torch flags it too
    # (it checks what backward nodes return, whatever made the nan).
    exc = stopped("x * x", {"x": NAN})
    assert (exc.node, exc.phase, exc.rule) == ("MulBackward0", "backward", "a: b")
    assert "with grad = 1, a = nan (here x), b = nan (here x)" in exc.message


def test_a_nan_input_that_backward_never_multiplies_is_no_anomaly():
    # x*2 at nan: the value is nan (the input's, not agrad's making) and the gradient 1 * 2 = 2.
    r = agrad.run("x * 2", {"x": NAN}, anomaly=True)
    assert math.isnan(r.value) and r.grads == {"x": 2.0}


def test_a_vector_names_the_element():
    # sum(sqrt(v) * 0) at v = [1, 0, 2]: sqrt's gradient 0 / (2*sqrt(v)) is [0, nan, 0].
    exc = stopped("sum(sqrt(v) * 0)", {"v": [1.0, 0.0, 2.0]})
    assert (exc.node, exc.element) == ("SqrtBackward0", 1)
    assert "at element 1" in exc.message and "x[1] = 0 (here v, shape [3])" in exc.message
    assert marked(exc) == "sqrt(v)"


def test_a_vector_norm_at_zero_names_the_square():
    # sqrt(sum(v^2)) at [0, 0]: SqrtBackward0 sends 1/(2*0) = inf (not nan), SumBackward0
    # spreads it, and PowBackward0's rule grad * 2*v^1 is inf * 0 = nan at element 0.
    exc = stopped("sqrt(sum(v^2))", {"v": [0.0, 0.0]})
    assert (exc.node, exc.element, exc.rule) == ("PowBackward0", 0, "x: c*x^(c-1)")
    assert "grad[0] = inf" in exc.message
    assert marked(exc) == "v^2"


# -- forward -------------------------------------------------------------------------------------

def test_log_of_a_negative_number_names_log_in_forward():
    # torch finds nothing here (log's gradient 1/x = -1 is no nan): the forward check is agrad's
    exc = stopped("log(x)", {"x": -1.0})
    assert (exc.node, exc.phase) == ("log", "forward")
    assert exc.message == "--anomaly: log (LogBackward0) gave nan in forward, from x = -1"
    assert marked(exc) == "log(x)"


def test_inf_from_finite_inputs_is_an_anomaly_in_forward():
    exc = stopped("exp(w) + x / (w - 2)", {"x": 1.0, "w": 2.0})  # 1 / 0 = inf
    assert (exc.node, exc.phase) == ("div", "forward")
    assert exc.message.endswith("from x = 1, (w - 2) = 0")  # each input as the source writes it
    assert marked(exc) == "x / (w - 2)"


def test_a_vector_in_forward_names_the_element_and_the_shape():
    exc = stopped("exp(v)", {"v": [1.0, 2.0, 1000.0]})
    assert (exc.node, exc.element) == ("exp", 2)
    assert exc.message == "--anomaly: exp (ExpBackward0) gave inf in forward at element 2, from v[2] = 1000 (shape [3])"


def test_inputs_already_nan_or_inf_are_not_agrads_making():
    # forward: nan + 1 and inf * 2 carry what came in; their gradients (1 and 2) are no nan
    r = agrad.run("x + 1 + w * 2", {"x": NAN, "w": math.inf}, anomaly=True)
    assert math.isnan(r.value) and r.grads == {"x": 1.0, "w": 2.0}
    # elementwise: v[0] is nan already, but log(-1) at element 1 is made here
    exc = stopped("log(v)", {"v": [NAN, -1.0]})
    assert exc.element == 1


def test_numbers_folded_in_forward():
    exc = stopped("x + 1/0", {"x": 1.0})
    assert (exc.node, exc.phase) == ("1/0", "forward") and exc.message.endswith("from 1, 0")


# -- higher order --------------------------------------------------------------------------------

def test_the_backward_of_a_backward():
    # x^1.5 * 0 at 0: the first derivative is 0 * 1.5 * 0^0.5 = 0 (no nan); the second runs
    # backward through that graph, where x^0.5's PowBackward0 gives 0 * 0.5 * 0^-0.5 = 0 * inf.
    r = agrad.run("x^1.5 * 0", {"x": 0.0}, anomaly=True, order=1)
    assert r.derivatives["x"] == [0.0]
    for options in ({"order": 2}, {"hessian": True}):
        exc = stopped("x^1.5 * 0", {"x": 0.0}, **options)
        assert (exc.node, exc.phase, exc.rule) == ("PowBackward0", "backward", "x: c*x^(c-1)")
        assert "a node of the gradient graph that PowBackward0's rule made" in exc.message
        assert "with grad = 0, x = 0, c = 0.5" in exc.message
        assert marked(exc) == "x^1.5"
    exc = stopped("grad(grad(x^1.5 * 0, x), x)", {"x": 0.0})
    assert exc.node == "PowBackward0" and marked(exc) == "x^1.5"


# -- against torch -------------------------------------------------------------------------------

# cases where agrad's forward check stops first, and why (torch checks backward only)
FORWARD_FIRST = {
    "log(x)": "log(-1) = nan",
    "sqrt(x) * 0": "sqrt(-1) = nan",
    "x / w": "0 / 0 = nan",
    "exp(x) * 0": "exp(1000) = inf from a finite input",
}


@pytest.mark.parametrize("case", RECORDED, ids=lambda c: f"{c['expr']} order {c['order']}")
def test_backward_nodes_as_torch_names_them(case):
    bindings = {k: (NAN if v == "nan" else v) for k, v in case["vars"].items()}
    options = {"order": 2} if case["order"] == 2 else {}
    try:
        agrad.run(case["expr"], bindings, anomaly=True, **options)
        found = None
    except AnomalyError as exc:
        found = exc
    if case["expr"] in FORWARD_FIRST:
        assert found is not None and found.phase == "forward"
    elif case["torch_node"] is None:
        assert found is None
    else:
        assert found is not None and (found.phase, found.node) == ("backward", case["torch_node"])


@pytest.mark.filterwarnings("ignore")  # detect_anomaly warns that it is on, and where the node was made
def test_live_against_torch():
    torch = pytest.importorskip("torch")
    from tests.torch_reference.generate_anomaly import PROGRAMS, torch_node  # noqa: PLC0415

    for (expr, bindings, order, fn), case in zip(PROGRAMS, RECORDED):
        assert case["expr"] == expr and torch_node(torch, fn, bindings, order) == case["torch_node"]


# -- forms ---------------------------------------------------------------------------------------

def test_without_anomaly_nothing_changes():
    r = agrad.run("sqrt(x - x) * 0", {"x": 1.0})
    assert math.isnan(r.grads["x"]) and r.value == 0.0
    assert watch.current() is None
    with pytest.raises(AnomalyError):
        agrad.run("log(x)", {"x": -1.0}, options=agrad.RunOptions(anomaly=True))
    assert watch.current() is None  # the watch ends with its run, even a failed one


def test_find_anomaly_returns_the_error():
    found = agrad.find_anomaly("sqrt(x - x) * 0", {"x": 1.0})
    assert isinstance(found, AnomalyError) and found.node == "SqrtBackward0"
    assert agrad.find_anomaly("x * 2", {"x": NAN}) is None
    with pytest.raises(agrad.UnboundVariableError):  # other errors are raised as ever
        agrad.find_anomaly("log(y)", {"x": 1.0})


def test_a_clean_run_gives_the_same_result_on_the_engine():
    plain = agrad.run("x^2 * sin(w) + exp(x/w)", {"x": 0.5, "w": 2.0})
    watched = agrad.run("x^2 * sin(w) + exp(x/w)", {"x": 0.5, "w": 2.0}, anomaly=True)
    assert type(watched).__name__ == "Result"  # the engine, not the compiled path
    assert (watched.value, watched.grads) == (plain.value, plain.grads)


def test_the_command_line(cli):
    r = cli("eval", "sqrt(x - x) * 0", "--x", "1", "--anomaly")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == ("agrad: compute error: --anomaly: SqrtBackward0 returned nan in backward as the gradient "
                        "of x: grad * 1/(2*sqrt(x)), with grad = 0, x = 0 (here x - x)\n"
                        "sqrt(x - x) * 0\n^^^^^^^^^^^\n")


@pytest.mark.parametrize("fmt", ["json", "plain", "csv", "pretty"])
def test_a_clean_expression_prints_the_same_bytes(cli, fmt):
    args = ("eval", "x*w + log(x)", "--x", "2", "--w", "3", "-F", fmt)
    plain, watched = cli(*args), cli(*args, "--anomaly")
    assert watched.exit_code == plain.exit_code == 0 and watched.stdout == plain.stdout
    traced = ("eval", "x*w + log(x)", "--x", "2", "--w", "3", "--trace", "--order", "2")
    assert cli(*traced, "--anomaly").stdout == cli(*traced).stdout  # (--trace's observer runs too)


def test_batch_json_records_carry_the_node(cli):
    lines = "\n".join([json.dumps({"expr": "log(x)", "vars": {"x": -1}, "anomaly": True}),
                       json.dumps({"expr": "log(x)", "vars": {"x": -1}}),
                       json.dumps({"expr": "sum(sqrt(v) * 0)", "vars": {"v": [1, 0]}, "anomaly": True}),
                       json.dumps({"expr": "x", "vars": {"x": 1}, "anomaly": 1})]) + "\n"
    r = cli("eval", "-", input=lines)
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert r.exit_code == 1 and len(got) == 4
    assert got[0]["error"] == {"kind": "compute", "message": "--anomaly: log (LogBackward0) gave nan in forward, "
                               "from x = -1", "column": 1, "node": "log", "phase": "forward", "element": None}
    assert math.isnan(float(got[1]["value"]))  # the next line, without "anomaly", is computed as ever
    assert got[2]["error"]["node"] == "SqrtBackward0" and got[2]["error"]["element"] == 1
    assert got[2]["error"]["rule"] == "x: 1/(2*sqrt(x))" and got[2]["error"]["column"] == 5
    assert got[3]["error"]["kind"] == "input" and '"anomaly" must be true or false' in got[3]["error"]["message"]


def test_the_flag_for_a_whole_batch_loses_no_line(cli):
    r = cli("eval", "log(x)", "x + 1", "sqrt(x) * 0", "--x", "-1", "--anomaly", "-F", "plain")
    assert r.exit_code == 1
    assert r.stdout.splitlines() == ["", "0.0\t1.0", ""]
    assert "line 1: compute error: --anomaly: log" in r.stderr and "line 3: compute error: --anomaly: sqrt" in r.stderr


def test_points_run_each_row_under_the_watch(cli, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("x\n4\n-1\n")
    r = cli("eval", "sqrt(x)", "--points", str(rows), "--anomaly", "-F", "json")
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert got[0]["value"] == 2.0 and got[0]["grads"] == {"x": 0.25}
    assert got[1]["error"]["node"] == "sqrt" and r.exit_code == 1


def test_a_hook_is_judged_when_it_runs_not_at_its_trial():
    # the hook g/(g-1) is tried once with g = 1 when it is set up (only g may appear in it): no
    # anomaly there. It runs with the real gradient: 3 gives 3/2; 1 gives 1/0 = inf, made here.
    r = agrad.run("x * 3", {"x": 2.0}, anomaly=True, hooks=[("x", "g/(g-1)")])
    assert r.grads == {"x": 1.5}
    exc = stopped("x * 1", {"x": 2.0}, hooks=[("x", "g/(g-1)")])
    assert (exc.node, exc.phase) == ("div", "forward") and exc.caret().split("\n")[0] == "g/(g-1)"


def test_check_differences_are_not_watched():
    # sqrt at 0: the check's point 0 - eps gives nan in forward, which is the check's, not the program's
    r = agrad.run("sqrt(x)", {"x": 0.0}, anomaly=True, check=1)
    assert r.grads == {"x": math.inf} and r.check.status == "kink"


def test_the_error_pickles_whole():
    import pickle

    exc = pickle.loads(pickle.dumps(stopped("sqrt(x - x) * 0", {"x": 1.0})))
    assert (exc.node, exc.phase, exc.rule, exc.span) == ("SqrtBackward0", "backward", "x: 1/(2*sqrt(x))", (0, 11))
    assert exc.caret() == "sqrt(x - x) * 0\n^^^^^^^^^^^"


def test_jacobian_float32_and_a_seed():
    # --jacobian: the pass for output 0 (seed [1, 0]) sends [0, 0] to sqrt, whose rule gives
    # 0 / (2*sqrt(0)) = nan at element 1
    exc = stopped("sqrt(v) * 0", {"v": [1.0, 0.0]}, jacobian=True)
    assert (exc.node, exc.element) == ("SqrtBackward0", 1)
    # float32: exp(89) is past float32's largest number (3.4e38; e^89 is 4.5e38), a float64 is not
    exc = stopped("exp(x)", {"x": 89.0}, dtype="float32")
    assert (exc.node, exc.phase) == ("exp", "forward")
    assert agrad.find_anomaly("exp(x)", {"x": 89.0}) is None
    # a seed with a nan: MulBackward0's rule grad * b gives nan * 0 = nan at element 1 (torch too)
    exc = stopped("v * 0", {"v": [1.0, 0.0]}, gradient=[1.0, NAN])
    assert (exc.node, exc.element, exc.rule) == ("MulBackward0", 1, "a: b")
