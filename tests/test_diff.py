"""agrad diff: the derivative as a formula, from the op table's own rules run symbolically.

The formula is checked where it matters: evaluated by agrad it gives agrad's gradient bit for
bit at random points; it equals SymPy's derivative (to 1e-12 relative, at random points) for
smooth expressions; its text is linear in the graph's size; LaTeX parses (SymPy's parser) and
the torch form runs under torch, to the same numbers."""

import json
import math
import random

import pytest

import agrad
from agrad.errors import FormulaError, LimitError, UsageError
from agrad.render import derivative

ONE_VARIABLE = [
    "sin(x)*x^2", "tanh(x)*x", "exp(sin(x))*x", "2^x", "1/x", "sqrt(x)*asin(x/4)", "y = x*x; y*y + log(y)",
    "sigmoid(x)/(1 + x^2)", "atan(x)*cosh(x) - sinh(x)^3", "log1p(x^2)*expm1(x)", "erf(x)*silu(x)",
    "hypot(x, 2)*atan2(x, 3)", "x^-0.5 + x^0.5 + x^3 + x^-1", "x^x", "sin(x)^sin(x)", "x^(1/3)",
    "tan(x) + acos(x/4) + asinh(x) + acosh(x + 4) + atanh(x/4)", "log2(x)*log10(x)", "abs(x)*x",
    "floor(x)*x + round(x)", "cos(x)/sin(x) - 3/x", "2 - x*pi + e^x", "(x + 1)*(x - 1)/(x*x + 1)",
]
TWO_VARIABLES = ["x*w + sin(x*w)/w", "atan2(x, w)", "x^w", "hypot(x, w)*exp(-w)", "tanh(x - w)^2"]


def same_bits(a: float, b: float) -> bool:
    """Equal floats, nan matching nan. (A zero's sign may differ where a + 0 was written a:
    the README's accepted IEEE change.)"""
    return a == b or (math.isnan(a) and math.isnan(b))


def points(count, names, low=-3.0, high=3.0):
    rng = random.Random(17)
    return [{n: rng.uniform(low, high) for n in names} for _ in range(count)]


@pytest.mark.parametrize("source", ONE_VARIABLE)
def test_the_formula_gives_agrads_gradient_bit_for_bit(source):
    text = agrad.diff(source, ["x"])["x"]
    for bindings in points(40, ["x"]):
        expected = agrad.evaluate(source, **bindings).grads["x"]
        got = agrad.evaluate(text, **bindings).value
        assert same_bits(got, expected), (source, text, bindings, got, expected)


@pytest.mark.parametrize("source", TWO_VARIABLES)
def test_each_variable_gets_its_formula(source):
    texts = agrad.diff(source, ["x", "w"])
    assert list(texts) == ["x", "w"]
    for bindings in points(40, ["x", "w"], 0.1, 3.0):
        grads = agrad.evaluate(source, **bindings).grads
        for name, text in texts.items():
            assert same_bits(_value(text, bindings), grads[name]), (source, name, text)


@pytest.mark.parametrize("source, order", [("x^3*sin(x)", 2), ("exp(x)*cos(x)", 2), ("tanh(x)", 2), ("x^x", 2),
                                           ("log(x)/x", 2), ("x^x", 4), ("sigmoid(x)*x", 3)])
def test_higher_orders_are_agrads_derivatives(source, order):
    text = agrad.diff(source, ["x"], order=order)["x"]
    for bindings in points(20, ["x"], 0.2, 2.5):
        # the nested backward passes (taylor=False), which the formula writes out; Taylor mode's
        # numbers can differ in the last bits
        expected = agrad.run(source, bindings, agrad.RunOptions(order=order, taylor=False)).derivatives["x"][order - 1]
        got = agrad.evaluate(text, **bindings).value
        # order 2: bit for bit; higher, some sums are added in another order than the engine's
        assert same_bits(got, expected) if order == 2 else math.isclose(got, expected, rel_tol=1e-13), \
            (source, text, got, expected)


def test_the_budget_stops_a_huge_order():
    with pytest.raises(LimitError):
        agrad.diff("x^x", "x", order=99)


# -- against SymPy ------------------------------------------------------------------------------

SMOOTH = ["sin(x)*x^2", "exp(sin(x))*x", "2^x", "1/x", "sqrt(x)*asin(x/4)", "y = x*x; y*y + log(y)",
          "atan(x)*cosh(x) - sinh(x)^3", "log(x^2 + 1)*exp(x)", "x^x", "sin(x)^sin(x)", "tanh(x)*x",
          "cos(x)/sin(x) - 3/x", "(x + 1)*(x - 1)/(x*x + 1)", "acosh(x + 4) + atanh(x/4)"]


