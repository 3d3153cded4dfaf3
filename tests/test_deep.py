"""No recursion from source text to gradients: 100,000-deep nesting and 100,000-term sums."""

import math

import agrad

N = 100_000


def test_deeply_nested_parentheses():
    r = agrad.evaluate("(" * N + "x" + ")" * N, x=0.5)
    assert r.value == 0.5 and r.grads == {"x": 1.0}


def test_deep_chain_of_functions():
    r = agrad.evaluate("sin(" * N + "x" + ")" * N, x=0.5)
    # Check against the same chain computed directly.
    v, d = 0.5, 1.0
    for _ in range(N):
        d *= math.cos(v)
        v = math.sin(v)
    assert math.isclose(r.value, v, rel_tol=1e-9) and math.isclose(r.grads["x"], d, rel_tol=1e-6)


def test_deep_unary_minus_and_power_tower():
    assert agrad.evaluate("-" * N + "x", x=2.0).grads["x"] == 1.0
    r = agrad.evaluate("x" + "^1" * N, x=3.0)
    assert r.value == 3.0 and r.grads["x"] == 1.0


def test_wide_sum():
    r = agrad.evaluate("+".join(["x"] * N) + " + w", x=1.5, w=2.0)
    assert r.value == 1.5 * N + 2.0
    assert r.grads == {"x": float(N), "w": 1.0}


def test_deep_expression_through_the_cli(cli):
    result = cli("eval", "(" * N + "x*w" + ")" * N, "--x", "3", "--w", "2", "--format", "json")
    assert result.exit_code == 0
    assert '"grads": {"x": 2.0, "w": 3.0}' in result.stdout
    pretty = cli("eval", "sin(" * 2000 + "x" + ")" * 2000, "--x", "1")
    assert pretty.exit_code == 0 and "more nodes not drawn" in pretty.stdout


def test_long_lists_parse_in_linear_time():
    # `[a, b, ...]` and `a; b; ...` grow through left-recursive `_helper` rules; their lists are
    # extended in place (parser._reducer), where copying them made 40,000 items take 30 s.
    from agrad.language.parser import parse

    (vector,) = parse("[" + ", ".join(str(i) for i in range(N)) + "]").statements
    assert [item.value for item in vector.items] == [float(i) for i in range(N)]
    assert vector.items[-1].span == (vector.span[1] - 1 - len(str(N - 1)), vector.span[1] - 1)
    program = parse("; ".join(f"a{i} = {i}" for i in range(N)))
    assert [s.name for s in program.statements] == [f"a{i}" for i in range(N)]
