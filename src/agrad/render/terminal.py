"""What a batch draws on the terminal with Rich: the progress bar, the results printed above it
while it is live, and the terminal's facts that pretty records are drawn for.

batch/progress.py decides when a bar is shown and what it counts; this module draws it, so that
Rich stays in rendering (and the command line). Imported only when a bar is shown or a batch
writes pretty records, which is when Rich is needed anyway.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text


class Bar:
    """A live bar on stderr counting lines, their rate and the time elapsed; with a known total
    also the bar itself and the time left."""

    def __init__(self, total: int | None, force_terminal: bool | None):
        self.console = Console(file=sys.stderr, force_terminal=force_terminal)
        columns = [BarColumn(), TextColumn("{task.fields[lines]:,} lines"), TextColumn("{task.fields[rate]}"),
                   TextColumn("{task.fields[elapsed]}")]
        if total is not None:
            columns += [TextColumn("left"), TimeRemainingColumn()]
        self._bar = Progress(*columns, console=self.console, refresh_per_second=4, redirect_stdout=False,
                             redirect_stderr=False)
        self._task = self._bar.add_task("agrad", total=total, lines=0, rate="", elapsed="")
        self._bar.start()

    @property
    def on_terminal(self) -> bool:
        return self.console.is_terminal

    def update(self, done: int, lines: int, rate: str, elapsed: str) -> None:
        self._bar.update(self._task, completed=done, lines=lines, rate=rate, elapsed=elapsed)

    def stop(self) -> None:
        self._bar.stop()

    def print_ansi(self, text: str) -> None:
        """Results (which may hold ANSI colour codes) above the bar, instead of through it."""
        self.console.print(Text.from_ansi(text), end="", soft_wrap=True)

    def print_text(self, text: str) -> None:
        """Messages, as they are (no markup), above the bar."""
        self.console.print(Text(text), end="", soft_wrap=True)