def sympy_expression(source):
    sympy = pytest.importorskip("sympy")
    x = sympy.Symbol("x")
    names = {"x": x, "e": sympy.E, "pi": sympy.pi, "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
             "acosh": sympy.acosh, "atanh": sympy.atanh, "asinh": sympy.asinh}
    *assignments, result = [part.strip() for part in source.split(";")]
    for assignment in assignments:
        name, value = assignment.split("=")
        names[name.strip()] = sympy.sympify(value.replace("^", "**"), locals=names)
    return sympy, x, sympy.sympify(result.replace("^", "**"), locals=names)


@pytest.mark.parametrize("source", SMOOTH)
def test_the_formula_is_sympys_derivative(source):
    sympy, x, f = sympy_expression(source)
    derivative_ = sympy.diff(f, x)
    text = agrad.diff(source, ["x"])["x"]
    for bindings in points(12, ["x"], 0.15, 2.9):
        exact = float(derivative_.evalf(40, subs={x: sympy.Float(bindings["x"], 40)}))
        got = agrad.evaluate(text, **bindings).value
        assert math.isclose(got, exact, rel_tol=1e-12, abs_tol=1e-12), (source, bindings, got, exact)


def test_a_third_derivative_is_sympys():
    sympy, x, f = sympy_expression("exp(sin(x))*x")
    text = agrad.diff("exp(sin(x))*x", ["x"], order=3)["x"]
    for bindings in points(8, ["x"]):
        exact = float(sympy.diff(f, x, 3).evalf(40, subs={x: sympy.Float(bindings["x"], 40)}))
        assert math.isclose(agrad.evaluate(text, **bindings).value, exact, rel_tol=1e-11)


# -- simplified, and linear in size ---------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("x^2", "2 * x"),  # x^(2-1) is x: the rule's 1*..., ^1 gone
    ("sin(x)", "cos(x)"),  # 1 * cos(x)
    ("cos(x)", "-sin(x)"),  # the rule's g * -sin(x), g = 1
    ("-(-x)", "1"),
    ("x + 3", "1"),
    ("tanh(x)", "1 - tanh(x)^2"),  # torch's tanh_backward(1, y), written as its kernel computes it
    ("floor(x)*2 + x", "1"),  # floor's zero rule: 0 * a is 0 (the README's IEEE note)
    ("exp(x)*exp(x)", "t1 = exp(x); t2 = t1^2; t2 + t2"),  # each path's product, added as the engine adds
    ("2^x", "2^x * 0.6931471805599453"),  # log(2) folded by the kernel
])
def test_simplified_for_reading(source, expected):
    assert agrad.diff(source, "x")["x"] == expected


def chain(depth):
    return "sin(" * depth + "x" + ")" * depth


def test_a_deep_chain_gives_linear_text():
    sizes = {}
    for depth in (100, 1000):
        text = agrad.diff(chain(depth), "x")["x"]
        statements = text.count(";")
        assert depth <= statements <= 3 * depth  # each sin(...) named once, and its cos's product
        sizes[depth] = len(text)
    assert sizes[1000] / sizes[100] < 12  # ten times the depth, about ten times the text (not 2^900)
    text = agrad.diff(chain(1000), "x")["x"]
    assert same_bits(agrad.evaluate(text, x=0.7).value, agrad.evaluate(chain(1000), x=0.7).grads["x"])


def test_a_shared_sub_expression_is_named_once():
    text = agrad.diff("y = x*x + 1; y*y*y", "x")["x"]
    assert text.count("x^2 + 1") == 1


# -- what cannot be written ------------------------------------------------------------------------

@pytest.mark.parametrize("source, words", [
    ("relu(x)", "threshold_backward"),
    ("max(x, 1)", "comparison of a variable"),
    ("clamp(x, 0, 1)", "comparison of a variable"),
    ("softplus(x)", "softplus_backward"),
    ("sum([x, 2])", "vector literals"),
    ("[x, 2][0]", "indexing"),
    ("grad(x^2, x)", "grad"),
])
def test_what_cannot_be_written_is_a_clear_error(source, words):
    with pytest.raises(FormulaError, match=words):
        agrad.diff(source, "x")


