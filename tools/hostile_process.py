"""Issue 14's failures around the process, tried as a hostile user would: prints, for each, the
outcome (exit status and the first line of stderr), the seconds it took, and the processes it
left behind (workers still alive after the parent exited).

    python tools/hostile_process.py [--agrad "python -m agrad"] [--only NAME]

Everything runs under `timeout` and an address-space cap, in a scratch directory. The dead
worker case writes a 300,000-line input and kills one worker with SIGKILL a second in.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

CAP = ["prlimit", "--as=4000000000"]
TIMEOUT = 60


def children(pid: int) -> set[int]:
    """Every descendant of pid now (from /proc), to find the workers."""
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    kids = [int(k) for k in fh.read().split()]
            except OSError:
                continue
            for kid in kids:
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Run:
    """One agrad process: started, watched for its workers, perhaps signalled, waited for."""

    def __init__(self, args, stdin=None, stdout=None, shell=False, group=False, pipe=False):
        self.started = time.monotonic()
        # stdout and stderr go to files (a pipe nobody reads while the run is watched would fill
        # and block agrad), unless stdout is given (a shell redirection) or pipe (read as it comes)
        self.out = None if stdout is not None or shell or pipe else tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        chosen = subprocess.PIPE if pipe else stdout if stdout is not None else self.out
        self.proc = subprocess.Popen(args, stdin=stdin, stdout=chosen, stderr=self.err, shell=shell,
                                     start_new_session=group)
        self.seen: set[int] = set()
        self.peak = 0

    def watch(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and self.proc.poll() is None:
            kids = children(self.proc.pid)
            self.seen |= kids
            self.peak = max(self.peak, len(kids))
            time.sleep(0.02)

    def finish(self, limit: float = TIMEOUT):
        while self.proc.poll() is None and time.monotonic() - self.started < limit:
            self.watch(0.2)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        out = b""
        if self.out is not None:
            self.out.seek(0)
            out = self.out.read()
        self.err.seek(0)
        err = self.err.read()
        seconds = time.monotonic() - self.started
        time.sleep(0.3)  # a worker the parent failed to end has had time to notice by now
        left = sorted(p for p in self.seen if alive(p))
        return self.proc.returncode, out, err.decode(errors="replace"), seconds, left


def show(name: str, status, err: str, seconds: float, left, extra: str = "") -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    first = lines[0] if lines else "(nothing on stderr)"
    more = f" (+{len(lines) - 1} more stderr lines)" if len(lines) > 1 else ""
    traceback = " TRACEBACK" if "Traceback" in err else ""
    print(f"{name:<44} exit {status!s:>4}  {seconds:6.2f} s  left behind: {len(left)}{traceback}")
    print(f"    {first[:150]}{more}{('  ' + extra) if extra else ''}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agrad", default=f"{sys.executable} -m agrad")
    parser.add_argument("--only", default=None, help="run only the cases whose name contains this")
    opts = parser.parse_args()
    agrad = shlex.split(opts.agrad)
    work = tempfile.mkdtemp(prefix="agrad-hostile-")
    big = os.path.join(work, "big.txt")
    with open(big, "w") as fh:
        fh.writelines(f"x^2*sin(w)+{i}\n" for i in range(300_000))
    points = os.path.join(work, "points.csv")
    with open(points, "w") as fh:
        fh.write("x,w\n" + "".join(f"{i},{i / 2}\n" for i in range(200_000)))
    bindings = ["--x", "1.5", "--w", "2"]

    def case(name):
        return opts.only is None or opts.only in name

    # -- a dead worker -------------------------------------------------------------------------
    if case("dead worker"):
        with open(big, "rb") as stdin:
            run = Run(CAP + agrad + ["eval", "-", "--jobs", "2"] + bindings, stdin=stdin)
            run.watch(1.0)
            workers = sorted(children(run.proc.pid))
            if workers:
                os.kill(workers[0], signal.SIGKILL)
            status, out, err, seconds, left = run.finish(120)
        records = [json.loads(line) for line in out.splitlines()]
        internal = sum(1 for r in records if r.get("error", {}).get("kind") == "internal")
        ordered = [r["line"] for r in records] == list(range(1, 300_001))
        show("dead worker (kill -9, 300,000 lines)", status, err, seconds, left,
             f"records {len(records)}, internal {internal}, in order and each once: {ordered}")
        with open(big, "rb") as stdin:
            run = Run(CAP + agrad + ["eval", "-", "--jobs", "2", "--fail-fast"] + bindings, stdin=stdin)
            run.watch(1.0)
            workers = sorted(children(run.proc.pid))
            if workers:
                os.kill(workers[0], signal.SIGKILL)
            status, out, err, seconds, left = run.finish(120)
        show("dead worker --fail-fast", status, err, seconds, left,
             f"records {len(out.splitlines())}, last: {out.splitlines()[-1][:90].decode() if out else ''}")

    # -- stdout to /dev/full, stdout closed ----------------------------------------------------
    paths = [
        ("eval pretty", ["eval", "x*w"] + bindings),
        ("eval json", ["eval", "x*w", "-F", "json"] + bindings),
        ("eval plain", ["eval", "x*w", "-F", "plain"] + bindings),
        ("eval csv", ["eval", "x*w", "-F", "csv"] + bindings),
        ("eval --grad", ["eval", "x*w", "--grad", "x"] + bindings),
        ("batch arguments", ["eval", "x*w", "x+w"] + bindings),
        ("batch stdin --jobs 2", ["eval", "-", "--jobs", "2"] + bindings),
        ("--points", ["eval", "x*w", "--points", points]),
        ("graph", ["graph", "x*w"] + bindings),
        ("functions", ["functions"]),
        ("--version", ["--version"]),
    ]
    for label, target in (("/dev/full", "full"), ("stdout closed", "closed")):
        for name, args in paths:
            if not case(f"{label} {name}"):
                continue
            stdin = open(big, "rb") if "-" in args else subprocess.DEVNULL
            cmd = " ".join(shlex.quote(a) for a in CAP + agrad + args)
            cmd += " >/dev/full" if target == "full" else " >&-"
            run = Run(cmd, stdin=stdin, stdout=None, shell=True)
            status, _, err, seconds, left = run.finish()
            show(f"{label}: {name}", status, err, seconds, left)

    # -- stdin closed --------------------------------------------------------------------------
    for name, args in (("eval -", ["eval", "-"]), ("--x @-", ["eval", "x", "--x", "@-"]),
                       ("-f -", ["eval", "-f", "-", "--x", "1"]), ("--points -", ["eval", "x", "--points", "-"])):
        if case(f"stdin closed {name}"):
            cmd = " ".join(shlex.quote(a) for a in CAP + agrad + args) + " <&-"
            status, _, err, seconds, left = Run(cmd, stdin=None, shell=True).finish()
            show(f"stdin closed: {name}", status, err, seconds, left)
    if case("stdin twice"):
        status, _, err, seconds, left = Run(CAP + agrad + ["eval", "-", "--x", "@-"],
                                            stdin=subprocess.DEVNULL).finish()
        show("stdin twice: eval - --x @-", status, err, seconds, left)

    # -- a reader that leaves early -------------------------------------------------------------
    for name, args, feed in (("one-shot pretty", ["eval", "x*w"] + bindings, None),
                             ("functions", ["functions"], None),
                             ("batch, 300,000 lines", ["eval", "-"] + bindings, big),
                             ("batch --jobs 2", ["eval", "-", "--jobs", "2"] + bindings, big),
                             ("--points, 200,000 rows", ["eval", "x*w", "--points", points], None)):
        if not case(f"head -c 10 {name}"):
            continue
        cmd = " ".join(shlex.quote(a) for a in CAP + agrad + args)
        cmd += (f" < {shlex.quote(feed)}" if feed else "") + " | head -c 10 >/dev/null; exit ${PIPESTATUS[0]}"
        run = Run(["bash", "-c", cmd], stdin=subprocess.DEVNULL)
        run.watch(0.5)
        status, _, err, seconds, left = run.finish()
        show(f"| head -c 10: {name}", status, err, seconds, left)

    # -- signals -------------------------------------------------------------------------------
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        if not case(f"signal {sig.name}"):
            continue
        with open(big, "rb") as stdin:
            # SIGINT as Ctrl-C sends it, to the whole group; the others to the parent alone
            run = Run(agrad + ["eval", "-", "--jobs", "2"] + bindings, stdin=stdin, group=True)
            run.watch(1.5)
            if sig == signal.SIGINT:
                os.killpg(run.proc.pid, sig)
            else:
                os.kill(run.proc.pid, sig)
            status, out, err, seconds, left = run.finish()
        show(f"batch --jobs 2, {sig.name}", status, err, seconds, left, f"(workers seen: {len(run.seen)})")
    if case("signal one-shot"):
        for sig in (signal.SIGINT, signal.SIGTERM):
            run = Run(agrad + ["eval", "x^x", "--x", "0.7", "--order", "30"], stdin=subprocess.DEVNULL, group=True)
            run.watch(1.5)
            os.killpg(run.proc.pid, sig)
            status, _, err, seconds, left = run.finish()
            show(f"one-shot (--order 30), {sig.name}", status, err, seconds, left)

    # -- fork failure, workers bound -------------------------------------------------------------
    if case("fork"):
        # fork fails after the third worker (as with prlimit --nproc, which root is exempt from)
        code = ("import os, sys; real = os.fork; n = [0]\n"
                "def fork():\n    n[0] += 1\n"
                "    if n[0] > 3: raise BlockingIOError(11, 'Resource temporarily unavailable')\n"
                "    return real()\n"
                "os.fork = fork; sys.argv[0] = 'agrad'; from agrad.__main__ import run; run()")
        with open(big, "rb") as stdin:
            run = Run(CAP + [sys.executable, "-c", code, "eval", "-", "--jobs", "200"] + bindings, stdin=stdin)
            status, out, err, seconds, left = run.finish(120)
        show("--jobs 200, fork fails after 3", status, err, seconds, left,
             f"records {len(out.splitlines())}, peak workers {run.peak}")
    if case("jobs 1000"):
        run = Run(CAP + agrad + ["eval", "x^2", "x^3", "--x", "2", "--jobs", "1000", "-F", "json"])
        status, out, err, seconds, left = run.finish()
        show("--jobs 1000 for 2 jobs", status, err, seconds, left,
             f"peak workers {run.peak}, records {len(out.splitlines())}")
        with open(big, "rb") as stdin:
            run = Run(CAP + agrad + ["eval", "-", "--jobs", "1000"] + bindings, stdin=stdin)
            status, out, err, seconds, left = run.finish(120)
        show("--jobs 1000, 300,000 lines", status, err, seconds, left,
             f"peak workers {run.peak}, records {len(out.splitlines())}")

    # -- endless input with no newline --------------------------------------------------------------
    if case("dev/zero"):
        with open("/dev/zero", "rb") as zero:
            run = Run(agrad + ["eval", "-"], stdin=zero, pipe=True)
            first = run.proc.stdout.readline()
            took = time.monotonic() - run.started
            run.proc.send_signal(signal.SIGTERM)
            status, _, err, seconds, left = run.finish()
        show("eval - < /dev/zero", status, err, seconds, left,
             f"first record after {took:.2f} s: {first[:70].decode()}")
        with open("/dev/zero", "rb") as zero:
            status, _, err, seconds, left = Run(agrad + ["eval", "-", "--fail-fast"], stdin=zero).finish()
        show("eval - --fail-fast < /dev/zero", status, err, seconds, left)
        status, _, err, seconds, left = Run(agrad + ["eval", "x", "--points", "/dev/zero"]).finish()
        show("eval x --points /dev/zero", status, err, seconds, left)

    # -- out of memory ----------------------------------------------------------------------------
    if case("memory"):
        vector = os.path.join(work, "v.txt")
        with open(vector, "w") as fh:
            fh.write("0.5\n" * 100_000)
        cmd = ["prlimit", "--as=1500000000"] + agrad + ["eval", "sum(x^2)", "--x", f"@{vector}", "--hessian",
                                                       "-F", "json"]
        status, _, err, seconds, left = Run(cmd, stdout=subprocess.DEVNULL).finish(120)
        show("--hessian of 100,000 elements, 1.5 GB cap", status, err, seconds, left)
        with open(vector, "w") as fh:
            fh.write("1.5\n" * 50_000_000)
        cmd = ["prlimit", "--as=3000000000"] + agrad + ["eval", "x*2", "--x", f"@{vector}", "-F", "json"]
        status, _, err, seconds, left = Run(cmd, stdout=subprocess.DEVNULL).finish(300)
        show("50M-element vector as JSON, 3 GB cap", status, err, seconds, left)
        os.unlink(vector)
    return 0


if __name__ == "__main__":
    sys.exit(main())
