"""`agrad repl`: a terminal gets the line editor (repl/terminal.py, which alone imports
prompt_toolkit); a pipe or a file is read line by line (repl/pipe.py)."""

from __future__ import annotations

import sys

from agrad.render import screen
from agrad.repl import pipe
from agrad.repl.session import Session


def main(digits: int | None = None, history: str | None = None) -> int:
    """Run a session on stdin and stdout; returns the exit status."""
    look = screen.look(sys.stdout, digits)
    session = Session(look)
    if _is_terminal(sys.stdin) and _is_terminal(sys.stdout):
        from agrad.repl import terminal

        return terminal.run(session, history, lambda: screen.look(sys.stdout, digits))
    return pipe.run(session, getattr(sys.stdin, "buffer", None), sys.stdout)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False