def test_bad_requests():
    with pytest.raises(UsageError):
        agrad.diff("x", [])
    with pytest.raises(UsageError):
        agrad.diff("x", ["2x"])
    with pytest.raises(LimitError):
        agrad.diff("x", ["x"], order=7)
    assert agrad.diff("w*2", ["x"]) == {"x": "0"}  # not used: 0 (agrad's gradient is None)


# -- LaTeX and torch ----------------------------------------------------------------------------

def latex_value(text, x):
    pytest.importorskip("antlr4")
    from sympy.parsing.latex import parse_latex
    import sympy

    values = {sympy.Symbol("x"): x}
    *statements, result = text.split(r" \\ ")
    for statement in statements:
        name, _, body = statement.partition(" = ")
        values[parse_latex(name)] = parse_latex(body).subs(values).evalf(30)
    return float(parse_latex(result).subs(values).evalf(30))


@pytest.mark.parametrize("source", ["sin(x)*x^2", "exp(sin(x))*x", "1/x", "sqrt(x)*log(x)", "x^x",
                                    "cos(x)/sin(x) - 3/x", "y = x*x; y*y + log(y)"])
def test_latex_parses_to_the_same_numbers(source):
    text = agrad.diff(source, ["x"], fmt="latex")["x"]
    for bindings in points(5, ["x"], 0.2, 2.0):
        expected = agrad.evaluate(source, **bindings).grads["x"]
        assert math.isclose(latex_value(text, bindings["x"]), expected, rel_tol=1e-12)


@pytest.mark.parametrize("source", ONE_VARIABLE)
def test_the_torch_form_runs_under_torch(source):
    torch = pytest.importorskip("torch")
    text = agrad.diff(source, ["x"], fmt="torch")["x"]
    *statements, result = text.splitlines()
    for bindings in points(10, ["x"]):
        scope = {"torch": torch, "math": math, "x": torch.tensor(bindings["x"], dtype=torch.float64)}
        exec("\n".join(statements), scope)  # noqa: S102 - agrad's own output, the thing under test
        got = float(eval(result, scope))  # noqa: S307
        expected = agrad.evaluate(source, **bindings).grads["x"]
        assert (math.isnan(got) and math.isnan(expected)) or math.isclose(got, expected, rel_tol=1e-12,
                                                                           abs_tol=1e-300), (source, text)


# -- the command line ------------------------------------------------------------------------------

def test_cli_prints_the_formula_and_eval_reads_it(cli):
    r = cli("diff", "x^3*sin(x)", "--wrt", "x")
    assert r.exit_code == 0
    formula_text = r.stdout.strip()
    again = cli("eval", formula_text, "--x", "2", "-F", "json")
    assert json.loads(again.stdout)["value"] == agrad.evaluate("x^3*sin(x)", x=2).grads["x"]


def test_cli_several_variables_labelled_and_json(cli):
    assert cli("diff", "x*w", "--wrt", "x", "--wrt", "w").stdout == "x: w\nw: x\n"
    assert json.loads(cli("diff", "x*w", "--wrt", "x", "--wrt", "w", "--json").stdout) == {"x": "w", "w": "x"}


def test_cli_errors_have_their_exit_codes(cli):
    r = cli("diff", "relu(x)", "--wrt", "x")
    assert r.exit_code == 1 and r.stderr.startswith("agrad: diff error:") and len(r.stderr.splitlines()) == 1
    assert cli("diff", "x^", "--wrt", "x").exit_code == 2  # syntax
    assert cli("diff", "x").exit_code == 2  # no --wrt


def test_cli_batch_reads_a_program_a_line(cli):
    r = cli("diff", "-", "--wrt", "x", input="sin(x)\n\nrelu(x)\nx^2\n")
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert records[0] == {"line": 1, "diff": {"x": "cos(x)"}}
    assert records[1]["line"] == 3 and records[1]["error"]["kind"] == "diff"
    assert records[2] == {"line": 4, "diff": {"x": "2 * x"}}
    assert r.exit_code == 1  # a line failed


def test_cli_steps_say_the_chain_rule_in_the_pages_words(cli):
    lines = cli("diff", "x*w + sin(x)", "--wrt", "x", "--steps").stdout.splitlines()
    assert lines[0] == "Backward starts at the output x * w + sin(x): its gradient is ∂out/∂out = 1."
    assert "SinBackward0 multiplies it by each local derivative (the chain rule):" in lines
    assert "  ∂(sin(x))/∂(x) = cos(x), so the gradient sent to x is 1 × cos(x) = cos(x)." in lines
    assert "x is a leaf: AccumulateGrad stores its gradient, x.grad = cos(x) + w." in lines
    assert lines[-1] == "Backward is done. x.grad = cos(x) + w."


