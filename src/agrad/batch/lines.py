"""A batch's input, read line by line in binary.

Memory stays flat whatever the input's length: the reader holds at most one read's worth of
bytes past the current line, and a line longer than the source cap (limits.py, 1 MiB unless
--max-source-bytes raises it) is reported as too long (data None) as soon as it passes the cap,
and the rest of it skipped over, not held: an endless line (/dev/zero) gets its record at once,
not never. Each line is handed over as bytes, so that decoding, and a decoding error, belong to
that line alone. A read that fails (a directory, an I/O error) is an InputError. The reader also tells when its next read would block
(`would_block`), so the batch can flush what it has computed before waiting for more input
(`tail -f log | agrad eval -`).
"""

from __future__ import annotations

import os
import select
from typing import NamedTuple

from agrad.errors import InputError
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
            self._read_raw = lambda: os.read(fd, READ_SIZE)
        else:  # an in-memory stream (tests, CliRunner)
            read = getattr(stream, "read1", None) or stream.read
            self._read_raw = lambda: read(READ_SIZE)
        self._read = self._read_chunk
        self._buf = bytearray()
        self._pos = 0  # start of the current line in _buf
        self._scan = 0  # _buf holds no newline between _pos and _scan
        self._skipping = False  # inside a line already reported as too long: drop up to its end
        self._eof = False
        self._number = 0
        self._offset = 0

    def __iter__(self):
        return self

    def __next__(self) -> Line:
        while True:
            newline = self._buf.find(b"\n", self._scan)
            if newline != -1:
                if self._skipping:  # the end of a line reported already
                    self._drop(newline + 1)
                    self._skipping = False
                    continue
                return self._take(newline + 1)
            self._scan = len(self._buf)
            if self._eof:
                if self._pos < len(self._buf) and not self._skipping:
                    return self._take(len(self._buf))  # the last line has no newline
                raise StopIteration
            if self._skipping:
                self._drop(len(self._buf))
            elif len(self._buf) - self._pos > self.max_line_bytes + 1:  # (+1: a \r may be the line's ending)
                # Too long to keep: report it now (the rest may never come), and drop the rest.
                self._drop(len(self._buf))
                self._skipping = True
                self._number += 1
                return Line(self._number, None, self._offset)
            elif self._pos and self._pos >= len(self._buf) // 2:
                del self._buf[:self._pos]
                self._scan -= self._pos
                self._pos = 0
            chunk = self._read()
            if chunk:
                self._buf += chunk
            else:
                self._eof = True

    def _drop(self, end: int) -> None:
        """Drop the buffer up to `end`, counted in the offset."""
        self._offset += end - self._pos
        del self._buf[:end]
        self._pos = self._scan = 0

    def _take(self, end: int) -> Line:
        data = bytes(self._buf[self._pos:end])
        self._pos = self._scan = end
        self._number += 1
        self._offset += len(data)
        if data.endswith(b"\n"):
            data = data[:-1]
            if data.endswith(b"\r"):
                data = data[:-1]
        if len(data) > self.max_line_bytes:
            data = None
        return Line(self._number, data, self._offset)

    def _read_chunk(self) -> bytes:
        try:
            return self._read_raw()
        except OSError as exc:  # a directory on stdin (EISDIR), an I/O error
            raise InputError(f"cannot read the input: {exc.strerror or exc}") from None

    def bulk(self, max_bytes: int):
        """Many lines at once, for --points' vectorized blocks: (number of the first, the lines
        as bytes without their endings, offset past the last), every whole line of up to about
        max_bytes of input, reading more only while that would not wait for the writer. None
        when no whole line is buffered, or at the end: then take one line with next()."""
        if self._skipping:
            return None  # the rest of a line reported as too long: next() drops it
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
