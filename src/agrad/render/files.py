"""Writing a file whole or not at all: `agrad graph -o FILE` (and anything else that writes a
file a person or a script opens next) writes a temporary file beside FILE and renames it over
FILE, so that a reader, or twenty agrads writing the same FILE at once, never sees a torn file:
each rename puts one whole file in place. A failure removes the temporary file."""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress


def write_atomically(path: str, data: bytes) -> None:
    """FILE holds `data` afterwards, or (on any failure, Ctrl-C included) is as it was; raises
    OSError with the system's reason."""
    directory = os.path.dirname(os.path.abspath(path))
    # The prefix keeps the temporary file hidden and recognisable, and short enough that a long
    # FILE name does not make the temporary name too long for the file system.
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".agrad-" + os.path.basename(path)[:64] + ".",
                                     suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600, made what open() would have made
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
