"""agrad's lexer: one compiled regular expression built from the grammar's terminals.

It scans with a single `re` alternation (Lark accepts it as a lexer class too, see
lark_parser.lark_lexer_class), and it decides which newlines end a statement: a newline outside
brackets, after a token that can end an operand and before one that can start an operand, is a
separator; every other newline is whitespace, so an expression may run over several lines.

A token is a plain tuple `(type, text, span)`, span being `(start, end)` offsets: the parser's
driver (parser.py) and the AST take them as they are, and a tuple is the cheapest object Python
makes. Blanks are not tokens at all: the regex has no alternative for them, so `finditer` skips
them in C, and its last alternative (`_ERR`) is any other character, so nothing else is skipped.
Text without a newline takes a shorter loop, since newlines are all the bookkeeping is for.

For a short text, texts() gives just the tokens' texts, all at once, from one `findall` of the
same alternatives (a few times cheaper than the tokens), and kind() the type of one text; the
driver's short route (Driver.parse_short) reads these, and leaves any text they do not describe
exactly (a newline, a comment, a bad character, a number glued to a name) to tokens().
"""

from __future__ import annotations

import re

from agrad.errors import AgradSyntaxError

# Look-alike characters people paste from documents, and what they probably meant.
CONFUSABLES = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u00d7": "*",  # multiplication sign
    "\u22c5": "*",  # dot operator
    "\u00b7": "*",  # middle dot
    "\u2217": "*",  # asterisk operator
    "\u00f7": "/",  # division sign
    "\u2215": "/",  # division slash
    "\uff08": "(",
    "\uff09": ")",
    "\uff0c": ",",
    "\u221a": "sqrt(...)",  # square root, as written on paper
}

_ENDS_OPERAND = frozenset(("NUMBER", "NAME", "RPAR", "RSQB"))
_STARTS_OPERAND = frozenset(("NUMBER", "NAME", "LPAR", "LSQB"))
_OPENERS = frozenset(("LPAR", "LSQB"))
_CLOSERS = frozenset(("RPAR", "RSQB"))


