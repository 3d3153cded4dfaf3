"""agrad's table driver (parser.Driver) against Lark's own LALR parser on the same grammar.

The driver rearranges Lark's table for speed (unit reductions folded into the gotos, reducers
specialized per rule, tokens as tuples); Lark's parser, with its own tree building, is the
reference: for any text, both give the same AST (every node, field and span), or the same error
(message and span), found at the same token in the same state. Texts: soups of tokens, valid or
not, and generated programs that the grammar accepts.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as hs

import fuzzing
from agrad.language import lark_parser, parser
from agrad.errors import AgradSyntaxError

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.lru_cache(maxsize=None)
def _lark():
    return lark_parser.build_parser()


def _token(lark_token) -> tuple:
    return (lark_token.type, str(lark_token.value), (lark_token.start_pos, lark_token.end_pos))


def _ast_from_lark_tree(tree):
    """Lark's parse tree through ToAST, bottom-up with an explicit stack."""
    from lark import Token, Tree

    builder = parser.ToAST()
    done: dict = {}
    stack = [tree]
    while stack:
        node = stack[-1]
        pending = [kid for kid in node.children if isinstance(kid, Tree) and id(kid) not in done]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        kids = [done[id(kid)] if isinstance(kid, Tree) else _token(kid) if isinstance(kid, Token) else kid
                for kid in node.children]
        done[id(node)] = getattr(builder, node.data)(*kids)
    return done[id(tree)]


def _outcome(parse, text: str):
    """What parsing text gives: the AST as its repr (every field, spans included), or the
    error's kind, message and span."""
    try:
        return ("ast", repr(parse(text)))
    except AgradSyntaxError as exc:
        return ("error", exc.kind, exc.exit_code, exc.message, exc.span)


def _lark_parse(text: str):
    from lark.exceptions import UnexpectedToken

    try:
        tree = _lark().parse(text)
    except UnexpectedToken as exc:
        raise parser._syntax_error(_token(exc.token), list(exc.expected), text) from None
    return _ast_from_lark_tree(tree)


def same_as_lark(text: str) -> None:
    ours = _outcome(parser.driver().parse, text)
    assert ours == _outcome(_lark_parse, text), text


# -- texts ------------------------------------------------------------------------------------

GRAMMAR_TOKENS = ["x", "w", "sin", "max", "f", "1", "2.5", ".5", "1e3", "+", "-", "*", "/", "^", "**",
                  "(", ")", "[", "]", ",", ";", "=", "\n", " ", "#c\n"]
soups = hs.one_of(
    hs.lists(hs.sampled_from(fuzzing.TOKENS), max_size=30).map("".join),
    hs.lists(hs.sampled_from(GRAMMAR_TOKENS), max_size=40).map("".join),
)

blank = hs.sampled_from(["", "", " ", "  ", "\t"])
names = hs.sampled_from(["x", "w", "θ", "_b", "sin", "max", "pi"])
numbers = hs.sampled_from(["0", "1", "2.5", ".5", "3.", "1e3", "2.5E-2", "1e400"])


def _spaced(*parts):
    return hs.tuples(*[hs.just(p) if isinstance(p, str) else p for p in parts], blank).map("".join)


def _chain(operand, operators):
    return hs.tuples(operand, hs.lists(hs.tuples(hs.sampled_from(operators), operand), max_size=2)).map(
        lambda t: t[0] + "".join(op + rhs for op, rhs in t[1]))


def _sums(expr):
    """Sums over the grammar's levels, with `expr` inside brackets and arguments."""
    arguments = hs.lists(expr, max_size=3).map(", ".join)
    atoms = hs.one_of(
        numbers, names,
        hs.tuples(names, blank, arguments).map(lambda t: f"{t[0]}{t[1]}({t[2]})"),
        hs.tuples(blank, expr, blank).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        arguments.map(lambda a: f"[{a}]"),
    )
    postfixes = hs.tuples(atoms, hs.lists(expr, max_size=2)).map(lambda t: t[0] + "".join(f"[{i}]" for i in t[1]))
    signs = hs.lists(hs.sampled_from(["-", "+", "- "]), max_size=2).map("".join)
    unaries = hs.tuples(signs, postfixes, hs.lists(hs.tuples(
        hs.sampled_from(["^", "**", " ^ ", "\n**"]), signs, postfixes), max_size=2)).map(
        lambda t: t[0] + t[1] + "".join("".join(p) for p in t[2]))
    products = _chain(unaries, ["*", "/", " * ", " /\n"])
    return _chain(products, ["+", "-", " + ", " -\n", "\n- "])


