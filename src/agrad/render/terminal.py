"""What a batch draws on the terminal with Rich: the progress bar, the results printed above it
while it is live, and the terminal's facts that pretty records are drawn for.

batch/progress.py decides when a bar is shown and what it counts; this module draws it, so that
Rich stays in rendering (and the command line). Imported only when a bar is shown or a batch
writes pretty records, which is when Rich is needed anyway.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.text import Text


class Bar:
    """A live bar on stderr; its words (lines done, their rate, the time elapsed and, with a
    known total, about how long is left) are batch/progress.py's, shown as they are (no markup)."""

    def __init__(self, total: int | None, force_terminal: bool | None):
        self.console = Console(file=sys.stderr, force_terminal=force_terminal)
        columns = [BarColumn(), TextColumn("{task.fields[words]}", markup=False)]
        self._bar = Progress(*columns, console=self.console, refresh_per_second=4, redirect_stdout=False,
                             redirect_stderr=False)
        self._task = self._bar.add_task("agrad", total=total, words="")
        self._bar.start()

    @property
    def on_terminal(self) -> bool:
        return self.console.is_terminal

    def update(self, done: int, words: str) -> None:
        self._bar.update(self._task, completed=done, words=words)

    def stop(self) -> None:
        self._bar.stop()

    def print_ansi(self, text: str) -> None:
        """Results (which may hold ANSI colour codes) above the bar, instead of through it."""
        self.console.print(Text.from_ansi(text), end="", soft_wrap=True)

    def print_text(self, text: str) -> None:
        """Messages, as they are (no markup), above the bar."""
        self.console.print(Text(text), end="", soft_wrap=True)

