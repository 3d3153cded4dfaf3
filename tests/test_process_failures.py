"""Issue 14's failures around the process, each in a real process: a worker that dies, output
that cannot be written, closed standard streams, a reader that leaves early, SIGTERM and SIGHUP,
fork failing, the workers' bound, endless lines. Every one of them must end with one line on
stderr and a documented exit status, never a traceback, and leave no process behind."""

from __future__ import annotations

import json
import os
import select
import shlex
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from agrad.limits import MAX_SOURCE_BYTES, MiB
from conftest import agrad_command

# The /proc walkers that find a run's workers, shared with the script that reproduces these
# failures by hand (tools/ is not a package: it is found by its path).
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "tools"))
from hostile_process import alive, children  # noqa: E402

NO_SPACE = "agrad: cannot write the output: No space left on device\n"
CLOSED = "agrad: cannot write the output: standard output is closed\n"


def wait_for_workers(proc, count: int, seconds: float = 30) -> set[int]:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        kids = children(proc.pid)
        if len(kids) >= count:
            return kids
        time.sleep(0.02)
    raise AssertionError(f"the workers did not start: {children(proc.pid)}")


def gone(pids, seconds: float = 5) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def shell(command: str, **kw):
    return subprocess.run(["bash", "-c", command], capture_output=True, timeout=120, **kw)


AGRAD = " ".join(shlex.quote(part) for part in agrad_command())
needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs Linux's /proc")


# -- a worker that dies ---------------------------------------------------------------------------

KILLER = textwrap.dedent("""
    import os, signal, sys
    from agrad.batch import jobs
    real = jobs.make_jobs

    def make_jobs(spec):
        run = real(spec)
        def chunk(jobs_):
            if any(data in (b"die", "die") for _, data in jobs_):
                os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
            return run(jobs_)
        return chunk

    jobs.make_jobs = make_jobs
    sys.argv[0] = "agrad"
    from agrad.__main__ import run
    run()
""")


@pytest.mark.parametrize("fail_fast", [False, True])
def test_a_worker_that_dies_costs_its_jobs_an_internal_record_and_the_batch_goes_on(fail_fast):
    """It used to hang forever: multiprocessing.Pool never returns the result of a task whose
    worker was killed."""
    lines = [f"x*{i}" for i in range(1, 41)]
    lines[16] = "die"  # with EXPR arguments and --jobs 2, 40 jobs are two chunks: 1-20, 21-40
    command = [sys.executable, "-c", KILLER, "eval"] + lines + ["--x", "2", "--jobs", "2", "-F", "json"]
    out = subprocess.run(command + (["--fail-fast"] if fail_fast else []), capture_output=True, timeout=60)
    assert out.returncode == 1 and b"Traceback" not in out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    if fail_fast:  # stopped at the first record of the lost chunk
        assert [r["line"] for r in records] == [1]
    else:
        assert [r["line"] for r in records] == list(range(1, 41))  # each job once, in order
        for r in records[20:]:
            assert r["value"] == 2.0 * int(r["expr"][2:])
    lost = records[:20] if not fail_fast else records
    for r in lost:
        assert r["error"]["kind"] == "internal"
        assert "killed by SIGKILL" in r["error"]["message"]
    assert lost[0]["expr"] == "x*1" and (fail_fast or lost[16]["expr"] == "die")


