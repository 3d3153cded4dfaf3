"""The LALR(1) table for grammar/agrad.lark, as plain JSON data shipped with the package.

Lark builds the table from the grammar; building it costs a fresh process a couple of hundred
milliseconds (importing Lark included), so the table is generated once and shipped as
parse_table.json, keyed by the grammar's SHA-256. When the grammar changes (an editable install
being developed) and the key no longer matches, the table is built with Lark at start-up as
before. tests/test_grammar.py checks that the shipped table is the one Lark builds now.

Regenerate after editing the grammar:  python -m agrad.language.parse_table
"""

from __future__ import annotations

import json
import os

# CPython's own SHA-256 gives hashlib's digest without loading OpenSSL, which hashlib does at
# import (about 3 ms of every start-up); the module is _sha2 from Python 3.12, _sha256 before.
try:
    from _sha2 import sha256
except ImportError:
    try:
        from _sha256 import sha256
    except ImportError:
        from hashlib import sha256

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE_PATH = os.path.join(HERE, "parse_table.json")


def grammar_text() -> str:
    from agrad.language.grammar_file import path

    with open(path(), encoding="utf-8") as fh:
        return fh.read()


def grammar_key(text: str) -> str:
    return sha256(text.encode("utf-8")).hexdigest()


def build(text: str | None = None) -> dict:
    """The table as data, built by Lark: states (symbol -> [1, next state] for a shift or
    [0, rule index] for a reduce), and for each rule what its reduction keeps (Lark's
    child-filtering rules) and which ToAST method it calls."""
    from lark.parsers.lalr_analysis import Shift

    from agrad.language.lexer import terminals_of
    from agrad.language.parser import build_parser

    text = grammar_text() if text is None else text
    lark = build_parser()
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
    return {"grammar_sha256": grammar_key(text), "start": 0, "end": number[table.end_states["start"]],
            "rules": rules, "states": states,
            "terminals": sorted(list(t) for t in terminals_of(lark.terminals))}


def _action(row: dict, symbol: str):
    for key, value in row.items():
        if str(key) == symbol:
            return value
    raise KeyError(symbol)


def load() -> dict:
    """The shipped table when it belongs to the grammar as it is now; else a fresh build."""
    text = grammar_text()
    try:
        with open(TABLE_PATH, encoding="utf-8") as fh:
            data = json.load(fh)
        if data.get("grammar_sha256") == grammar_key(text):
            return data
    except (OSError, ValueError):
        pass
    return build(text)


def write() -> None:
    with open(TABLE_PATH, "w", encoding="utf-8") as fh:
        json.dump(build(), fh, separators=(",", ":"), sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    write()
    print(f"wrote {TABLE_PATH}")
