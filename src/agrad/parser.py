"""Source text to agrad's AST: Lark's LALR parser with agrad's lexer and an inline transformer.

The transformer is passed to the parser, so Lark builds no parse tree and nothing recurses: each
reduction builds one AST node. The parser is built once per process, on first use.
"""

from __future__ import annotations

import os
import re

from lark import Lark, Transformer, v_args
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError

from . import syntax_tree as st
from .errors import AgradError, AgradSyntaxError
from .lexer import AgradLexer

_PARSER = None
_BLANK = re.compile(r"(?:\s|#[^\n]*|;)*\Z")

# What a terminal is, in words, for error messages.
TOKEN_WORDS = {
    "NUMBER": "a number",
    "NAME": "a name",
    "POW": "'^'",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "EQUAL": "'='",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "_SEP": "';' or a new line",
    "$END": "the end of the input",
}


def grammar_path() -> str:
    from . import _grammar_location

    return _grammar_location.path()


@v_args(inline=True)
class ToAST(Transformer):
    """One method per grammar alias; each returns an AST node with its source span."""

    def number(self, tok):
        return st.Number(float(tok), str(tok), (tok.start_pos, tok.end_pos))

    def name(self, tok):
        return st.Name(str(tok), (tok.start_pos, tok.end_pos))

    def _binary(op):  # noqa: N805 - a factory used while the class body runs
        def method(self, left, _tok, right):
            return st.Binary(op, left, right, (left.span[0], right.span[1]))

        return method

    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    pow = _binary("pow")
    del _binary

    def neg(self, tok, operand):
        return st.Unary("neg", operand, (tok.start_pos, operand.span[1]))

    def pos(self, tok, operand):
        return st.Unary("pos", operand, (tok.start_pos, operand.span[1]))

    def group(self, lpar, expr, rpar):
        expr.span = (lpar.start_pos, rpar.end_pos)
        return expr

    def call(self, name, _lpar, args, rpar):
        return st.Call(str(name), args or [], (name.start_pos, rpar.end_pos), (name.start_pos, name.end_pos))

    def vector(self, lsqb, items, rsqb):
        return st.Vector(items or [], (lsqb.start_pos, rsqb.end_pos))

    def index(self, target, _lsqb, idx, rsqb):
        return st.Index(target, idx, (target.span[0], rsqb.end_pos))

    def arguments(self, *items):
        return [item for item in items if not (hasattr(item, "type") and item.type == "COMMA")]

    def assign(self, name, _eq, value):
        return st.Assign(str(name), value, (name.start_pos, value.span[1]), (name.start_pos, name.end_pos))

    def program(self, *statements):
        return st.Program(list(statements), (statements[0].span[0], statements[-1].span[1]))


def build_parser(strict: bool = False) -> Lark:
    with open(grammar_path(), encoding="utf-8") as fh:
        grammar = fh.read()
    return Lark(grammar, parser="lalr", lexer=AgradLexer, transformer=ToAST(),
                maybe_placeholders=True, strict=strict)


def parser() -> Lark:
    global _PARSER
    if _PARSER is None:
        _PARSER = build_parser()
    return _PARSER


def parse(source: str) -> st.Program:
    """Parse a program; raises AgradSyntaxError with a position on any malformed input."""
    if _BLANK.match(source):
        what = " (the input is only a comment)" if "#" in source else ""
        raise AgradSyntaxError(f"empty expression: nothing to evaluate{what}", (0, max(1, len(source))), source)
    try:
        return parser().parse(source)
    except AgradError as exc:
        raise exc.with_source(source) from None
    except VisitError as exc:  # an error raised inside a transformer method
        orig = exc.orig_exc
        if isinstance(orig, AgradError):
            raise orig.with_source(source) from None
        raise
    except UnexpectedInput as exc:
        raise _syntax_error(exc, source) from None


def _syntax_error(exc: UnexpectedInput, source: str) -> AgradSyntaxError:
    token = getattr(exc, "token", None)
    expected = sorted(getattr(exc, "expected", ()) or (), key=_expect_order)
    words = [TOKEN_WORDS.get(name, name) for name in expected if name in TOKEN_WORDS]
    if isinstance(exc, UnexpectedToken) and token is not None and token.type != "$END":
        start = token.start_pos
        span = (start, max(start + 1, token.end_pos or start + 1))
        what = _describe_token(token)
        message = f"unexpected {what}"
        if token.type == "RPAR" and source[:start].rstrip().endswith("("):
            message += ": empty parentheses need an expression inside"
        elif token.type == "EQUAL":
            message += ": an assignment is 'name = expression', one per statement"
    else:
        span = (len(source), len(source) + 1)
        message = "unexpected end of input"
        unclosed = source.count("(") - source.count(")")
        if unclosed > 0:
            message += f": {unclosed} '(' not closed" if unclosed > 1 else ": a '(' is not closed"
        elif source.count("[") > source.count("]"):
            message += ": a '[' is not closed"
        else:
            message += ": the expression is incomplete"
    if words:
        message += f" (expected, for example, {_join(words)})"
    return AgradSyntaxError(message, span, source)


def _expect_order(name: str) -> tuple:
    order = list(TOKEN_WORDS)
    return (order.index(name) if name in order else len(order), name)


def _describe_token(token) -> str:
    if token.type == "NUMBER":
        return f"number {token}"
    if token.type == "NAME":
        return f"name '{token}'"
    if token.type == "_SEP":
        return "';'" if token == ";" else "new line"
    return f"'{token}'"


def _join(words: list[str]) -> str:
    if len(words) > 6:
        words = words[:6] + ["..."]
        return ", ".join(words)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]
