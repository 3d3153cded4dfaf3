"""Where pretty output goes, decided once per command by `look(stream)`: how wide it may be,
whether it is coloured, whether sentences are wrapped, and how many digits numbers show.

The width is decided here and nowhere else. On a terminal it is the terminal's width (COLUMNS
first, when set to a number, as shutil.get_terminal_size reads it, then the terminal's own
size); in a pipe or a file it is PIPE_WIDTH. Trees and tables are laid out to fit that width;
sentences (notes, titles) are wrapped at spaces on a terminal, and in a pipe left whole, so that
no sentence is broken in a file that a later reader views at another width.
"""

from __future__ import annotations

import os
from typing import NamedTuple

# In a pipe or a file: the width trees and tables are laid out for. 100 columns is what a
# 12-variable Hessian needs at the default digits, and what a side-by-side diff, a code review
# page or a wide editor shows without scrolling.
PIPE_WIDTH = 100
NARROWEST = 20  # below this a terminal's report is taken as 20: nothing useful fits in less

# The default number of significant digits shown (--digits N): a number whose shortest repr
# has at most this many is shown exactly as repr writes it (0.1, 3.55, 2.0), a longer one is
# rounded to this many (0.020000000000000004 shows as 0.02, -0.17490319828874717 as -0.174903).
# Six is C's printf %g default: enough to tell values apart to one part in a million, and
# short enough (at most 12 characters) that a tree line and a 9-column table fit 100 columns.
DEFAULT_DIGITS = 6
MAX_DIGITS = 17  # repr never needs more: --digits 17 shows every number exactly as JSON does


class Look(NamedTuple):
    width: int  # the columns trees and tables fit in
    color: bool  # ANSI colours (a terminal without NO_COLOR, TERM not dumb)
    wrap: bool  # wrap sentences at spaces (a terminal, or COLUMNS given); else leave them whole
    digits: int = DEFAULT_DIGITS


PLAIN = Look(PIPE_WIDTH, False, False)  # a buffer's look when none is given


def width(stream) -> tuple[int, bool]:
    """The one decision of the width: (columns, whether a reader's width was found). COLUMNS when
    set to a positive number, else the terminal's size when `stream` is a terminal, else
    PIPE_WIDTH."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(NARROWEST, int(columns)), True
    if _is_terminal(stream):
        try:
            return max(NARROWEST, os.get_terminal_size(stream.fileno()).columns), True
        except (OSError, ValueError, AttributeError):
            pass
    return PIPE_WIDTH, False


def look(stream, digits: int | None = None) -> Look:
    columns, known = width(stream)
    terminal = _is_terminal(stream)
    color = terminal and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    return Look(columns, color, known, DEFAULT_DIGITS if digits is None else digits)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False
