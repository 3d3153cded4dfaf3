"""Where a batch's chunks are computed: in this process, or over worker processes (--jobs N).

Both executors take a chunk of jobs and hand back a handle whose `get()` gives the chunk's
outcomes; the batch keeps the handles in input order and writes each chunk's outcomes when its
turn comes. The pool is fed one chunk at a time and never holds more than the batch allows, so
memory stays flat (multiprocessing.Pool.imap would read the whole input ahead into its queue).

Workers ignore SIGINT: Ctrl-C reaches the whole process group, and only the parent should act
on it (it terminates the pool), so no worker prints a traceback.
"""

from __future__ import annotations

import os

_WORKER = None  # a worker process's job runner, built once by _start_worker


class _Done:
    """The handle of a chunk computed in this process."""

    __slots__ = ("_value",)

    def __init__(self, value):
        self._value = value

    def ready(self) -> bool:
        return True

    def get(self):
        return self._value


class InProcess:
    jobs = 1

    def __init__(self, make_runner, spec):
        self._run = make_runner(spec)

    def submit(self, chunk):
        return _Done(self._run(chunk))

    def close(self):
        pass

    def terminate(self):
        pass


class Pool:
    def __init__(self, make_runner, spec, jobs: int):
        import multiprocessing
        import signal

        self.jobs = jobs
        # SIGINT is blocked while the workers start, so that a Ctrl-C in the moment between a
        # worker's birth and its ignoring SIGINT (_start_worker) cannot make it print a
        # traceback or hang the pool; this process receives that Ctrl-C once it is unblocked.
        # (Where there is no pthread_sigmask, as on Windows, the moment stays.)
        mask = getattr(signal, "pthread_sigmask", None)
        old = mask(signal.SIG_BLOCK, {signal.SIGINT}) if mask else None
        try:
            self._pool = multiprocessing.get_context().Pool(jobs, _start_worker, (make_runner, spec))
        finally:
            if mask:
                mask(signal.SIG_SETMASK, old)

    def submit(self, chunk):
        return self._pool.apply_async(_run_in_worker, (chunk,))

    def close(self):
        """Wait for the workers to finish and end them."""
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def terminate(self):
        """End the workers now, whatever they are doing."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def make_executor(make_runner, spec, jobs: int):
    """jobs 1: this process; N > 1: N workers; 0: one per core."""
    if jobs == 0:
        jobs = cores()
    if jobs <= 1:
        return InProcess(make_runner, spec)
    return Pool(make_runner, spec, jobs)


def _start_worker(make_runner, spec):
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # (blocked by Pool while it started)
    global _WORKER
    _WORKER = make_runner(spec)


def _run_in_worker(chunk):
    return _WORKER(chunk)