@needs_proc
def test_kill_9_of_a_worker_does_not_hang_the_batch(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("".join(f"x^2*sin(w)+{i}\n" for i in range(60_000)))
    with open(big, "rb") as stdin, open(tmp_path / "out", "wb") as out:
        proc = subprocess.Popen(agrad_command() + ["eval", "-", "--jobs", "2", "--x", "1", "--w", "2"],
                                stdin=stdin, stdout=out, stderr=subprocess.PIPE)
        victim = min(wait_for_workers(proc, 2))
        os.kill(victim, signal.SIGKILL)
        try:
            _, err = proc.communicate(timeout=120)
        finally:
            proc.kill()
    assert proc.returncode in (0, 1) and err == b""
    records = [json.loads(line) for line in (tmp_path / "out").read_bytes().splitlines()]
    assert [r["line"] for r in records] == list(range(1, 60_001))
    for r in records:
        assert "value" in r or ("SIGKILL" in r["error"]["message"] and proc.returncode == 1)


# -- output that cannot be written, closed streams ------------------------------------------------

OUTPUT_PATHS = [
    ["eval", "x*w", "--x", "2", "--w", "3"],
    ["eval", "x*w", "--x", "2", "--w", "3", "-F", "json"],
    ["eval", "x*w", "--x", "2", "--w", "3", "-F", "plain"],
    ["eval", "x*w", "--x", "2", "--w", "3", "-F", "csv"],
    ["eval", "x*w", "--x", "2", "--w", "3", "--grad", "x"],
    ["eval", "x*w", "x+w", "--x", "2", "--w", "3"],
    ["eval", "-", "--x", "2", "--w", "3", "--jobs", "2"],
    ["eval", "x*w", "--points", "-"],
    ["graph", "x*w", "--x", "2", "--w", "3"],
    ["functions"],
    ["--version"],
]
STDIN = b"x,w\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(2000))


@pytest.mark.parametrize("args", OUTPUT_PATHS, ids=lambda a: " ".join(a[:4]))
def test_a_full_disk_is_one_line_and_exit_74(args):
    with open("/dev/full", "wb") as full:
        out = subprocess.run(agrad_command() + args, stdout=full, stderr=subprocess.PIPE, timeout=120,
                             input=STDIN if "--points" in args else b"x*w\n" * 2000)
    assert (out.returncode, out.stderr.decode()) == (74, NO_SPACE)


@pytest.mark.parametrize("args", OUTPUT_PATHS, ids=lambda a: " ".join(a[:4]))
def test_a_closed_stdout_is_one_line_and_exit_74(args, tmp_path):
    (tmp_path / "in").write_bytes(STDIN if "--points" in args else b"x*w\n" * 2000)
    command = " ".join(shlex.quote(a) for a in args)
    out = shell(f"{AGRAD} {command} < {tmp_path / 'in'} >&-")
    assert (out.returncode, out.stderr.decode()) == (74, CLOSED)


@pytest.mark.parametrize("args, message", [
    ("eval -", "agrad: input error: there is no standard input to read\n"),
    ("eval x --x @-", "agrad: value error: bad value for --x: @- reads standard input, which is not available "
                      "here\n"),
    ("eval -f - --x 1", "agrad: value error: cannot read -f -: there is no standard input (it is closed)\n"),
    ("eval x --points -", "agrad: input error: there is no standard input to read\n"),
])
def test_a_closed_stdin_is_one_line_and_exit_2(args, message):
    out = shell(f"{AGRAD} {args} <&-")
    assert (out.returncode, out.stderr.decode()) == (2, message)


@pytest.mark.parametrize("args", [["eval", "-", "--x", "@-"], ["eval", "-", "--gradient", "@-"],
                                  ["eval", "x", "--points", "-", "--w", "@-"]])
def test_stdin_cannot_give_both_the_jobs_and_a_value(run_agrad, args):
    out = run_agrad(*args, input=b"3\n")
    assert out.returncode == 2 and out.stdout == b""
    assert out.stderr.decode().startswith("agrad: usage error: ")
    assert "cannot both read standard input" in out.stderr.decode() and len(out.stderr.splitlines()) == 1


# -- a reader that leaves early -------------------------------------------------------------------

@needs_proc
@pytest.mark.parametrize("args, feed", [
    (["functions"], None),
    (["eval", "x*w", "--x", "2", "--w", "3"], None),
    (["eval", "-", "--x", "2", "--w", "3"], "lines"),
    (["eval", "-", "--x", "2", "--w", "3", "--jobs", "2"], "lines"),
    (["eval", "x*w", "--points", "-"], "points"),
], ids=lambda a: " ".join(a) if isinstance(a, list) else str(a))
def test_a_reader_that_closes_after_10_bytes_ends_agrad_quietly(args, feed, tmp_path):
    """`agrad ... | head -c 10`: a real pipe closed early; a batch's reader goes away mid-way."""
    stdin = subprocess.DEVNULL
    if feed:
        path = tmp_path / "in"
        path.write_bytes(b"x,w\n" + b"1,2\n" * 200_000 if feed == "points" else b"x*w+1\n" * 200_000)
        stdin = open(path, "rb")
    proc = subprocess.Popen(agrad_command() + args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = set()
    if "--jobs" in args:
        seen = wait_for_workers(proc, 1)
    assert len(proc.stdout.read(10)) == 10
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read() == b""
    assert gone(seen)


# -- signals ----------------------------------------------------------------------------------------

@needs_proc
@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_to_the_parent_alone_end_the_batch_and_its_workers(sig, status):
    proc = subprocess.Popen(agrad_command() + ["eval", "-", "--x", "2", "--jobs", "2", "-F", "plain"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(b"x^2\n" * 600)  # more than one chunk: two workers
    proc.stdin.flush()
    seen = wait_for_workers(proc, 2)
    first = proc.stdout.readline()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert first == b"4.0\t4.0\n"
    assert (proc.returncode, err.decode()) == (status, f"agrad: terminated ({sig.name})\n")
    assert set((first + out).splitlines()) == {b"4.0\t4.0"}  # whole lines only
    assert gone(seen)


@pytest.mark.parametrize("sig, status, line", [(signal.SIGINT, 130, "agrad: interrupted\n"),
                                               (signal.SIGTERM, 143, "agrad: terminated (SIGTERM)\n")])
def test_a_one_shot_command_interrupted_says_so(sig, status, line):
    """Ctrl-C used to exit 130 silently (Typer's handler), SIGTERM without a word."""
    proc = subprocess.Popen(agrad_command() + ["eval", "x", "--x", "@-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(1.5)  # started, and waiting for stdin, which never ends
    os.killpg(proc.pid, sig)
    out, err = proc.communicate(timeout=60)
    proc.stdin.close()
    assert (proc.returncode, out, err.decode()) == (status, b"", line)


# -- fork failure, the workers' bound --------------------------------------------------------------

FORK_FAILS = textwrap.dedent("""
    import os, sys
    real, forks = os.fork, [0]

    def fork():
        forks[0] += 1
        if forks[0] > int(os.environ["FORKS"]):
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real()

    os.fork = fork
    sys.argv[0] = "agrad"
    from agrad.__main__ import run
    run()
""")


@pytest.mark.parametrize("forks, note", [
    (0, "agrad: note: cannot start worker processes (Resource temporarily unavailable); running the batch in "
        "this process\n"),
    (1, "agrad: note: cannot start more worker processes (Resource temporarily unavailable); going on with 1\n"),
])
def test_when_fork_fails_the_batch_goes_on_with_fewer_workers(forks, note):
    jobs = b"".join(b"x^2+%d\n" % i for i in range(3000))
    out = subprocess.run([sys.executable, "-c", FORK_FAILS, "eval", "-", "--x", "2", "--jobs", "4", "-F", "plain"],
                         input=jobs, capture_output=True, timeout=120, env={**os.environ, "FORKS": str(forks)})
    assert out.returncode == 0
    assert out.stdout.decode().splitlines() == [f"{4.0 + i}\t4.0" for i in range(3000)]
    assert out.stderr.decode().endswith(note) and "Traceback" not in out.stderr.decode()


def test_workers_are_bounded_by_the_cores_and_the_jobs(monkeypatch):
    from agrad.batch import workers
    from agrad.limits import WORKERS_PER_CORE

    monkeypatch.setattr(workers, "cores", lambda: 3)
    notes = []
    assert workers.worker_count(1000, note=notes.append) == WORKERS_PER_CORE * 3
    assert notes == [f"agrad: note: --jobs 1000 is more than {WORKERS_PER_CORE} worker processes per core "
                     f"(3 cores here): using {WORKERS_PER_CORE * 3}\n"]
    assert workers.worker_count(1000, known=2, note=notes.append) == 2  # no more workers than chunks
    assert workers.worker_count(0) == 3 and workers.worker_count(4, known=100) == 4
    assert len(notes) == 2  # one note per clamping, none for fewer jobs than workers


@needs_proc
def test_jobs_1000_for_two_jobs_starts_two_workers():
    """It started 1,001 processes (1.66 GB)."""
    from agrad.batch import workers
    from agrad.limits import WORKERS_PER_CORE

    slow = "grad(grad(grad(grad(grad(grad(x^x, x), x), x), x), x), x)"
    proc = subprocess.Popen(agrad_command() + ["eval", slow, slow, "--x", "0.7", "--jobs", "1000", "-F", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, len(children(proc.pid)))
        time.sleep(0.01)
    out, err = proc.communicate()
    assert proc.returncode == 0 and [json.loads(r)["line"] for r in out.splitlines()] == [1, 2]
    assert peak <= 2
    cap = WORKERS_PER_CORE * workers.cores()
    assert err.decode() == f"agrad: note: --jobs 1000 is more than {WORKERS_PER_CORE} worker processes per core " \
                           f"({workers.cores()} core{'s' if workers.cores() != 1 else ''} here): using {cap}\n"


# -- endless input, out of memory ----------------------------------------------------------------------

@pytest.mark.parametrize("extra", [[], ["--jobs", "2"]])
def test_an_endless_line_is_reported_as_soon_as_it_passes_the_cap(extra):
    with open("/dev/zero", "rb") as zero:
        proc = subprocess.Popen(agrad_command() + ["eval", "-"] + extra, stdin=zero, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            # it used to read /dev/zero forever, saying nothing
            assert select.select([proc.stdout], [], [], 60)[0], "no record within 60 s"
            first = json.loads(proc.stdout.readline())
        finally:
            proc.terminate()
        out, err = proc.communicate(timeout=60)
    assert first["line"] == 1 and first["error"]["kind"] == "input"
    assert first["error"]["message"].startswith(f"the line is longer than the limit of {MAX_SOURCE_BYTES} bytes")
    assert (proc.returncode, err) == (143, b"agrad: terminated (SIGTERM)\n")


def test_an_endless_line_stops_a_fail_fast_batch_and_an_endless_header_is_refused():
    with open("/dev/zero", "rb") as zero:
        out = subprocess.run(agrad_command() + ["eval", "-", "--fail-fast"], stdin=zero, capture_output=True,
                             timeout=60)
    assert out.returncode == 1 and json.loads(out.stdout)["error"]["kind"] == "input"
    out = subprocess.run(agrad_command() + ["eval", "x", "--points", "/dev/zero"], capture_output=True, timeout=60)
    assert out.returncode == 2 and out.stderr.decode() == (
        f"agrad: input error: --points /dev/zero: line 1: the line is longer than the limit of {MAX_SOURCE_BYTES} "
        "bytes (--max-source-bytes N raises it, up to 104857600)\n")


def test_out_of_memory_is_one_line_and_exit_1():
    code = textwrap.dedent("""
        import sys
        from agrad.evaluation import api
        def run(*args, **kwargs):
            raise MemoryError
        api.run = run
        sys.argv[0] = "agrad"
        from agrad.__main__ import run as main
        main()
    """)
    out = subprocess.run([sys.executable, "-c", code, "eval", "x", "--x", "1"], capture_output=True, timeout=60)
    assert out.returncode == 1 and out.stdout == b""
    assert out.stderr == b"agrad: out of memory: this computation needs more memory than this process may use\n"


def test_long_vectors_are_written_in_bounded_pieces(monkeypatch):
    """orjson.dumps of one 50M-element list crashed the process under an address-space cap."""
    import numpy as np
    import orjson

    from agrad.values import write

    sizes = []
    real = orjson.dumps

    def dumps(value, *args, **kwargs):
        sizes.append(len(value))
        return real(value, *args, **kwargs)

    monkeypatch.setattr(orjson, "dumps", dumps)
    values = np.random.default_rng(1).random(3 * write.PIECE + 7) * 1e-3
    values[::5] *= 1e-4  # numbers in orjson's own notation, which repr_texts rewrites
    items = values.tolist()
    assert write.dumps(items) == "[" + ", ".join(map(repr, items)).replace("e-0", "e-") + "]" or \
        write.dumps(items) == real(items).replace(b",", b", ").decode()
    assert write.joined(items) == real(items)[1:-1].decode()
    assert write.repr_texts(values) == [repr(v) for v in items]
    assert sizes and max(sizes) <= write.PIECE


def test_the_readme_states_the_line_limit_the_code_enforces():
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
    assert "4 MiB" not in readme  # it said 4 MiB while the code took 1 MiB
    assert f"longer than the source limit ({MAX_SOURCE_BYTES // MiB} MiB; `--max-source-bytes`)" in readme
    assert "| 74 |" in readme and "| 143, 129 |" in readme
