"""Source text to agrad's AST: Lark's LALR parse table, agrad's lexer, and a small driver.

Lark builds the LALR(1) table from grammar/agrad.lark (shipped prebuilt, see parse_table.py).
agrad drives that table itself (Driver): its lexer hands over tokens as tuples, and each
reduction calls one method of ToAST with Lark's child-filtering rules (filtered terminals
dropped, `?rule` inlined, `[optional]` as None, `_helper` rules spliced), precomputed per rule.
No parse tree is built and nothing recurses.

Speed (bench/parse.py): the table is rearranged once per process so that a token costs a list
index to find its move, the chains of unit reductions (`?expr: sum`, `?sum: product`, ...) are
folded into the gotos, and most reductions call their ToAST method directly. The moves and the
state where an error is found are Lark's own; tests/test_parser_reference.py compares both.
"""

from __future__ import annotations

import gc
import re

from . import syntax_tree as st
from .errors import AgradSyntaxError

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
    with its source span. Tokens are the lexer's `(type, text, span)` tuples."""

    def number(self, tok):
        return st.Number(float(tok[1]), tok[1], tok[2])

    def name(self, tok):
        return st.Name(tok[1], tok[2])

    def _binary(op):  # noqa: N805 - a factory used while the class body runs
        def method(self, left, tok, right):
            return st.Binary(op, left, right, (left.span[0], right.span[1]), tok[2])

        return method

    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    pow = _binary("pow")
    del _binary

    def neg(self, tok, operand):
        return st.Unary("neg", operand, (tok[2][0], operand.span[1]))

    def pos(self, tok, operand):
        return st.Unary("pos", operand, (tok[2][0], operand.span[1]))

    def group(self, lpar, expr, rpar):
        expr.span = (lpar[2][0], rpar[2][1])
        return expr

    def call(self, name, _lpar, args, rpar):
        return st.Call(name[1], args or [], (name[2][0], rpar[2][1]), name[2])

    def vector(self, lsqb, items, rsqb):
        return st.Vector(items or [], (lsqb[2][0], rsqb[2][1]))

    def index(self, target, _lsqb, idx, rsqb):
        return st.Index(target, idx, (target.span[0], rsqb[2][1]))

    def arguments(self, *items):
        return list(items[::2])  # expr, COMMA, expr, ...: not the commas

    def assign(self, name, _eq, value):
        return st.Assign(name[1], value, (name[2][0], value.span[1]), name[2])

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


def _same(value):
    """A unit rule (`?rule` with one child): the child is the value."""
    return value


def _reducer(rule: dict, symbols: list, builder: ToAST):
    """A function from the values of a rule's symbols (one argument each) to its result, with
    Lark's child filtering. `rule` is parse_table's description, `symbols` its expansion.

    Most rules keep all their children as they are, and then the function is the ToAST method
    itself; the others (filtered terminals, spliced `_helper` children, `[optional]` holes) get
    a closure that builds the children list first."""
    keep = tuple(rule["keep"])
    empty = tuple(rule["empty"])
    inline = rule["origin"].startswith("_")
    expand1 = rule["expand1"] and rule["alias"] is None
    spliced = any(kept and _is_helper(symbol) for kept, symbol in zip(keep, symbols))
    if expand1 and len(keep) == 1 and keep[0] and not empty and not spliced:
        return _same
    method = None if inline else getattr(builder, rule["alias"] or rule["origin"])
    if all(keep) and not empty and not inline and not expand1 and not spliced:
        return method

    def reduce(*values):
        children = None
        for value, kept in zip(values, keep):
            if kept:
                if type(value) is not _Splice:
                    if children is None:
                        children = _Splice()
                    children.append(value)
                elif children is None:
                    # A left-recursive `_helper` (`_x: _x "," expr`): grow its list in place, which
                    # no one else holds, so that n items cost O(n), not O(n^2).
                    children = value
                else:
                    children.extend(value)
        if children is None:
            children = _Splice()
        if empty:
            it = iter(children)
            children = [None if is_empty else next(it) for is_empty in empty]
        if inline:
            return children if type(children) is _Splice else _Splice(children)
        if expand1 and len(children) == 1:
            return children[0]
        return method(*children)

    return reduce


def _is_helper(symbol: str) -> bool:
    """A `_helper` rule, whose children are spliced into its parent's (not a `_TERMINAL`)."""
    return symbol.startswith("_") and not symbol.isupper()


def _expansions(table: dict) -> list:
    """Each rule's expansion (its symbols), read back from the table: every LR state is entered
    by one symbol, and a state that reduces a rule of n symbols is entered by its last one, the
    state before that by the one before, and so on (any path back spells the same symbols)."""
    entered_by, came_from = {}, {}
    for state, row in enumerate(table["states"]):
        for symbol, (shift, target) in row.items():
            if shift:
                entered_by[target] = symbol
                came_from.setdefault(target, state)
    expansions: list = [None] * len(table["rules"])
    for state, row in enumerate(table["states"]):
        for shift, index in row.values():
            if not shift and expansions[index] is None:
                symbols, at = [], state
                for _ in table["rules"][index]["keep"]:
                    symbols.append(entered_by[at])
                    at = came_from[at]
                expansions[index] = symbols[::-1]
    return expansions


