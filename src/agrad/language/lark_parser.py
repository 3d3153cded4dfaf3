"""Lark's own LALR parser for grammar/agrad.lark, and the table it builds, as data.

The only module that imports Lark. agrad does not parse with it at run time: the table it builds
is shipped as parse_table.json (parse_table.py) and run by agrad's driver (parser.py). Lark is
needed to build that table (python -m agrad.language.parse_table, or at start-up when the grammar
was edited since), and by the tests, which check agrad's driver against Lark's parser and build
the grammar strictly.
"""

from __future__ import annotations

from agrad.language.lexer import Lexer


def build_parser(strict: bool = False, text: str | None = None):
    """The Lark LALR parser for the grammar, or for `text` (strict=True fails on any conflict
    or collision)."""
    from lark import Lark

    if text is None:
        from agrad.language import grammar_file

        text = grammar_file.text()
    return Lark(text, parser="lalr", lexer=lark_lexer_class(), maybe_placeholders=True, strict=strict)


def table_of(text: str) -> dict:
    """The table Lark builds for the grammar `text`, as data: states (symbol -> [1, next state]
    for a shift or [0, rule index] for a reduce), for each rule what its reduction keeps (Lark's
    child-filtering rules) and which ToAST method it calls, and the terminals for the lexer."""
    from lark.parsers.lalr_analysis import Shift

    lark = build_parser(text=text)
    table = lark.parser.parser.parser.parse_table
    # Lark numbers states in an order that changes from run to run (set iteration); number them
    # canonically instead, breadth-first from the start state, symbols in sorted order, so the
    # shipped file is the same whenever the grammar is.
    start = table.start_states["start"]
    number = {start: 0}
    queue = [start]
    for state in queue:
        for symbol in sorted(map(str, table.states[state])):
            action, arg = _action(table.states[state], symbol)
            if action is Shift and arg not in number:
                number[arg] = len(number)
                queue.append(arg)
    rules: list = []
    index: dict = {}
    states = []
    for state in queue:
        row = {}
        for symbol in sorted(map(str, table.states[state])):
            action, arg = _action(table.states[state], symbol)
            if action is Shift:
                row[symbol] = [1, number[arg]]
                continue
            if arg not in index:
                index[arg] = len(rules)
                rules.append({
                    "origin": str(arg.origin.name),
                    "alias": None if arg.alias is None else str(arg.alias),
                    "keep": [not getattr(sym, "filter_out", False) for sym in arg.expansion],
                    "empty": list(arg.options.empty_indices),
                    "expand1": bool(arg.options.expand1),
                })
            row[symbol] = [0, index[arg]]
        states.append(row)
    return {"start": 0, "end": number[table.end_states["start"]], "rules": rules, "states": states,
            "terminals": sorted(list(t) for t in terminals_of(lark.terminals))}


def _action(row: dict, symbol: str):
    for key, value in row.items():
        if str(key) == symbol:
            return value
    raise KeyError(symbol)


def terminals_of(lark_terminals) -> list:
    """The grammar's terminals as (name, "str" or "re", pattern), from Lark's TerminalDefs."""
    out = []
    for term in lark_terminals:
        pattern = term.pattern
        out.append((term.name, "str" if pattern.type == "str" else "re",
                    pattern.value if pattern.type == "str" else pattern.to_regexp()))
    return out


def lark_lexer_class():
    """agrad's lexer behind Lark's Lexer interface, for building the parser with Lark."""
    from lark.lexer import Lexer as LarkLexer
    from lark.lexer import Token

    class AgradLexer(LarkLexer):
        __future_interface__ = 0

        def __init__(self, lexer_conf):
            self.lexer = Lexer(terminals_of(lexer_conf.terminals))

        def lex(self, text: str):
            for kind, value, (start, end) in self.lexer.tokens(text):
                yield Token(kind, value, start, end_pos=end)

    return AgradLexer
