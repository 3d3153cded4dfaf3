"""`agrad graph` of the densest 1 MiB source (`x+x+...`, 524,000 terms, about 1,000,000 nodes):
how long each format takes, its peak memory and the size of what it writes. The HTML page and
the images are refused past the picture limit (limits.MAX_PICTURE_NODES) with a limit error;
DOT and Mermaid are written whole. The whole command runs as a child process under a 4 GB
address-space cap and a 120 s timeout, so a regression cannot take the machine down.

    python bench/graph_bombs.py [--terms N]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time


def measure(args: list[str], cwd: str) -> tuple[float, float, float, int, str]:
    """wall seconds, CPU seconds, peak RSS in MB, exit status, the first line of stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(["timeout", "120", "prlimit", "--as=4000000000", sys.executable, "-m", "agrad", *args],
                          cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    said = done.stderr.strip().splitlines()
    # ru_maxrss of children is the largest of any child so far: run the small formats last.
    return wall, cpu, after.ru_maxrss / 1024, done.returncode, said[-1][:110] if said else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--terms", type=int, default=524_000, help="terms of x+x+... (524,000: just under 1 MiB)")
    terms = parser.parse_args().terms
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "bomb.txt"), "w") as fh:
            fh.write("+".join(["x"] * terms))
        print(f"agrad graph -f bomb.txt --x 1 ({os.path.getsize(os.path.join(tmp, 'bomb.txt')):,} bytes, "
              f"{terms:,} terms), on {os.cpu_count()} cores")
        print(f"{'output':12} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'exit':>5} {'written MB':>11}  stderr")
        for name in ("graph.dot", "graph.mmd", "graph.html", "graph.svg"):
            wall, cpu, peak, status, said = measure(["graph", "-f", "bomb.txt", "--x", "1", "-o", name], tmp)
            path = os.path.join(tmp, name)
            size = os.path.getsize(path) / 1e6 if os.path.exists(path) else 0.0
            print(f"{name:12} {wall:8.1f} {cpu:8.1f} {peak:8.0f} {status:5d} {size:11.1f}  {said}")
            if os.path.exists(path):
                os.unlink(path)


if __name__ == "__main__":
    main()