def describe_char(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return f"'{ch}' (U+{ord(ch):04X})" if ord(ch) > 127 else f"'{ch}'"
    return f"U+{ord(ch):04X}"


class Lexer:
    """Scans the whole text with one regex; see the module docstring for newlines.

    `terminals` are the grammar's: (name, "str" or "re", pattern), as parse_table.py records them.
    """

    def __init__(self, terminals):
        strings = [(name, value) for name, kind, value in terminals if kind == "str"]
        regexps = [(name, value) for name, kind, value in terminals if kind != "str"]
        # Longer literal strings first, so "**" wins over "*"; then the one-character ones as one
        # character class (_CHAR, its terminal looked up in self.chars): faster for `re` than an
        # alternative each.
        strings.sort(key=lambda item: -len(item[1]))
        self.chars = {value: name for name, value in strings if len(value) == 1}
        # Punctuation is most of the tokens, so it is tried before NUMBER and NAME, which never
        # start with it; the patterns that can (POW's "**", the longer literals) come first.
        early = [(name, regexp) for name, regexp in regexps if any(re.match(regexp, c * 2) for c in self.chars)]
        parts = [f"(?P<{name}>{re.escape(value)})" for name, value in strings if len(value) > 1]
        parts += [f"(?P<{name}>{regexp})" for name, regexp in early]
        if self.chars:
            parts.append("(?P<_CHAR>[" + "".join(re.escape(c) for c in self.chars) + "])")
        parts += [f"(?P<{name}>{regexp})" for name, regexp in regexps if (name, regexp) not in early]
        # No alternative for blanks (finditer skips them); _ERR is every other character.
        error = r"(?P<_ERR>[^ \t\r\f\v])"
        self.regex = re.compile("|".join(parts + [r"(?P<_NL>\n)", r"(?P<_COMMENT>#[^\n]*)", error]), re.DOTALL)
        # texts(): the same alternatives in one capture group, so that findall returns the texts,
        # after the blanks before them (matched there, rather than failed at, one by one).
        # Without _NL and _COMMENT, a newline and a comment's '#' are _ERR characters there.
        self.texts_regex = re.compile(
            r"[ \t\r\f\v]*(" + "|".join(re.sub(r"^\(\?P<\w+>", "(?:", part) for part in parts + [error]) + ")",
            re.DOTALL)
        # The terminals whose matches become tokens as they are.
        self.plain = frozenset(name for name, _, _ in terminals) - {"NUMBER"} - set(self.chars.values())

    def texts(self, text: str) -> list:
        """The texts of the tokens of `text`, in one call (findall), for a short text: no
        kinds, no spans, no newline rules. A newline, a comment's '#' and any character no
        token starts with come out as texts of their own, for which kind() says None."""
        return self.texts_regex.findall(text)

    def kind(self, text: str):
        """The terminal of one text from texts(), or None for a newline, a '#' or any other
        character that no token starts with. (The regex matches the text alone as it matched
        it in its text: no alternative looks past the characters it matches.)"""
        m = self.regex.fullmatch(text)
        kind = m and m.lastgroup
        if kind == "_CHAR":
            return self.chars[text]
        return kind if kind in self.plain or kind == "NUMBER" else None

    def tokens(self, text: str, end: bool = False):
        """The tokens of text, one at a time (a 10 MB expression never holds all its tokens),
        then `("$END", "", (n, n))` if `end` (the parser's driver wants it; Lark adds its own)."""
        if "\n" in text:
            yield from self._tokens_with_newlines(text)
        else:
            plain, chars = self.plain, self.chars
            for m in self.regex.finditer(text):
                kind = m.lastgroup
                if kind == "_CHAR":
                    value = m.group()
                    yield (chars[value], value, m.span())
                elif kind in plain:
                    yield (kind, m.group(), m.span())
                elif kind == "NUMBER":
                    yield _number(text, m)
                elif kind == "_ERR":
                    raise _bad_character(text, m.start())
                # else a comment: skipped
        if end:
            yield ("$END", "", (len(text), len(text)))

    def _tokens_with_newlines(self, text: str):
        depth = 0
        last = None  # type of the last significant token
        pending_newline = -1  # offset of a newline that ends a statement if an operand follows
        chars = self.chars
        for m in self.regex.finditer(text):
            kind = m.lastgroup
            if kind == "_CHAR":
                kind = chars[m.group()]
            elif kind == "_COMMENT":
                continue
            start = m.start()
            if kind == "_NL":
                if depth == 0 and last in _ENDS_OPERAND and pending_newline < 0:
                    pending_newline = start
                continue
            if kind == "_ERR":
                raise _bad_character(text, start)
            token = _number(text, m) if kind == "NUMBER" else (kind, m.group(), m.span())
            if pending_newline >= 0:
                if kind in _STARTS_OPERAND:
                    yield ("_SEP", "\n", (pending_newline, pending_newline + 1))
                pending_newline = -1
            if kind in _OPENERS:
                depth += 1
            elif kind in _CLOSERS:
                if depth:
                    depth -= 1
            elif kind == "_SEP":
                depth = 0
            last = kind
            yield token


def _number(text: str, m) -> tuple:
    """A NUMBER token, unless a name is glued to it (an error)."""
    value = m.group()
    start, end = span = m.span()
    if end < len(text) and (text[end].isalpha() or text[end] == "_"):
        _number_glued_to_name(text, end, value, start)
    return ("NUMBER", value, span)


def _bad_character(text: str, start: int) -> AgradSyntaxError:
    ch = text[start]
    meant = CONFUSABLES.get(ch)
    if meant:
        message = f"unexpected character {describe_char(ch)}: did you mean '{meant}'?"
    elif ch == "\x00":
        message = "unexpected NUL byte (U+0000) in the expression"
    elif ch in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u200b":
        message = f"unexpected invisible character {describe_char(ch)} (a direction mark or zero-width space): delete it"
    elif ch == ".":
        message = "unexpected '.': a number has at most one decimal point and needs a digit next to it"
    else:
        message = f"unexpected character {describe_char(ch)}"
    return AgradSyntaxError(message, (start, start + 1), text)


def _number_glued_to_name(text: str, end: int, value: str, start: int) -> None:
    """A number glued to a name (`2x`, `1e`) is an error with a hint, not two tokens."""
    if text[end] in "eE" and "e" not in value.lower():
        tail = text[end:end + 2]
        if len(tail) == 1 or not (tail[1].isalnum() or tail[1] == "_"):
            raise AgradSyntaxError(
                f"malformed number '{value}{text[end]}': an exponent needs digits, as in {value}e3",
                (start, end + 1), text)
    word = re.match(r"\w+", text[end:]).group()
    raise AgradSyntaxError(
        f"a number cannot be followed directly by a name: write {value}*{word} for a product",
        (start, end + len(word)), text)
