"""agrad's input limits, each stated once and enforced in one place.

- The source (an expression, a `-f` program, one line of a batch): at most MAX_SOURCE_BYTES of
  UTF-8 by default, raised with `--max-source-bytes N` (api.run's `max_source_bytes`) up to
  SOURCE_BYTES_CEILING. api.run checks every source; a batch's line reader skips a longer line
  without holding it; `-f FILE` reads no further than the limit.
  Why 1 MiB: the engine's time and memory grow with the number of nodes, and 1 MiB of the
  densest text (`x+x+...`, 500,000 nodes) takes about 16 s and 450 MB on the project's 2-core
  machine; the ceiling, 100 MiB, is about 30 minutes and 45 GB of that kind of text, but
  seconds for a program of long numbers or comments.
- Nesting depth: no limit. Nothing recurses from source text to gradients (the parser, lowering
  and backward use explicit stacks), so 1,000,000 nested parentheses work under a raised cap.
- Numbers: float64; beyond its range they are inf (`1e400`), below it 0 or a subnormal.
- Names: any length (a name is one token; the source cap bounds it).
- `@FILE` and `@-` bindings: at most MAX_FILE_BYTES read, raised with `--max-file-bytes N`.
  A file is read as numbers only, so a vector's length is bounded by the file's size (and by
  the argument's size, for `1,2,3` written inline); the Python API takes vectors of any length.
- Worker processes of a batch (`--jobs N`): at most WORKERS_PER_CORE per core this process may
  run on, and never more than there are chunks of jobs to give them; a larger N is clamped, with
  a note on stderr (not an error: a script written for a large machine still runs on a small
  one, with the same results). Why 2 per core: the jobs are pure computation, so past one worker
  per core more workers only share the same cores; the second per core covers a worker stalled
  on its pipes. Each worker costs a process and a few MB, and `--jobs 1000` once meant 1,001
  processes and 1.66 GB for two jobs.
"""

from __future__ import annotations

from agrad.errors import LimitError

MiB = 1024 * 1024
MAX_SOURCE_BYTES = 1 * MiB
SOURCE_BYTES_CEILING = 100 * MiB
MAX_FILE_BYTES = 256 * MiB
WORKERS_PER_CORE = 2


def max_workers(cores: int) -> int:
    """The most worker processes a batch starts on a machine with `cores` cores."""
    return WORKERS_PER_CORE * max(cores, 1)


def source_limit(value: int | None) -> int:
    """The source cap asked for (None: the default), checked against the ceiling."""
    if value is None:
        return MAX_SOURCE_BYTES
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise LimitError(f"--max-source-bytes must be a positive whole number of bytes, not {value!r}")
    if value > SOURCE_BYTES_CEILING:
        raise LimitError(f"--max-source-bytes {value}: the most agrad takes is {SOURCE_BYTES_CEILING} "
                         f"({SOURCE_BYTES_CEILING // MiB} MiB)")
    return value


def too_long(what: str, limit: int, size: int | None = None) -> str:
    """The message for a source past the cap: what, how long, the limit and the flag."""
    measured = f" is {size} bytes," if size is not None else " is"
    return (f"{what}{measured} longer than the limit of {limit} bytes "
            f"(--max-source-bytes N raises it, up to {SOURCE_BYTES_CEILING})")


def check_source(source: str, limit: int | None = None) -> None:
    """Raise LimitError when `source` is longer than the cap, in UTF-8 bytes."""
    limit = source_limit(limit)
    if len(source) * 4 <= limit:  # every character is at most 4 bytes: no need to encode
        return
    size = len(source.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise LimitError(too_long("the source", limit, size))


def file_limit(value: int | None) -> int:
    if value is None:
        return MAX_FILE_BYTES
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise LimitError(f"--max-file-bytes must be a positive whole number of bytes, not {value!r}")
    return value


def file_too_big(origin: str, limit: int) -> str:
    return (f"{origin} is longer than the limit of {limit} bytes for a file of numbers "
            f"(--max-file-bytes N raises it)")
