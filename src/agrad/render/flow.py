"""Text laid out to a width, for the pretty output: lines of styled segments, flowed at the
boundaries between their pieces, and tables that fit or change layout.

Written by hand rather than with Rich's Table and Tree: Rich measures and wraps every cell
through its generic layout engine, which made a 1,000-row table cost seconds; these functions
measure each cell once. A piece (a value, a number, a label) is never split while a line can
hold it; a piece longer than a whole line is broken at its spaces (a vector's elements stay
whole), and only a single word longer than a line (a very long name) is folded. Numbers are
short, so a number is never cut. No line ends in a blank.
"""

from __future__ import annotations

import unicodedata
from html import escape

from agrad.render.screen import Look

GAP = "  "  # between pieces, and between table columns

# SGR codes of each style (ANSI colours, for a terminal only)
_SGR = {"op": "1;36", "variable": "1;32", "constant": "35", "value": "", "dim": "2", "cut": "31",
        "hook": "33", "bold": "1", "error": "31", "note": "2", "warn": "33"}


def cells(text: str) -> int:
    """The columns `text` takes on a terminal: 2 for wide East Asian characters, 0 for
    combining marks, 1 for the rest."""
    if text.isascii():
        return len(text)
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return n


class Canvas:
    """Lines of (text, style) segments, turned into text once: painted with ANSI colours for a
    terminal, trailing blanks removed."""

    def __init__(self, look: Look):
        self.look = look
        self.lines: list[list] = []

    def add(self, segments: list) -> None:
        self.lines.append(segments)

    def extend(self, lines: list) -> None:
        self.lines.extend(lines)

    def sentence(self, text: str, style: str | None = None) -> None:
        """Words for a person: wrapped at spaces on a terminal, left whole in a pipe."""
        if not self.look.wrap:
            self.add([(text, style)])
            return
        self.extend(flow([[(word, style)] for word in text.split(" ") if word], [], [("  ", None)],
                         self.look.width, sep=" "))

    def text(self) -> str:
        color = self.look.color
        out = []
        for segments in self.lines:
            segments = _rstrip(segments)
            if color:
                out.append("".join(f"\x1b[{_SGR[s]}m{t}\x1b[0m" if s and _SGR.get(s) and t else t
                                   for t, s in segments))
            else:
                out.append("".join(t for t, _ in segments))
        return "\n".join(out) + "\n" if out else ""


    def html(self) -> str:
        """The lines as HTML (for a notebook: render/notebook.py), each style a colour that
        reads on a light page and a dark one; every text escaped, so user text stays text."""
        out = []
        for segments in self.lines:
            out.append("".join(f'<span style="{_CSS[s]}">{escape(t)}</span>' if s and _CSS.get(s) and t else escape(t)
                               for t, s in _rstrip(segments)))
        return "\n".join(out)


# The styles in a notebook: the terminal's colours (_SGR) as CSS
_CSS = {"op": "color:#1f6fbf;font-weight:bold", "variable": "color:#2e7d32;font-weight:bold",
        "constant": "color:#7e57c2", "dim": "opacity:0.65", "cut": "color:#c62828", "hook": "color:#a88400",
        "bold": "font-weight:bold", "error": "color:#c62828", "note": "opacity:0.65", "warn": "color:#a88400"}


def _rstrip(segments: list) -> list:
    segments = list(segments)
    while segments:
        text, style = segments[-1]
        stripped = text.rstrip(" ")
        if stripped:
            segments[-1] = (stripped, style)
            break
        segments.pop()
    return segments


def _width(segments) -> int:
    return sum(cells(t) for t, _ in segments)


def flow(pieces: list, first: list, rest: list, width: int, sep: str = GAP) -> list:
    """Pieces (each a list of segments) on lines of at most `width` columns: the first line
    starts with the segments `first`, each further line with `rest`; pieces are separated by
    `sep`, and a piece goes to the next line when it does not fit on this one."""
    lines = []
    line = list(first)
    used = _width(first)
    empty = True
    room = max(1, width - _width(rest))
    for piece in pieces:
        size = _width(piece)
        if not empty and used + len(sep) + size <= width:
            line.append((sep, None))
            line.extend(piece)
            used += len(sep) + size
            continue
        if not empty:
            lines.append(line)
            line, used = list(rest), _width(rest)
        if used + size <= width or size <= 0:
            line.extend(piece)
            used += size
            empty = False
            continue
        # longer than a line: its words, flowed; a word longer than a line, folded
        for k, word in enumerate(_words(piece)):
            wsize = _width(word)
            if k and used + 1 + wsize <= width:
                line.append((" ", None))
                line.extend(word)
                used += 1 + wsize
                continue
            if k:
                lines.append(line)
                line, used = list(rest), _width(rest)
            if used + wsize <= width:
                line.extend(word)
                used += wsize
                continue
            for j, part in enumerate(_fold(word, max(1, width - used), room)):
                if j:
                    lines.append(line)
                    line, used = list(rest), _width(rest)
                line.extend(part)
                used += _width(part)
        empty = False
    lines.append(line)
    return lines


