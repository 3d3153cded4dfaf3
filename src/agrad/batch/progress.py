"""The progress bar of a long batch: on stderr, shown only where a person watches.

mode "auto" shows it when stderr is a terminal and the batch has run for SHOW_AFTER seconds (a
short batch never flashes a bar); "on" (--progress) shows it from the start, even into a pipe;
"off" (--quiet) never. It counts lines done and their rate; with a known total (the number of
EXPR arguments, or the size of an input file in bytes) it also draws the bar and the time left.
render/terminal.py draws it with Rich, imported only when the bar is shown.
"""

from __future__ import annotations

import sys
import time

from agrad.batch.output import isatty

SHOW_AFTER = 0.5


class Progress:
    def __init__(self, mode: str, output, total: int | None = None, unit: str = "lines"):
        self.mode = mode
        self.output = output  # the batch's Output: while the bar is live on the terminal, results go above it
        self.total = total
        self.unit = unit  # what total counts: "lines" or "bytes"
        self.lines = 0
        self.done = 0  # lines, or bytes when the total is a file's size
        self.started = time.monotonic()
        self._bar = None  # render.terminal.Bar, once shown
        self._last = 0.0
        if mode == "auto":
            self.enabled = isatty(sys.stderr)
        else:
            self.enabled = mode == "on"
        if self.enabled and mode == "on":
            self._show()

    def advance(self, lines: int, offset: int | None) -> None:
        if not self.enabled:
            return
        self.lines += lines
        self.done = offset if self.unit == "bytes" and offset is not None else self.lines
        now = time.monotonic()
        if self._bar is None:
            if now - self.started < SHOW_AFTER:
                return
            self._show()
            self._update(now)
        elif now - self._last >= 0.1:
            self._update(now)

    def _show(self) -> None:
        from agrad.render.terminal import Bar

        self._bar = Bar(self.total, force_terminal=True if self.mode == "on" else None)
        if self._bar.on_terminal and self.output.tty:
            self.output.flush()
            self.output.live = self._bar  # results print above the bar instead of through it

    def _update(self, now: float) -> None:
        self._last = now
        self._bar.update(self.done, self.words(now - self.started))

    def words(self, elapsed: float) -> str:
        """What the bar says: `1,234 lines  5,678 lines/s  elapsed 0:00:03, about 0:00:10 left`
        (the time left only with a known total, once something is done)."""
        elapsed = max(elapsed, 1e-9)
        said = f"{self.lines:,} lines  {self.lines / elapsed:,.0f} lines/s  elapsed {_clock(elapsed)}"
        if self.total and 0 < self.done < self.total:
            said += f", about {_clock(elapsed * (self.total - self.done) / self.done)} left"
        return said

    def stop(self) -> None:
        if self._bar is None:
            return
        self._update(time.monotonic())
        self._bar.stop()
        self.output.live = None
        self._bar = None


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"