expr = hs.recursive(hs.one_of(numbers, names), _sums, max_leaves=12)
statements = hs.one_of(expr, hs.tuples(names, hs.sampled_from(["=", " = "]), expr).map("".join))
separators = hs.sampled_from([";", " ; ", "\n", "\n\n", ";\n", " # note\n"])
programs = hs.tuples(
    hs.sampled_from(["", "\n", ";", "# lead\n"]),
    hs.lists(hs.tuples(statements, separators), min_size=1, max_size=4),
    hs.sampled_from(["", "\n", ";", " # tail"]),
).map(lambda t: t[0] + "".join(s + sep for s, sep in t[1])[:-len(t[1][-1][1])] + t[2])


# -- properties ---------------------------------------------------------------------------------

@FAST
@given(soups)
@example("")
@example("x +")
@example("sin(")
@example("(()")
@example("x\n2y")
@example("1e")
@example("x $ (")
def test_any_token_soup_parses_or_fails_exactly_as_with_lark(text):
    same_as_lark(text)


@FAST
@given(programs)
def test_generated_programs_parse_to_the_same_ast_as_with_lark(text):
    assert _outcome(parser.driver().parse, text)[0] == "ast", text
    same_as_lark(text)


@pytest.mark.parametrize("text", [
    "2^-x^2", "-x**-2", "a = [1, 2][0]; b = max(a, 2)\nf(b)", "((x))", "x[0][1]", "+-+x", "sin()",
    "[]", "max(1,\n 2)", "1 +\n 2", "x = 1\n\ny", "a=1;;b=2;", ";\nx\n;",
])
def test_known_programs_parse_as_with_lark(text):
    same_as_lark(text)


# -- the short route's assumptions ----------------------------------------------------------------

def test_a_number_followed_by_a_name_is_a_syntax_error_in_every_state():
    """Driver.parse_short sees `2x` (the lexer's error) as NUMBER NAME: the grammar must never
    accept a name right after a number, so that this is a syntax error there, and so the full
    route's turn."""
    from agrad.language.parse_table import load

    rows = load()["states"]
    after_number = {target for row in rows for symbol, (shift, target) in row.items() if shift and symbol == "NUMBER"}
    assert after_number and all("NAME" not in rows[state] for state in after_number)


def test_only_numbers_start_with_a_digit_or_a_point():
    """The short route takes a new text of two or more characters that starts with a digit or
    '.' for a NUMBER without asking the lexer: no other terminal has such a text."""
    import re

    import interegular

    from agrad.language.parse_table import load

    starting = interegular.parse_pattern(r"[0-9.].+").to_fsm()
    for name, kind, pattern in load()["terminals"]:
        fsm = interegular.parse_pattern(re.escape(pattern) if kind == "str" else pattern).to_fsm()
        assert fsm.intersection(starting).empty() == (name != "NUMBER"), name


@FAST
@given(soups)
@example("x**2 ***3 ^-.5e-3 θ_1 1.5.3 2x 1e ٣ é")
def test_the_texts_of_a_text_are_its_tokens(text):
    """Lexer.texts (one findall) gives the texts of Lexer.tokens, and kind() their types, for a
    text without newlines, comments or characters that start no token; other texts show one
    text that kind() calls None."""
    lexer = parser.driver().lexer
    texts = lexer.texts(text)
    kinds = [lexer.kind(t) for t in texts]
    try:
        tokens = list(lexer.tokens(text))
    except AgradSyntaxError:
        tokens = None
    if "\n" in text or "#" in text:
        assert None in kinds
    elif tokens is not None:
        assert (texts, kinds) == ([t[1] for t in tokens], [t[0] for t in tokens])
    else:  # the lexer's error: a character that starts no token, or a number glued to a name
        assert None in kinds or ("NUMBER", "NAME") in zip(kinds, kinds[1:])


def test_the_short_routes_text_cache_keeps_only_short_texts():
    from agrad.compiled import builder, tape as tapes
    from agrad.language.parser import driver

    long_name = "v" * 100
    tape = builder.compile_source(f"{long_name} * 2 + w")
    assert [name for slot, name in tape.variables] == [long_name, "w"]
    assert tapes.run(tape, {long_name: 3.0, "w": 1.0}) == (7.0, {long_name: 2.0, "w": 1.0})
    by_text = driver(builder._TO_TAPE).by_text
    assert "w" in by_text and long_name not in by_text