def _words(piece: list) -> list:
    """A piece's words (split at spaces), each a list of segments."""
    words: list = [[]]
    for text, style in piece:
        parts = text.split(" ")
        for k, part in enumerate(parts):
            if k:
                words.append([])
            if part:
                words[-1].append((part, style))
    return [w for w in words if w]


def _fold(word: list, first: int, room: int) -> list:
    """A word cut into parts of at most `first`, then `room`, columns."""
    parts: list = []
    part: list = []
    limit, used = first, 0
    for text, style in word:
        chunk = ""
        for ch in text:
            w = cells(ch)
            if used + w > limit and used:
                if chunk:
                    part.append((chunk, style))
                parts.append(part)
                part, chunk, used, limit = [], "", 0, room
            chunk += ch
            used += w
        if chunk:
            part.append((chunk, style))
    if part:
        parts.append(part)
    return parts


def table(headers: list, rows: list, width: int, right: set, *, stub: int = 1, styles: list | None = None,
          fallback: str = "blocks") -> list:
    """A table as lines of segments: headers, a rule, and the rows, when it fits in `width`.
    Otherwise, with fallback "blocks", the columns after the first `stub` ones in blocks that
    fit, each block under its own header with the stub columns repeated (a wide matrix); with
    "records", or when not even one column fits beside the stub, each row as one or more lines
    of `header value` pairs (a table of long rows). right: the indices of right-aligned columns;
    styles: a style per column."""
    styles = styles or [None] * len(headers)
    sizes = [cells(h) for h in headers]
    measured = [[cells(c) for c in row] for row in rows]
    for row in measured:
        for i, n in enumerate(row):
            if n > sizes[i]:
                sizes[i] = n
    total = sum(sizes) + len(GAP) * (len(sizes) - 1)
    if total <= width:
        return _aligned(headers, rows, measured, sizes, right, styles, list(range(len(headers))))
    if fallback == "blocks":
        fixed = sum(sizes[:stub]) + len(GAP) * stub
        blocks: list = []
        for i in range(stub, len(headers)):
            if blocks and fixed + sum(sizes[j] + len(GAP) for j in blocks[-1]) + sizes[i] <= width:
                blocks[-1].append(i)
            elif fixed + sizes[i] <= width:
                blocks.append([i])
            else:
                blocks = []
                break
        if blocks:
            lines: list = []
            for k, block in enumerate(blocks):
                if k:
                    lines.append([])
                lines += _aligned(headers, rows, measured, sizes, right, styles, list(range(stub)) + block)
            return lines
    return _records(headers, rows, width, stub, styles)


def _aligned(headers, rows, measured, sizes, right, styles, columns) -> list:
    def line(texts, widths, row_styles):
        segments = []
        for k, i in enumerate(columns):
            pad = " " * (sizes[i] - widths[i])
            if k:
                segments.append((GAP, None))
            if i in right:
                segments += [(pad, None), (texts[i], row_styles[i])]
            else:
                segments += [(texts[i], row_styles[i]), (pad, None)]
        return segments

    out = [line(headers, [cells(h) for h in headers], ["bold"] * len(headers))]
    out.append([("─" * (sum(sizes[i] for i in columns) + len(GAP) * (len(columns) - 1)), "dim")])
    for texts, widths in zip(rows, measured):
        out.append(line(texts, widths, styles))
    return out


def _records(headers, rows, width, stub, styles) -> list:
    """Each row as a line of its stub cells (bare, unless a stub header is worth saying: a cell
    that is a number gets its header), then a line of `header value` pairs, indented."""
    lines: list = []
    for row in rows:
        head = [[(row[i], styles[i])] if i == 0 or not _numeric(row[i]) else [(headers[i] + " ", "dim"), (row[i], styles[i])]
                for i in range(stub) if row[i]]
        pieces = [[(headers[i] + " ", "dim"), (row[i], styles[i])] for i in range(stub, len(headers)) if row[i]]
        if head:
            lines += flow(head, [], [("    ", None)], width)
        if pieces:
            lines += flow(pieces, [("    ", None)], [("      ", None)], width)
    return lines


def _numeric(text: str) -> bool:
    return text[:1].isdigit() or text[:2].lstrip("-")[:1].isdigit() or text in ("nan", "inf", "-inf")
