"""A batch's input, read line by line in binary.

Memory stays flat whatever the input's length: the reader holds at most one read's worth of
bytes past the current line, and a line longer than the source cap (limits.py, 1 MiB unless
--max-source-bytes raises it) is skipped over (reported as too long) instead of being held. Each line is handed over as bytes, so that decoding, and a
decoding error, belong to that line alone. The reader also tells when its next read would block
(`would_block`), so the batch can flush what it has computed before waiting for more input
(`tail -f log | agrad eval -`).
"""

from __future__ import annotations

import os
import select
from typing import NamedTuple

from agrad.limits import MAX_SOURCE_BYTES

READ_SIZE = 64 * 1024


class Line(NamedTuple):
    number: int  # 1-based line number in the input
    data: bytes | None  # the line without its ending (\n or \r\n); None when it was too long
    end: int  # offset in the input just past this line, for progress over a file's bytes


class LineReader:
    """Iterate over the lines of a binary stream (a file descriptor when it has one)."""

    def __init__(self, stream, max_line_bytes: int = MAX_SOURCE_BYTES):
        self.max_line_bytes = max_line_bytes
        self._stream = stream  # held, so that the file (and its descriptor) stays open
        self._fd = _fileno(stream)
        if self._fd is not None:
            fd = self._fd
            self._read = lambda: os.read(fd, READ_SIZE)
        else:  # an in-memory stream (tests, CliRunner)
            read = getattr(stream, "read1", None) or stream.read
            self._read = lambda: read(READ_SIZE)
        self._buf = bytearray()
        self._pos = 0  # start of the current line in _buf
        self._scan = 0  # _buf holds no newline between _pos and _scan
        self._skipped = 0  # bytes of an over-long line already dropped
        self._eof = False
        self._number = 0
        self._offset = 0

    def __iter__(self):
        return self

    def __next__(self) -> Line:
        while True:
            newline = self._buf.find(b"\n", self._scan)
            if newline != -1:
                return self._take(newline + 1)
            self._scan = len(self._buf)
            if self._eof:
                if self._pos < len(self._buf) or self._skipped:
                    return self._take(len(self._buf))  # the last line has no newline
                raise StopIteration
            if len(self._buf) - self._pos > self.max_line_bytes:
                # Too long to keep: drop it, count it, and go on reading to its end.
                self._skipped += len(self._buf) - self._pos
                del self._buf[:]
                self._pos = self._scan = 0
            elif self._pos and self._pos >= len(self._buf) // 2:
                del self._buf[:self._pos]
                self._scan -= self._pos
                self._pos = 0
            chunk = self._read()
            if chunk:
                self._buf += chunk
            else:
                self._eof = True

    def _take(self, end: int) -> Line:
        data = bytes(self._buf[self._pos:end])
        size = len(data) + self._skipped
        self._pos = self._scan = end
        self._number += 1
        self._offset += size
        if data.endswith(b"\n"):
            data = data[:-1]
            if data.endswith(b"\r"):
                data = data[:-1]
        if self._skipped or len(data) > self.max_line_bytes:
            data = None
        self._skipped = 0
        return Line(self._number, data, self._offset)

    def bulk(self, max_bytes: int):
        """Many lines at once, for --points' vectorized blocks: (number of the first, the lines
        as bytes without their endings, offset past the last), every whole line of up to about
        max_bytes of input, reading more only while that would not wait for the writer. None
        when no whole line is buffered, or at the end: then take one line with next()."""
        while not self._eof and len(self._buf) - self._pos < max_bytes:
            if self._buf.find(b"\n", self._pos) != -1 and not self._readable():
                break  # whole lines are in, and more would mean waiting for the writer
            chunk = self._read()
            if chunk:
                self._buf += chunk
            else:
                self._eof = True
        last = self._buf.rfind(b"\n", self._pos)
        if last == -1 or last < self._pos:
            return None
        data = bytes(self._buf[self._pos:last])
        size = last + 1 - self._pos
        del self._buf[:last + 1]
        self._pos = self._scan = 0
        lines = data.split(b"\n")
        if b"\r" in data:
            lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
        if size > self.max_line_bytes and max(map(len, lines)) > self.max_line_bytes:  # (max: in C)
            lines = [None if len(line) > self.max_line_bytes else line for line in lines]
        first = self._number + 1
        self._number += len(lines)
        self._offset += size
        return first, lines, self._offset

    def would_block(self) -> bool:
        """True when no whole line is buffered and the next read might wait for the writer."""
        if self._eof or self._fd is None or self._buf.find(b"\n", self._scan) != -1:
            return False
        return not self._readable()

    def _readable(self) -> bool:
        """Whether a read would return at once (always, for an in-memory stream)."""
        if self._fd is None:
            return True
        try:
            readable, _, _ = select.select([self._fd], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


def _fileno(stream) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None
