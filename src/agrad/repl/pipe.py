"""`agrad repl < lesson.txt`: the session fed from a pipe or a file, without a prompt to draw,
writing what a terminal would show (repl/transcript.py), so a lesson can be scripted and its
output compared. A line with an open bracket goes on to the next, as on the terminal.

Exit status: 0 when every input ran, 1 when one or more failed (its error is in the transcript,
in its place, and the session went on), as a batch of `agrad eval` says that a job failed.
"""

from __future__ import annotations

from agrad.errors import AgradError, InputError, LimitError
from agrad.limits import MAX_SOURCE_BYTES
from agrad.render.errors import error_text
from agrad.repl.reply import Reply
from agrad.repl.transcript import continues, lay_out

CHUNK = 1 << 16


def run(session, stdin, stdout) -> int:
    """stdin: a binary stream (None when closed: no input); stdout: a text stream."""
    failed = False
    while stdin is not None:
        source = _read_input(stdin)
        if source is None:
            break
        if isinstance(source, AgradError):
            text, reply = "", Reply(body=error_text(None, source).rstrip("\n"), ok=False)
        else:
            text, reply = source, session.run(source)
        stdout.write(lay_out(text, reply))
        stdout.flush()
        failed = failed or not reply.ok
        if reply.quit:
            break
    return 1 if failed else 0


def _read_input(stdin):
    """The next input: a line, with the lines after it while a bracket is open; None at the end;
    an error for an input that is not UTF-8 or is past the source limit (read to its end and
    dropped, so memory stays bounded)."""
    parts: list[str] = []
    size = 0
    while True:
        line = stdin.readline(MAX_SOURCE_BYTES + 1)
        if not line:
            return "".join(parts) if parts else None
        size += len(line)
        if size > MAX_SOURCE_BYTES:
            while line and not line.endswith(b"\n"):
                line = stdin.readline(CHUNK)
            return LimitError(f"an input longer than {MAX_SOURCE_BYTES:,} bytes was skipped (the source limit)")
        try:
            parts.append(line.decode("utf-8").replace("\r\n", "\n"))
        except UnicodeDecodeError as exc:
            return InputError(f"an input line is not UTF-8 (byte {exc.start + 1}) and was skipped")
        if not continues("".join(parts)):
            return "".join(parts).rstrip("\n")
