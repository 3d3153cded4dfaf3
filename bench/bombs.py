"""Cost bombs: short inputs that once took minutes and gigabytes, each run as the command line
runs it (a subprocess of `python -m agrad`), with its wall time, CPU time and peak memory.
Prints a table; asserts nothing (tests never assert times). Every row should end, with a result
or a `limit` error (limits.py), within 30 s and 2.5 GB on the project's 2-core machine.

    python bench/bombs.py            # the sizes of issue 14
    python bench/bombs.py --quick    # small sizes, seconds: what CI runs so this cannot rot

Rows are ROWS (and QUICK_ROWS): (label, argv after `agrad`, stdin text or None, setup files),
where setup files maps a file name to a function returning its text, written in a temporary
folder that is the command's working directory. Other benchmarks' rows can be appended to the
lists. Each command runs with a 4 GB address-space cap and a timeout (--timeout, 60 s), so that
a regression cannot take the machine down.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time


def nested_grad(depth: int) -> str:
    source = "x^x"
    for _ in range(depth):
        source = f"grad({source}, x)"
    return source


def numbers(n: int, value: str = "0.5") -> callable:
    return lambda: "\n".join([value] * n) + "\n"


def index_sum(terms: int) -> str:
    return "+".join(f"x[{i}]" for i in range(terms))


def jacobian_program(items: int) -> str:
    return "y = sin(x)*x; [" + ", ".join(["y"] * items) + "]"


def rows(quick: bool) -> list:
    """(label, argv, stdin, setup files) per bomb, at the issue's sizes or small ones."""
    depth, order, h1, h2, items, passes, terms, length = (
        (6, 8, 100, 1_000, 300, 10_000, 1_000, 10_000) if quick else
        (12, 30, 10_000, 100_000, 3_000, 1_000_000, 100_000, 1_000_000))
    pretty_h, trace_kb, graph_terms = (100, 4, 5_000) if quick else (1_000, 100, 524_000)
    return [
        (f"grad() nested {depth} deep around x^x", ["eval", nested_grad(depth), "--x", "0.7"], None, {}),
        # float32 keeps the nested passes (Taylor mode, float64, takes milliseconds: bench/order.py)
        (f"x^x --order {order} --dtype float32", ["eval", "x^x", "--x", "0.7", "--order", str(order), "--dtype",
                                                  "float32"], None, {}),
        (f"--hessian of sum(x^2), {h1:,} elements", ["eval", "sum(x^2)", "--x", "@x.txt", "--hessian"], None,
         {"x.txt": numbers(h1)}),
        (f"--hessian of sum(x^2), {h2:,} elements", ["eval", "sum(x^2)", "--x", "@x.txt", "--hessian"], None,
         {"x.txt": numbers(h2)}),
        (f"--jacobian of y = sin(x)*x; [y, ...] {items:,} items", ["eval", "-f", "jac.agrad", "--x", "0.5",
                                                                   "--jacobian"], None,
         {"jac.agrad": lambda: jacobian_program(items)}),
        (f"--backward {passes:,} on x*w", ["eval", "x*w", "--x", "2", "--w", "3", "--backward", str(passes)], None, {}),
        (f"x[0]+x[1]+... {terms:,} terms, {length:,} elements", ["eval", "-f", "sum.agrad", "--x", "@x.txt"], None,
         {"sum.agrad": lambda: index_sum(terms), "x.txt": numbers(length, "1")}),
        # Pretty output, whose tables once cost 20 times what JSON costs (bench/pretty_costs.py
        # sets them side by side).
        (f"pretty --hessian of sum(x^2), {pretty_h:,} elements", ["eval", "sum(x^2)", "--x", "@x.txt", "--hessian",
                                                                  "--format", "pretty"], None, {"x.txt": numbers(pretty_h)}),
        (f"pretty --trace of {trace_kb} KB of x+x+...", ["eval", "-f", "sum.agrad", "--x", "1.5", "--trace",
                                                        "--format", "pretty"], None,
         {"sum.agrad": lambda: "+".join(["x"] * (trace_kb * 512))}),
        # agrad graph of the densest source: the page is refused past --max-picture-nodes; DOT is
        # linear (bench/graph_bombs.py has the other formats).
        (f"graph of x+x+... {graph_terms:,} terms to HTML", ["graph", "-f", "big.agrad", "--x", "1", "-o", "g.html"],
         None, {"big.agrad": lambda: "+".join(["x"] * graph_terms)}),
        (f"graph of x+x+... {graph_terms:,} terms to DOT", ["graph", "-f", "big.agrad", "--x", "1", "-o", "g.dot"],
         None, {"big.agrad": lambda: "+".join(["x"] * graph_terms)}),
        # Workers: at most as many as there are jobs, and a cap relative to the cores.
        ("--jobs 1000 for 2 jobs", ["eval", "-", "--x", "2", "--jobs", "1000"], "x^2\nx*3\n", {}),
    ]


