"""The LALR(1) table for grammar/agrad.lark, as plain JSON data shipped with the package.

Lark builds the table from the grammar (lark_parser.py); building it costs a fresh process a
couple of hundred milliseconds (importing Lark included), so the table is generated once and
shipped as parse_table.json, keyed by the grammar's SHA-256. When the grammar changes (an editable install
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
    from agrad.language import grammar_file

    return grammar_file.text()


def grammar_key(text: str) -> str:
    return sha256(text.encode("utf-8")).hexdigest()


def build(text: str | None = None) -> dict:
    """The table Lark builds from the grammar (lark_parser.table_of), keyed by the grammar's
    SHA-256."""
    from agrad.language.lark_parser import table_of

    text = grammar_text() if text is None else text
    return {"grammar_sha256": grammar_key(text), **table_of(text)}


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


def table() -> dict:
    """The table, read once per process: the parser's driver runs it, and names.is_name takes
    the grammar's NAME pattern from its terminals."""
    global _TABLE
    if _TABLE is None:
        _TABLE = load()
    return _TABLE


_TABLE = None


def write() -> None:
    with open(TABLE_PATH, "w", encoding="utf-8") as fh:
        json.dump(build(), fh, separators=(",", ":"), sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    write()
    print(f"wrote {TABLE_PATH}")