# -- random programs -------------------------------------------------------------------------------

def test_random_programs_give_agrads_gradients():
    """The fuzzer's programs (every operator and elementwise function, assignments): each one
    agrad diff writes gives agrad's gradient at a random point, bit for bit but for the README's
    two documented differences (0*a is 0 where the engine has 0*nan; a function-made constant over
    a variable is the reciprocal's product, one ulp away)."""
    from fuzzing import FUNCTIONS
    from torch_reference.generate import VARIABLES, random_expression

    written = 0
    for seed in range(150):
        rng = random.Random(seed)
        expr = random_expression(rng, rng.randint(1, 8), FUNCTIONS)
        source = f"a = {expr}\na * {random_expression(rng, 1, FUNCTIONS)}" if rng.random() < 0.2 else expr
        point = {name: rng.uniform(-2.0, 2.0) for name in VARIABLES}
        grads = {n: g for n, g in agrad.evaluate(source, **point).grads.items() if g is not None}
        if not grads:
            continue
        try:
            texts = agrad.diff(source, list(grads))
        except FormulaError:
            continue  # relu, max, clamp, softplus, ...: said, not written
        written += 1
        for name, expected in grads.items():
            got = _value(texts[name], point)
            zero_rule = math.isnan(expected) and got == 0 and any(f in source for f in ("floor", "ceil", "round",
                                                                                         "sign"))
            assert same_bits(got, expected) or zero_rule or abs(got - expected) <= math.ulp(expected), \
                (source, name, texts[name], got, expected)
    assert written >= 50


def _value(text, point):
    used = {n: v for n, v in point.items() if n in _names(text)}
    return agrad.evaluate(text, **used).value


def _names(text):
    import re

    return set(re.findall(r"[A-Za-z_]\w*", text))


# -- vectors ----------------------------------------------------------------------------------------

VECTOR_CASES = [
    ("sum(sin(v)*v)", ["v"]), ("x*sum(v^2)", ["x", "v"]), ("sum(x*v)", ["x", "v"]), ("sum(exp(v)/x)", ["x", "v"]),
    ("dot(v, w) + norm(v)", ["v", "w"]), ("sum(tanh(v - w)^2) * x", ["v", "w", "x"]), ("sum(v)", ["v"]),
    ("y = v*x; sum(y*y) + norm(y)", ["x", "v"]),
]


def formula_value(text, bindings):
    """The formula's value (a vector's as a list), computed without a backward pass."""
    used = {n: b for n, b in bindings.items() if n in _names(text)}
    return agrad.run(text, used, agrad.RunOptions(no_grad=tuple(used))).value


@pytest.mark.parametrize("source, wrt", VECTOR_CASES)
def test_vector_gradients_elementwise_and_summed(source, wrt):
    vectors = [n for n in ("v", "w") if n in wrt]
    texts = agrad.diff(source, wrt, vectors=vectors)
    rng = random.Random(3)
    for _ in range(10):
        bindings = {"v": [rng.uniform(0.2, 2) for _ in range(4)], "w": [rng.uniform(0.2, 2) for _ in range(4)],
                    "x": rng.uniform(0.2, 2)}
        bindings = {n: b for n, b in bindings.items() if n in _names(source)}
        grads = agrad.evaluate(source, **bindings).grads
        for name in wrt:
            got, expected = formula_value(texts[name], bindings), grads[name]
            if isinstance(expected, list):
                got = got if isinstance(got, list) else [got] * len(expected)  # one number for equal elements
                assert all(same_bits(a, b) for a, b in zip(got, expected)), (source, name, texts[name])
            else:
                assert same_bits(got, expected), (source, name, texts[name], got, expected)


def test_what_vectors_cannot_be_written():
    for source in ("mean(v)", "prod(v)", "max(v)"):
        with pytest.raises(FormulaError, match="not through"):
            agrad.diff(source, "v", vectors=["v"])
    assert agrad.diff("sum(v)", "v") == {"v": "1"}  # undeclared, v is a scalar: sum(v) is v


def test_statement_names_differ_from_the_sources_names():
    source = "exp(sin(x)) * t1 * sin(x)"
    text = agrad.diff(source, "x")["x"]
    assert "t1 =" not in text and "t2 =" in text
    bindings = {"x": 0.3, "t1": 1.7}
    assert same_bits(agrad.evaluate(text, **bindings).value, agrad.evaluate(source, **bindings).grads["x"])
