"""User text made safe to show on a terminal: every control character becomes visible.

An expression, a comment, a variable name or a file's bytes can hold escape sequences
(`ESC ] 0 ; title BEL` sets the window title, `ESC [ 2 J` clears the screen, OSC 52 writes the
clipboard). Whatever agrad prints for a person (pretty trees and tables, error lines and their
source excerpt, progress) passes through `visible`, so such text is shown, never obeyed. JSON
output needs nothing: its encoder escapes control characters already.

A control character is shown as `\\xNN` (or `\\uNNNN` past 0xFF), the form Python and the shell's
`$'...'` use, so a reader can type it back. Tab, which is harmless, is escaped too (`\\x09`): a
caret under a column is only right when each character is one column wide.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls; and the Unicode format characters that reorder or hide text
# (line and paragraph separators, bidirectional overrides and isolates; zero-width joiners
# are harmless and left alone).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _show(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with each control character written as an escape: safe for any terminal."""
    if text.isprintable():  # the common case, one C-level scan
        return text
    return _CONTROL.sub(_show, text)

