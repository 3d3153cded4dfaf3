"""Images of the graph (PNG, SVG, PDF) drawn by Graphviz's `dot` from agrad's DOT text.

agrad needs no Graphviz for DOT, Mermaid or HTML; for an image it runs `dot` when it is
installed, and otherwise says how to get one. `dot` runs as a child process bounded in time
(limits.MAX_DOT_SECONDS): a `dot` that fails or hangs is one error line, never a hung agrad.
"""

from __future__ import annotations

import resource
import shutil
import subprocess

from agrad.errors import ComputeError, LimitError, UsageError

FORMATS = ("png", "svg", "pdf")


def draw(dot_text: str, fmt: str, seconds: float, memory: int) -> bytes:
    """The image of `dot_text` in `fmt` (png, svg or pdf), drawn by Graphviz's dot in at most
    `seconds` and `memory` bytes of address space (dot's layout can take minutes and gigabytes
    on a few hundred nodes with a wide fan-out, such as x in x+x+...+x)."""
    exe = shutil.which("dot")
    if exe is None:
        raise UsageError(f"a .{fmt} image is drawn by Graphviz's dot, which is not installed: install Graphviz "
                         "(apt-get install graphviz), or write .dot, .mmd or .html")
    try:
        done = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=seconds, preexec_fn=lambda: _cap_memory(memory))
    except subprocess.TimeoutExpired:
        raise LimitError(f"Graphviz's dot did not draw the .{fmt} image within {seconds:g} s and was stopped "
                         "(--max-dot-seconds N raises the limit; or write .dot and run dot yourself)") from None
    except OSError as exc:
        raise ComputeError(f"cannot run Graphviz's dot ({exe}): {exc.strerror or exc}") from None
    if done.returncode != 0 or not done.stdout:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if done.returncode < 0:
            status = f"killed by signal {-done.returncode}; it may have passed its {memory // 2**20} MiB of memory"
        else:
            status = f"exit status {done.returncode}"
        why = f": {said[0]}" if said else ""
        raise ComputeError(f"Graphviz's dot failed to draw the .{fmt} image ({status}){why}")
    return done.stdout


def _cap_memory(memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
