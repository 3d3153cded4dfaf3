"""agrad's performance figures, side by side with PyTorch eager where torch is installed.
Prints; asserts nothing (tests never assert times).

    python bench/perf.py            # every figure at the sizes of issue 6
    python bench/perf.py --quick    # small sizes, a minute or less: what CI runs so this cannot rot

Figures (medians of a few runs; the machine's other load shows in them, so run it on a quiet
machine and twice):
- throughput of agrad.evaluate against torch eager on the same generated expressions
  (bench/expressions.py: 2-12 operations, bindings per expression), and Python alone compiling
  and evaluating them on floats, with no gradient: the floor for a pure-Python tool;
- a batch end to end (`agrad eval - < FILE` on JSON lines, whole process: by default a worker
  per core for a file this size; and with --jobs 1, one process) against a torch script doing
  the same (one process, import included);
- one-shot wall time of `agrad eval "(x+w)*2" --x 3 --w 1` with --format json and pretty,
  against `python -c pass` and `python -c "import typer"`;
- a deep chain (sin(sin(...x))) and a wide sum (x+x+...), each at two sizes: seconds for parse
  (api.prepare: a scalar program is compiled to its tape as it is parsed, as `agrad eval` does),
  forward and backward, and peak memory, each in a fresh process; the ratio between sizes; and
  which path ran (tape: the fast scalar path; engine: Tensors);
- then bench/vectors.py and bench/batch.py (vectors and --points) unless --quick.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import expressions  # noqa: E402
import torch_peer  # noqa: E402

TARGETS = {
    "throughput": "agrad.evaluate >= 2x torch eager",
    "batch": "batch end to end >= 3x faster than the torch script",
    "json": "one-shot json < 0.100 s",
    "pretty": "one-shot pretty < 0.150 s",
    "big": "1,000,000 nodes: parse+forward+backward < 10 s, peak < 1.5 GB, at most 12x the 100,000 case",
}


def agrad_command() -> list[str]:
    exe = shutil.which("agrad", path=os.path.dirname(sys.executable)) or shutil.which("agrad")
    return [exe] if exe else [sys.executable, "-m", "agrad"]


def have_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def rounds(contenders: dict, runs: int) -> dict:
    """{name: [seconds of each call]} for contenders {name: a function of no arguments}, which
    take turns round after round, so that a change in the machine's load reaches all of them."""
    times: dict = {name: [] for name in contenders}
    for _ in range(runs):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def walls(commands: dict, runs: int) -> dict:
    """rounds() of whole processes: commands {name: (argv, stdin path or None)}."""
    def process(cmd, stdin_path):
        def call():
            with open(stdin_path or os.devnull, "rb") as stdin, open(os.devnull, "wb") as out:
                subprocess.run(cmd, stdin=stdin, stdout=out, check=False)

        return call

    return rounds({name: process(cmd, stdin_path) for name, (cmd, stdin_path) in commands.items()}, runs)


