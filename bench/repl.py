"""agrad repl's costs, printed: the start-up of a piped lesson (which never imports
prompt_toolkit) against `agrad eval`'s, the time to the first prompt on a pseudo-terminal
(prompt_toolkit's import and first draw), and a line's cost inside a session.

    python bench/repl.py
"""

from __future__ import annotations

import os
import pty
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import timed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LESSON = (ROOT / "docs" / "repl-lesson.txt").read_text(encoding="utf-8")
AGRAD = [sys.executable, "-m", "agrad"]
RUNS = 7


def median(call) -> float:
    return statistics.median(timed(call)[1] for _ in range(RUNS))


def first_prompt() -> float:
    """Seconds from the start to the prompt's `>` on a pseudo-terminal."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        env.update(TERM="xterm", XDG_STATE_HOME="/nonexistent", PROMPT_TOOLKIT_NO_CPR="1")
        os.execve(sys.executable, AGRAD + ["repl"], env)
    seen = b""
    while b">" not in seen:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        seen += os.read(fd, 4096)
    took = time.perf_counter() - start
    os.write(fd, b"\x04")
    os.waitpid(pid, 0)
    os.close(fd)
    return took


def main() -> None:
    run = lambda args, stdin="": subprocess.run(AGRAD + args, input=stdin, capture_output=True, text=True)  # noqa: E731
    eval_s = median(lambda: run(["eval", "(x+w)*2", "--x", "3", "--w", "1"]))
    pipe_s = median(lambda: run(["repl"], LESSON))
    prompt_s = statistics.median(first_prompt() for _ in range(RUNS))
    sys.path.insert(0, str(ROOT / "src"))
    from agrad.render.screen import PLAIN
    from agrad.repl.session import Session

    session = Session(PLAIN)
    for line in LESSON.splitlines()[:3]:
        session.run(line)
    n = 2000
    _, line_s = timed(lambda: [session.run(":backward y") for _ in range(n)])
    print(f"agrad eval \"(x+w)*2\" (one shot, start-up included):   {eval_s * 1000:7.1f} ms (median of {RUNS})")
    print(f"agrad repl < docs/repl-lesson.txt (12 lines, a pipe):  {pipe_s * 1000:7.1f} ms (median of {RUNS})")
    print(f"agrad repl on a pseudo-terminal, start to first prompt: {prompt_s * 1000:6.1f} ms (median of {RUNS})")
    print(f":backward y in a session:                              {line_s / n * 1e6:7.1f} us a line ({n} lines)")


if __name__ == "__main__":
    main()
