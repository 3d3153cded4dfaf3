"""Batch throughput, the speed-up of --jobs, and memory over long streams, through the installed
agrad command (as a user would run it). Prints figures; asserts nothing.

    python bench/batch.py            # lines/s for --jobs 1 and 2, --points rows/s, peak RSS
    python bench/batch.py --long     # also a 10,000,000-line stream's peak RSS (about a minute)
    python bench/batch.py --rows N   # rows for the --points runs (default 1,000,000; target 3 s)

The machine's other load shows in the figures: run it twice and take the better run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time


POINTS_TARGET = 3.0  # seconds for 1,000,000 --points rows, whole process (issue 5)


def agrad() -> list[str]:
    exe = shutil.which("agrad", path=os.path.dirname(sys.executable)) or shutil.which("agrad")
    return [exe] if exe else [sys.executable, "-m", "agrad"]


class Run:
    """One agrad run: wall seconds, exit status, CPU seconds (agrad and its workers), peak RSS
    (KiB, of agrad's own process)."""

    def __init__(self, args: list[str], stdin):
        start = time.perf_counter()
        with open(os.devnull, "wb") as devnull:
            p = subprocess.Popen(agrad() + args, stdin=stdin, stdout=devnull)
            _, status, usage = os.wait4(p.pid, 0)
        self.seconds = time.perf_counter() - start
        self.status = os.waitstatus_to_exitcode(status)
        self.cpu = usage.ru_utime + usage.ru_stime  # includes the workers it waited for
        self.rss = usage.ru_maxrss


def load() -> str:
    try:
        with open("/proc/loadavg") as fh:
            return "load " + fh.read().split()[0]
    except OSError:
        return ""


def stream(lines, args: list[str]) -> Run:
    """Feed generated lines through a pipe (no file on disk, whatever the count)."""
    r, w = os.pipe()

    def feed():
        with os.fdopen(w, "wb", buffering=1 << 20) as out:
            block = []
            for line in lines:
                block.append(line)
                if len(block) == 10000:
                    out.write("".join(block).encode())
                    block.clear()
            out.write("".join(block).encode())

    writer = threading.Thread(target=feed)
    writer.start()
    with os.fdopen(r, "rb") as stdin:
        result = Run(args, stdin)
    writer.join()
    return result


def jobs_lines(n: int):
    for i in range(n):
        if i % 3:
            yield f"x^2*sin(w) + {i % 50}\n"
        else:
            yield f'{{"expr": "a = x*w; exp(-a^2) + atan2(x, w)", "vars": {{"x": {i % 97}, "w": 0.5}}}}\n'


def cheap_lines(n: int):
    """Mostly comments and blank lines, 1 in 100 a job: the reading path at its fastest."""
    for i in range(n):
        yield f"x*{i}\n" if i % 100 == 0 else ("# a comment\n" if i % 2 else "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--long", action="store_true")
    opts = parser.parse_args()
    print(f"agrad batch benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    with tempfile.TemporaryDirectory() as tmp:
        jobs_file = os.path.join(tmp, "jobs.txt")
        with open(jobs_file, "w") as fh:
            fh.writelines(jobs_lines(opts.lines))
        base = None
        for jobs in ("1", "2"):
            before = load()
            with open(jobs_file, "rb") as stdin:
                r = Run(["eval", "-", "--x", "1.5", "--w", "2", "--jobs", jobs], stdin)
            rate = opts.lines / r.seconds
            base = base or rate
            print(f"stdin, {opts.lines:,} lines, --jobs {jobs}: {r.seconds:6.2f} s  {rate:9,.0f} lines/s  "
                  f"speed-up {rate / base:4.2f}x  cpu {r.cpu:6.2f} s  (exit {r.status}, {before})")

        points = os.path.join(tmp, "points.csv")
        with open(points, "w") as fh:
            fh.write("x,w\n")
            fh.writelines(f"{i * 1e-3!r},{(i % 1000) * 1e-2!r}\n" for i in range(opts.rows))
        for fmt in ("json", "csv"):
            before = load()
            r = Run(["eval", "x^2*sin(w)", "--points", points, "--format", fmt], subprocess.DEVNULL)
            verdict = "under" if r.seconds < POINTS_TARGET else "OVER"
            print(f"--points, {opts.rows:,} rows, vectorized, --format {fmt}: {r.seconds:6.2f} s whole process "
                  f"({verdict} the {POINTS_TARGET:g} s target)  {opts.rows / r.seconds:9,.0f} rows/s  cpu {r.cpu:6.2f} s  "
                  f"peak RSS {r.rss / 1024:6.1f} MiB  (exit {r.status}, {before})")

    counts = [100_000, 1_000_000] + ([10_000_000] if opts.long else [])
    for n in counts:
        r = stream(cheap_lines(n), ["eval", "-", "--x", "2"])
        print(f"memory: {n:>10,} lines (1 in 100 a job): peak RSS {r.rss / 1024:6.1f} MiB  "
              f"({n / r.seconds:,.0f} lines/s, exit {r.status})")
    for n in (20_000, 200_000):
        r = stream(jobs_lines(n), ["eval", "-", "--x", "1", "--w", "2"])
        print(f"memory: {n:>10,} lines, every one a job: peak RSS {r.rss / 1024:6.1f} MiB  "
              f"({n / r.seconds:,.0f} lines/s, exit {r.status})")


if __name__ == "__main__":
    main()
