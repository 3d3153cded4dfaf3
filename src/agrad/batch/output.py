"""Where a batch's results go: stdout, written as UTF-8 as results come.

On a terminal every job's output is flushed at once (line-buffered); in a pipe or a file it is
buffered, and the batch flushes whenever its input would block and at the end, so a slow
producer (`tail -f log | agrad eval - | ...`) still sees each result as soon as its line has
been read. Text that cannot be encoded (a lone surrogate from a JSON escape) is written with
backslash escapes, never an exception.

A write that fails (a full disk, /dev/full) raises errors.OutputLost, which the command line
reports in one line; a reader that went away raises BrokenPipeError, which ends the batch
quietly.
"""

from __future__ import annotations

import os
import sys

from agrad.errors import OutputLost


class Output:
    def __init__(self, stdout=None, stderr=None):
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.binary = getattr(self.stdout, "buffer", None)
        self.tty = isatty(self.stdout)
        self.live = None  # the progress bar (render.terminal.Bar) while it is live on the terminal

    def write(self, text: str) -> None:
        if not text:
            return
        if self.live is not None:
            self.live.print_ansi(text)
            return
        try:
            if self.binary is not None:
                self.binary.write(text.encode("utf-8", "backslashreplace"))
            else:
                self.stdout.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputLost(exc.strerror or str(exc)) from None
        if self.tty:
            self.flush()

    def error(self, text: str) -> None:
        if not text:
            return
        if self.live is not None:
            self.live.print_text(text)
            return
        self.flush()  # keep stdout and stderr in order on a shared terminal
        try:
            self.stderr.write(text)
            self.stderr.flush()
        except (OSError, ValueError):
            pass  # nobody is reading stderr any more; the records and the exit code still tell

    def flush(self) -> None:
        try:
            (self.binary or self.stdout).flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputLost(exc.strerror or str(exc)) from None

    def abandon(self) -> None:
        """The reader went away (`| head -1`): see abandon_stream."""
        abandon_stream(self.stdout)


def abandon_stream(stream) -> None:
    """After a failed or unwanted write (the reader went away, the disk is full): send what is
    still buffered for `stream`, and the interpreter's final flush, to /dev/null, so that
    nothing complains about the broken pipe at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False
