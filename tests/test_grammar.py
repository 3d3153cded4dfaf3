"""The language: numbers, names, precedence and associativity, comments, newlines, spans."""

import math

import pytest

import agrad
from agrad.language import syntax_tree as st
from agrad.language.lark_parser import build_parser
from agrad.language.parser import parse


def test_grammar_builds_strictly_without_conflicts():
    # strict=True makes Lark fail on any shift/reduce or terminal collision.
    build_parser(strict=True)


@pytest.mark.parametrize("source, expected", [
    ("3", 3.0), ("3.5", 3.5), (".5", 0.5), ("1e-3", 1e-3), ("2.5E+4", 25000.0), ("3.", 3.0),
    ("1e400", math.inf), ("0.1 + 0.2", 0.30000000000000004),
    ("2+3*4", 14.0), ("(2+3)*4", 20.0), ("1-2-3", -4.0), ("8/4/2", 1.0), ("2*3/4", 1.5),
    ("2^3^2", 512.0), ("2**3**2", 512.0), ("2^-1", 0.5), ("-2^2", -4.0), ("(-2)^2", 4.0),
    ("2*-3", -6.0), ("--2", 2.0), ("+-+2", -2.0), ("2^-2^2", 2.0 ** -4.0), ("-2**-2", -0.25),
    ("pi", math.pi), ("e", math.e), ("2*pi", 2 * math.pi), ("e^2", math.e ** 2),
    ("1 +\n 2", 3.0), ("(1\n+\n2)", 3.0), ("1\n+ 2", 3.0), ("max(1,\n 2)", 2.0),
    ("1 + 2 # a comment", 3.0), ("# lead\n 1 + 2", 3.0), ("\t1\r\n + 2  ", 3.0),
])
def test_constant_values(source, expected):
    assert agrad.evaluate(source).value == expected


@pytest.mark.parametrize("source, x, value, grad", [
    ("-x^2", 3.0, -9.0, -6.0),  # -(x^2)
    ("x^2^-1", 4.0, 4.0 ** 0.5, 0.5 * 4.0 ** -0.5),  # right-associative, exponent may be signed
    ("-x*x", 3.0, -9.0, -6.0),
    ("2^x", 3.0, 8.0, 8.0 * math.log(2)),
    ("x/2/x", 3.0, 0.5, 0.0),
    ("+x", 3.0, 3.0, 1.0),
])
def test_precedence_through_gradients(source, x, value, grad):
    r = agrad.evaluate(source, x=x)
    assert r.value == pytest.approx(value, rel=1e-15)
    assert r.grads["x"] == pytest.approx(grad, rel=1e-15, abs=1e-300)


def test_unicode_names_and_underscores():
    r = agrad.evaluate("θ*_w2 + θ", θ=2, _w2=5)
    assert r.value == 12.0
    assert r.grads == {"θ": 6.0, "_w2": 2.0}


@pytest.mark.parametrize("text, expected", [
    ("x", True), ("_", True), ("x1", True), ("θ_1", True), ("pi", True), ("sin", True),
    ("1x", False), ("", False), ("x y", False), ("a-b", False), ("x.y", False), ("٣", False), ("é2", True),
])
def test_a_name_is_what_the_grammars_name_terminal_matches(text, expected):
    # names.is_name takes NAME's pattern from the parse table (the grammar), not a copy of it:
    # it agrees with the lexer, which reads a name as one NAME token.
    from agrad.language.names import is_name
    from agrad.language.parser import driver

    assert is_name(text) is expected
    try:
        kinds = [kind for kind, _, _ in driver().lexer.tokens(text)]
    except agrad.AgradSyntaxError:
        kinds = None
    assert (kinds == ["NAME"]) is expected


def test_statements_separated_by_semicolons_and_newlines():
    r = agrad.evaluate("a = x + w; y = a * 2\ny + 1", x=3, w=1)
    assert r.value == 9.0
    assert r.grads == {"x": 2.0, "w": 2.0}
    assert r.assigned["a"].value == 4.0 and r.assigned["a"].name == "a"


def test_ast_has_spans_and_is_independent_of_lark():
    program = parse("x + sin(w)")
    (expr,) = program.statements
    assert isinstance(expr, st.Binary) and expr.op == "add" and expr.span == (0, 10)
    assert isinstance(expr.right, st.Call) and expr.right.func == "sin"
    assert expr.right.span == (4, 10) and expr.right.name_span == (4, 7)
    assert type(expr.left).__module__ == "agrad.language.syntax_tree"


def test_vector_literals_and_indexing_parse_for_later():
    (expr,) = parse("[1, x][0]").statements
    assert isinstance(expr, st.Index) and isinstance(expr.target, st.Vector)
    assert len(expr.target.items) == 2


def test_shipped_parse_table_is_the_one_lark_builds_from_the_grammar():
    # The package ships the LALR table (parse_table.json) so start-up needs no Lark; it must be
    # regenerated (python -m agrad.language.parse_table) whenever the grammar changes.
    import json

    from agrad.language import parse_table

    with open(parse_table.TABLE_PATH, encoding="utf-8") as fh:
        shipped = json.load(fh)
    assert shipped == json.loads(json.dumps(parse_table.build()))


def test_a_changed_grammar_is_built_by_lark(monkeypatch):
    from agrad.language import parse_table

    edited = parse_table.grammar_text() + "\n// edited\n"
    monkeypatch.setattr(parse_table, "grammar_text", lambda: edited)
    table = parse_table.load()  # the shipped table's key no longer matches: Lark builds it
    assert table["grammar_sha256"] == parse_table.grammar_key(edited)
    assert table["states"] == parse_table.build()["states"]
