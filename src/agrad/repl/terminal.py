"""`agrad repl` on a terminal: prompt_toolkit's line editor around the session (the only module
that imports prompt_toolkit, so `agrad eval` and a piped session never load it).

It gives line editing, a history kept between sessions (history_path()), completion of the
session's names, the functions and the :commands (Tab), multi-line input (Enter inside an open
bracket starts a new line), Ctrl-C to cancel the line being typed (or stop a computation) and
Ctrl-D to leave. An accepted line is erased and printed again with its value beside it
(repl/transcript.py), so the screen reads exactly as a piped lesson's output does.
"""

from __future__ import annotations

import os
import re
import sys

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings

from agrad.engine.ops import public_functions
from agrad.errors import Terminated
from agrad.language.names import CONSTANTS, GRAPH_FUNCTIONS
from agrad.repl.commands import COMMANDS
from agrad.repl.reply import Reply
from agrad.repl.transcript import MORE, PROMPT, continues, lay_out

_WORD = re.compile(r"[^\W\d]\w*$")


def history_path() -> str:
    """$XDG_STATE_HOME/agrad/history, else ~/.local/state/agrad/history (the XDG base directory
    specification's place for state that should survive a restart, such as a history)."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "agrad", "history")


def run(session, history: str | None = None, look=None) -> int:
    """look: how output looks now (a terminal can be resized between lines), or None to keep
    the session's."""
    prompt = PromptSession(history=_history(history or history_path()), completer=SessionCompleter(session),
                           multiline=True, key_bindings=_keys(), prompt_continuation=MORE,
                           erase_when_done=True, complete_while_typing=False)
    while True:
        try:
            text = prompt.prompt(PROMPT)
        except Terminated:  # SIGTERM, SIGHUP: the command's boundary ends the session
            raise
        except KeyboardInterrupt:  # Ctrl-C: the line is dropped, the session goes on
            continue
        except EOFError:  # Ctrl-D
            return 0
        if look is not None:
            session.look = look()
        try:
            reply = session.run(text)
        except Terminated:
            raise
        except KeyboardInterrupt:  # Ctrl-C during a long computation stops it, not the session
            reply = Reply(body="agrad: interrupted", ok=False)
        sys.stdout.write(lay_out(text, reply, session.look.width))
        sys.stdout.flush()
        for warning in getattr(prompt.history, "take_warnings", list)():
            _warn(warning)
        if reply.quit:
            return 0


def _keys() -> KeyBindings:
    keys = KeyBindings()

    @keys.add("enter")
    def _enter(event):
        buffer = event.current_buffer
        if continues(buffer.text):
            buffer.insert_text("\n")
        else:
            buffer.validate_and_handle()

    return keys


class SessionCompleter(Completer):
    """After `:` the commands; elsewhere the session's names (as they are now), the functions,
    grad/detach/no_grad and the constants."""

    def __init__(self, session):
        self.session = session

    def get_completions(self, document, complete_event):
        before = document.text_before_cursor
        stripped = before.lstrip()
        if stripped.startswith(":") and " " not in stripped:
            word = stripped[1:]
            for name in COMMANDS:
                if name.startswith(word):
                    yield Completion(name, start_position=-len(word))
            return
        match = _WORD.search(before)
        word = match.group() if match else ""
        if not word:
            return
        candidates = list(self.session.names)
        if not stripped.startswith(":"):
            candidates += list(public_functions()) + list(GRAPH_FUNCTIONS) + list(CONSTANTS)
        seen = set()
        for name in candidates:
            if name.startswith(word) and name != word and name not in seen:
                seen.add(name)
                yield Completion(name, start_position=-len(word))


class _SafeHistory(FileHistory):
    """A FileHistory whose failure to read or write (a full disk, a read-only home, a directory
    in its place) is one warning each, not the end of the session. prompt_toolkit reads and
    writes it while it draws the prompt, so the warnings wait in `warnings` until the loop
    prints them between lines, where they cannot be drawn over."""

    def __init__(self, filename: str):
        super().__init__(filename)
        self.warnings: list[str] = []
        self.failed: set[str] = set()

    def _fail(self, what: str, exc: Exception) -> None:
        if what not in self.failed:
            self.failed.add(what)
            self.warnings.append(f"cannot {what} the history {'to' if what == 'write' else 'in'} {self.filename}: "
                                 f"{getattr(exc, 'strerror', None) or exc}")

    def store_string(self, string: str) -> None:
        try:
            super().store_string(string)
        except OSError as exc:
            self._fail("write", exc)

    def load_history_strings(self):
        try:
            yield from super().load_history_strings()
        except (OSError, UnicodeDecodeError) as exc:
            self._fail("read", exc)

    def take_warnings(self) -> list[str]:
        out, self.warnings = self.warnings, []
        return out


def _history(path: str):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    except OSError as exc:
        _warn(f"cannot keep the history in {path}: {exc.strerror or exc}; this session's is kept in memory")
        return InMemoryHistory()
    return _SafeHistory(path)


def _warn(message: str) -> None:
    sys.stderr.write(f"agrad: warning: {message}\n")
    sys.stderr.flush()