class Driver:
    """Runs Lark's LALR table (parse_table.py) over agrad's tokens, without recursion.

    The table is rearranged once per process for speed, with the same moves:

    - `actions[kind][state]` is the move on a lookahead `kind`: a shift is the next state (an
      int), a reduction is `(size, reducer, gotos)`, an error is None.
    - A reduction's `gotos[below]` is the state after it, where `below` is the state left on top
      once its symbols are popped (a dict over the states with a goto on the rule's origin). It
      already includes the unit reductions that follow under the same lookahead (`?sum:
      product`, `?product: unary`, ... each replace the top state by `goto(below, origin)` and
      leave the value alone), so an atom climbs from `atom` to `expr` in one step, not six.
    - A reducer is a ToAST method called directly, or a closure where Lark filters children.

    A syntax error is found in the same state as Lark's own driver finds it, so its message
    (the terminals that state expects) is the same: tests/test_parser_reference.py checks it.
    """

    def __init__(self, table: dict, builder=None):
        from .lexer import Lexer

        self.lexer = Lexer(table["terminals"])
        self.start = table["start"]
        self.end = table["end"]
        self.rows = rows = table["states"]
        rules = table["rules"]
        builder = ToAST() if builder is None else builder
        reducers = [_reducer(rule, symbols, builder) for rule, symbols in zip(rules, _expansions(table))]

        # goto[symbol]: (state below, state after) for each state with a goto on symbol.
        goto: dict = {}
        for below, row in enumerate(rows):
            for symbol, (shift, target) in row.items():
                if shift and not symbol.isupper():
                    goto.setdefault(symbol, []).append((below, target))

        self.actions = {}
        kinds = {name for name, _, _ in table["terminals"]} | {s for row in rows for s in row if s.isupper()}
        for kind in sorted(kinds):
            # unit[state]: the origin of the unit rule that state reduces on this lookahead.
            unit = {}
            for state, row in enumerate(rows):
                shift, arg = row.get(kind, (1, None))
                if not shift and reducers[arg] is _same:
                    unit[state] = rules[arg]["origin"]
            gotos_of: dict = {}
            acts: list = []
            for row in rows:
                shift, arg = row.get(kind, (1, None))
                if arg is None or shift:
                    acts.append(arg)  # an error, or a shift to that state
                    continue
                origin = rules[arg]["origin"]
                if origin not in gotos_of:
                    gotos_of[origin] = gotos = {}
                    for below, target in goto.get(origin, ()):
                        while target in unit:
                            target = rows[below][unit[target]][1]
                        gotos[below] = target
                acts.append((len(rules[arg]["keep"]), reducers[arg], gotos_of[origin]))
            self.actions[kind] = acts

    def parse(self, text: str):
        actions = self.actions
        state = self.start
        states = [state]  # the LR stack; `state` is its top
        values: list = []  # the value of each symbol above the first state
        push_state = states.append
        push_value = values.append
        for token in self.lexer.tokens(text, end=True):
            acts = actions[token[0]]
            move = acts[state]
            while type(move) is not int:  # reductions, until the token shifts
                if move is None:
                    if token[0] == "$END" and state == self.end:
                        return values[-1]
                    raise _syntax_error(token, [s for s in self.rows[state] if s.isupper()], text)
                size, reduce, gotos = move
                if size == 1:
                    values[-1] = reduce(values[-1])
                elif size == 3:  # binary operators, groups: the common case spelled out
                    right = values.pop()
                    middle = values.pop()
                    values[-1] = reduce(values[-1], middle, right)
                    del states[-2:]
                elif size:
                    args = values[-size:]
                    del values[-size:]
                    push_value(reduce(*args))
                    del states[1 - size:]
                else:
                    push_value(reduce())
                    push_state(state)  # replaced just below by the goto from it
                state = gotos[states[-2]]
                states[-1] = state
                move = acts[state]
            state = move
            push_state(state)
            push_value(token)


def driver(builder=None) -> Driver:
    """The driver building agrad's AST, or with `builder` (an object with ToAST's methods) a
    driver whose reductions call that builder's methods instead; built once per builder."""
    global _TABLE
    key = None if builder is None else id(builder)
    found = _DRIVERS.get(key)
    if found is None:
        if _TABLE is None:  # read once, for every builder's driver
            from .parse_table import load

            _TABLE = load()
        found = _DRIVERS[key] = Driver(_TABLE, builder)
    return found


_DRIVERS: dict = {}
_TABLE = None  # the parse table, once read


def parse(source: str, builder=None):
    """Parse a program; raises AgradSyntaxError with a position on any malformed input. The
    result is its AST, or with `builder` what that builder's `program` method returns."""
    if _BLANK.match(source):
        what = " (the input is only a comment)" if "#" in source else ""
        raise AgradSyntaxError(f"empty expression: nothing to evaluate{what}", (0, max(1, len(source))), source)
    # Parsing makes no reference cycles (tokens are tuples, the AST a tree), so reference counting
    # frees everything; the cyclic collector would only rescan a big input's millions of tokens.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return driver(builder).parse(source)
    except AgradSyntaxError as exc:
        raise exc.with_source(source) from None
    finally:
        if collecting:
            gc.enable()


def _syntax_error(token: tuple, expected: list[str], source: str) -> AgradSyntaxError:
    expected = sorted(expected, key=_expect_order)
    words = [TOKEN_WORDS.get(name, name) for name in expected if name in TOKEN_WORDS]
    kind, _, (start, end) = token
    if kind != "$END":
        span = (start, max(start + 1, end))
        message = f"unexpected {_describe_token(token)}"
        if kind == "RPAR" and source[:start].rstrip().endswith("("):
            message += ": empty parentheses need an expression inside"
        elif kind == "EQUAL":
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


def _describe_token(token: tuple) -> str:
    kind, value, _ = token
    if kind == "NUMBER":
        return f"number {value}"
    if kind == "NAME":
        return f"name '{value}'"
    if kind == "_SEP":
        return "';'" if value == ";" else "new line"
    return f"'{value}'"


def _join(words: list[str]) -> str:
    if len(words) > 6:
        words = words[:6] + ["..."]
        return ", ".join(words)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]