def run_row(argv: list, stdin: str | None, files: dict, timeout: float) -> dict:
    """Run `python -m agrad ARGV` (with `--format json` unless ARGV names its output) in a fresh
    folder: outcome, seconds, CPU seconds, peak resident MB (the child's own, from wait4), output
    bytes (stdout and any file written)."""
    with tempfile.TemporaryDirectory() as folder:
        for name, make in files.items():
            with open(os.path.join(folder, name), "w") as f:
                f.write(make())
        out_path, err_path = os.path.join(folder, "out"), os.path.join(folder, "err")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.perf_counter()
            # JSON unless the row names its output (a format, or graph's -o FILE)
            named = "--format" in argv or "-o" in argv
            child = subprocess.Popen([sys.executable, "-m", "agrad"] + argv + ([] if named else ["--format", "json"]),
                                     cwd=folder,
                                     stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                     stdout=out, stderr=err, preexec_fn=_cap_memory)
            timer = threading.Timer(timeout, child.kill)
            timer.start()
            if stdin is not None:
                child.stdin.write(stdin.encode())
                child.stdin.close()
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.perf_counter() - start
            timed_out = not timer.is_alive()
            timer.cancel()
        with open(err_path, encoding="utf-8", errors="replace") as f:
            stderr = f.read()
        size = os.path.getsize(out_path) + sum(os.path.getsize(os.path.join(folder, name))
                                               for name in ("g.html", "g.dot") if os.path.exists(os.path.join(folder, name)))
    return {"outcome": _outcome(child.returncode, stderr, timed_out, timeout), "seconds": seconds,
            "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024, "output": size}


def _cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (4_000_000_000, 4_000_000_000))


def _outcome(code: int, stderr: str, timed_out: bool, timeout: float) -> str:
    if timed_out:
        return f"KILLED after {timeout:.0f} s"
    if code == 0:
        return "result"
    first = stderr.strip().splitlines()[0] if stderr.strip() else f"exit {code}"
    if "limit error" in first and "(--" in first:
        flag = first[first.rindex("(--") + 1:].split()[0]
        return f"limit {flag} (exit {code})"
    return f"exit {code}: {first[:60]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a row is killed")
    args = parser.parse_args()
    print(f"agrad cost bombs{' (--quick)' if args.quick else ''}: {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}; each row `python -m agrad ...` (JSON unless it names its output), 4 GB cap, "
          f"{args.timeout:.0f} s timeout")
    print(f"{'input':<52} {'outcome':<38} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'out KB':>8}")
    for label, argv, stdin, files in rows(args.quick):
        r = run_row(argv, stdin, files, args.timeout)
        print(f"{label:<52} {r['outcome']:<38} {r['seconds']:7.2f} {r['cpu']:7.2f} {r['peak_mb']:8.0f} "
              f"{r['output'] / 1024:8.0f}", flush=True)


if __name__ == "__main__":
    main()
