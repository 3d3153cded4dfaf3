"""Source text to agrad's AST: Lark's LALR parse table, agrad's lexer, and a small driver.

Lark builds the LALR(1) table from grammar/agrad.lark (shipped prebuilt, see parse_table.py).
agrad drives that table itself: its lexer hands over light tokens, and each reduction calls one
method of ToAST with Lark's child-filtering rules (filtered terminals dropped, `?rule` inlined,
`[optional]` as None, `_helper` rules spliced), precomputed per rule. No parse tree is built and
nothing recurses.
"""

from __future__ import annotations

import itertools
import re

from . import syntax_tree as st
from .errors import AgradSyntaxError
from .lexer import Tok

_DRIVER = None
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


class ToAST:
    """One method per grammar alias (and per rule name without one); each returns an AST node
    with its source span."""

    def number(self, tok):
        return st.Number(float(tok.value), tok.value, (tok.start_pos, tok.end_pos))

    def name(self, tok):
        return st.Name(tok.value, (tok.start_pos, tok.end_pos))

    def _binary(op):  # noqa: N805 - a factory used while the class body runs
        def method(self, left, tok, right):
            return st.Binary(op, left, right, (left.span[0], right.span[1]), (tok.start_pos, tok.end_pos))

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
        return st.Call(name.value, args or [], (name.start_pos, rpar.end_pos), (name.start_pos, name.end_pos))

    def vector(self, lsqb, items, rsqb):
        return st.Vector(items or [], (lsqb.start_pos, rsqb.end_pos))

    def index(self, target, _lsqb, idx, rsqb):
        return st.Index(target, idx, (target.span[0], rsqb.end_pos))

    def arguments(self, *items):
        return [item for item in items if type(item) is not Tok]

    def assign(self, name, _eq, value):
        return st.Assign(name.value, value, (name.start_pos, value.span[1]), (name.start_pos, name.end_pos))

    def program(self, *statements):
        return st.Program(list(statements), (statements[0].span[0], statements[-1].span[1]))


def build_parser(strict: bool = False):
    """The Lark LALR parser for the grammar (strict=True fails on any conflict or collision)."""
    from lark import Lark

    from .lexer import lark_lexer_class

    with open(grammar_path(), encoding="utf-8") as fh:
        grammar = fh.read()
    return Lark(grammar, parser="lalr", lexer=lark_lexer_class(), maybe_placeholders=True, strict=strict)


class _Splice(list):
    """The children of a `_helper` rule (Lark's `x*`, `x+` expansions), spliced into the parent."""

    __slots__ = ()


def _reducer(rule: dict, builder: ToAST):
    """A function from the values of a rule's symbols to its result, or None where the rule just
    passes its only child up (`?rule` with one child). `rule` is parse_table's description."""
    keep = tuple(rule["keep"])
    empty = tuple(rule["empty"])
    inline = rule["origin"].startswith("_")
    expand1 = rule["expand1"] and rule["alias"] is None
    if expand1 and len(keep) == 1 and keep[0] and not empty:
        return None
    method = None if inline else getattr(builder, rule["alias"] or rule["origin"])

    def reduce(values):
        children = []
        for value, kept in zip(values, keep):
            if kept:
                if type(value) is _Splice:
                    children.extend(value)
                else:
                    children.append(value)
        if empty:
            it = iter(children)
            children = [None if is_empty else next(it) for is_empty in empty]
        if inline:
            return _Splice(children)
        if expand1 and len(children) == 1:
            return children[0]
        return method(*children)

    return reduce


class Driver:
    """Runs Lark's LALR table (parse_table.py) over agrad's tokens."""

    def __init__(self, table: dict):
        from .lexer import Lexer

        self.lexer = Lexer(table["terminals"])
        self.start = table["start"]
        self.end = table["end"]
        builder = ToAST()
        rules = [(r["origin"], len(r["keep"]), _reducer(r, builder)) for r in table["rules"]]
        self.actions = []
        for row in table["states"]:
            acts = {}
            for symbol, (shift, arg) in row.items():
                acts[symbol] = (True, arg, 0, None) if shift else (False,) + rules[arg]
            self.actions.append(acts)

    def parse(self, text: str):
        actions = self.actions
        states = [self.start]
        values: list = []
        end_token = Tok("$END", "", len(text), len(text))
        for tok in itertools.chain(self.lexer.tokens(text), (end_token,)):
            kind = tok.type
            while True:
                row = actions[states[-1]]
                try:
                    shift, target, size, reduce = row[kind]
                except KeyError:
                    raise _syntax_error(tok, [s for s in row if s.isupper()], text) from None
                if shift:
                    states.append(target)
                    values.append(tok)
                    break
                if reduce is None:  # a unit rule: its one child becomes its value
                    del states[-1]
                else:
                    if size:
                        args = values[-size:]
                        del values[-size:]
                        del states[-size:]
                    else:
                        args = []
                    values.append(reduce(args))
                states.append(actions[states[-1]][target][1])
                if kind == "$END" and states[-1] == self.end:
                    return values[-1]


def driver() -> Driver:
    global _DRIVER
    if _DRIVER is None:
        from .parse_table import load

        _DRIVER = Driver(load())
    return _DRIVER


def parse(source: str) -> st.Program:
    """Parse a program; raises AgradSyntaxError with a position on any malformed input."""
    if _BLANK.match(source):
        what = " (the input is only a comment)" if "#" in source else ""
        raise AgradSyntaxError(f"empty expression: nothing to evaluate{what}", (0, max(1, len(source))), source)
    try:
        return driver().parse(source)
    except AgradSyntaxError as exc:
        raise exc.with_source(source) from None


def _syntax_error(token: Tok, expected: list[str], source: str) -> AgradSyntaxError:
    expected = sorted(expected, key=_expect_order)
    words = [TOKEN_WORDS.get(name, name) for name in expected if name in TOKEN_WORDS]
    if token.type != "$END":
        start = token.start_pos
        span = (start, max(start + 1, token.end_pos))
        message = f"unexpected {_describe_token(token)}"
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
        return f"number {token.value}"
    if token.type == "NAME":
        return f"name '{token.value}'"
    if token.type == "_SEP":
        return "';'" if token.value == ";" else "new line"
    return f"'{token.value}'"


def _join(words: list[str]) -> str:
    if len(words) > 6:
        words = words[:6] + ["..."]
        return ", ".join(words)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]