def throughput(n: int, runs: int) -> None:
    import agrad

    exprs = expressions.generate(n, seed=1)

    def with_agrad(batch):
        for source, bindings in batch:
            agrad.evaluate(source, **bindings)

    contenders = {"agrad": with_agrad, "floor": torch_peer.floor}
    if have_torch():
        import torch

        contenders["torch"] = lambda batch: torch_peer.run(batch, torch)
    for fn in contenders.values():
        fn(exprs[: max(1, n // 10)])  # warm up
    # each figure is the median of its rounds
    times = rounds({name: functools.partial(fn, exprs) for name, fn in contenders.items()}, runs)
    rate = {name: n / statistics.median(t) for name, t in times.items()}
    ours = rate["agrad"]
    print(f"throughput, {n} generated expressions (2-12 operations), median of {runs} rounds:")
    print(f"  agrad.evaluate       {ours:10,.0f} expr/s")
    print(f"  python floats only   {rate['floor']:10,.0f} expr/s  (compile + eval, no gradient: the floor)")
    if "torch" in rate:
        print(f"  torch eager          {rate['torch']:10,.0f} expr/s")
        print(f"  ratio agrad/torch    {ours / rate['torch']:10.2f}x   target: {TARGETS['throughput']}")
    else:
        print("  torch eager          skipped: torch is not installed")


TORCH_SCRIPT = """
import json, sys
sys.path.insert(0, {here!r})
import torch, torch_peer
jobs = [json.loads(line) for line in open({path!r})]
torch_peer.run([(j["expr"], j["vars"]) for j in jobs], torch)
"""


def batch(n: int, runs: int, tmp: str) -> None:
    path = os.path.join(tmp, "batch.jsonl")
    with open(path, "w", encoding="utf-8") as fh:
        for source, bindings in expressions.generate(n, seed=2):
            fh.write(json.dumps({"expr": source, "vars": bindings}) + "\n")
    commands = {"agrad": (agrad_command() + ["eval", "-", "--format", "json"], path),
                "one process": (agrad_command() + ["eval", "-", "--format", "json", "--jobs", "1"], path)}
    if have_torch():
        commands["torch"] = ([sys.executable, "-c", TORCH_SCRIPT.format(here=HERE, path=path)], None)
    median = {name: statistics.median(t) for name, t in walls(commands, runs).items()}
    ours, one = median["agrad"], median["one process"]
    from agrad.batch.jobs import AUTO_JOBS_BYTES
    from agrad.batch.workers import cores

    size = os.path.getsize(path)
    default = f"a worker per core ({cores()})" if size >= AUTO_JOBS_BYTES else "one process"
    print(f"batch end to end, {n:,} JSON lines through `agrad eval - < FILE` (whole process, median of {runs}):")
    print(f"  agrad                {ours:10.2f} s   {n / ours:10,.0f} lines/s  "
          f"(the default for a file of {size / 2**20:.1f} MiB: {default})")
    print(f"  agrad --jobs 1       {one:10.2f} s   {n / one:10,.0f} lines/s  (one process)")
    if "torch" in median:
        theirs = median["torch"]
        print(f"  torch script         {theirs:10.2f} s   {n / theirs:10,.0f} lines/s  (one process)")
        print(f"  ratio torch/agrad    {theirs / ours:10.2f}x   target: {TARGETS['batch']}")
        print(f"  with --jobs 1        {theirs / one:10.2f}x")
    else:
        print("  torch script         skipped: torch is not installed")


def one_shot(runs: int) -> None:
    base = agrad_command() + ["eval", "(x+w)*2", "--x", "3", "--w", "1"]
    times = walls({"python": ([sys.executable, "-c", "pass"], None),
                   "typer": ([sys.executable, "-c", "import typer"], None),
                   "json": (base + ["--format", "json"], None), "pretty": (base, None)}, runs)
    python, typer, as_json, pretty = (statistics.median(times[k]) for k in ("python", "typer", "json", "pretty"))
    print(f"one-shot `agrad eval \"(x+w)*2\" --x 3 --w 1` (wall, median of {runs}, taking turns):")
    print(f"  python -c pass       {python:10.3f} s")
    print(f"  import typer         {typer:10.3f} s   (the floor of any Typer command line)")
    print(f"  --format json        {as_json:10.3f} s   target: {TARGETS['json']}")
    print(f"  --format pretty      {pretty:10.3f} s   target: {TARGETS['pretty']}")


BIG_SCRIPT = """
import json, sys, time
from agrad.evaluation.api import CompiledResult, prepare, run
kind, n = sys.argv[1], int(sys.argv[2])
source = "sin(" * n + "x" + ")" * n if kind == "chain" else "+".join(["x"] * n)
start = time.perf_counter()
program = prepare(source)  # parsed, and compiled to a tape as it is parsed (what agrad eval does)
parsed = time.perf_counter()
result = run(source, {"x": 0.5}, program=program, max_source_bytes=len(source.encode()) + 1)
done = time.perf_counter()
# VmHWM, not ru_maxrss: the latter counts the parent's memory from before exec.
peak_kb = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
print(json.dumps({"path": "tape" if isinstance(result, CompiledResult) else "engine", "parse": parsed - start, "forward+backward": done - parsed, "total": done - start,
                  "peak_mb": peak_kb / 1024}))
"""


def big(sizes: list[int], runs: int) -> None:
    print(f"big graphs, each in a fresh process (seconds, the run of median total of {runs}; peak resident memory):")
    for kind in ("chain", "sum"):
        totals = []
        for n in sizes:
            figs = []
            for _ in range(runs):
                out = subprocess.run([sys.executable, "-c", BIG_SCRIPT, kind, str(n)], capture_output=True, text=True)
                if out.returncode != 0:
                    print(f"  {kind:5} {n:>9,}  failed: {out.stderr.strip().splitlines()[-1:]}")
                    break
                figs.append(json.loads(out.stdout))
            else:
                fig = sorted(figs, key=lambda f: f["total"])[len(figs) // 2]
                totals.append(fig["total"])
                print(f"  {kind:5} {n:>9,}  parse {fig['parse']:6.2f}  forward+backward {fig['forward+backward']:6.2f}"
                      f"  total {fig['total']:6.2f} s  peak {fig['peak_mb']:7.0f} MB  ({fig['path']})")
        if len(totals) == 2:
            print(f"  {kind:5} ratio {sizes[1] // sizes[0]}x the nodes: {totals[1] / totals[0]:.1f}x the time")
    print(f"  target: {TARGETS['big']}")


def others(quick: bool) -> None:
    if quick:
        print("--- bench/plot.py --quick ---", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "plot.py"), "--quick"], check=False)
        return
    for script, args in (("vectors.py", []), ("batch.py", []), ("plot.py", [])):
        print(f"--- bench/{script} ---", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, script)] + args, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    quick = args.quick
    with tempfile.TemporaryDirectory() as tmp:
        throughput(300 if quick else 5000, 1 if quick else 5)
        batch(2000 if quick else 100_000, 1 if quick else 3, tmp)
        one_shot(3 if quick else 10)
        big([2000, 20000] if quick else [100_000, 1_000_000], 1 if quick else 3)
        others(quick)


if __name__ == "__main__":
    main()
