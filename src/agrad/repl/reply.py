"""What one line of a session gives: the text on the input's own line, lines below it, and
whether it failed (session.py makes them, repl/transcript.py lays them out)."""

from __future__ import annotations


class Reply:
    """What one line gives: `value` and `note`, shown on the input's own line (8.0 and
    MulBackward0), "" for none; `body`, lines below it (a tree, a table, an error), or "";
    `ok`, False when the line failed; `quit`, True after :quit."""

    __slots__ = ("value", "note", "body", "ok", "quit")

    def __init__(self, value: str = "", note: str = "", body: str = "", ok: bool = True, quit: bool = False):
        self.value, self.note, self.body, self.ok, self.quit = value, note, body, ok, quit

    def __repr__(self):
        return f"Reply(value={self.value!r}, note={self.note!r}, body={self.body!r}, ok={self.ok})"
