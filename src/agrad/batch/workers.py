"""Where a batch's chunks are computed: in this process, or over worker processes (--jobs N).

Both executors take a chunk of jobs and hand back a handle whose `get()` gives the chunk's
outcomes; the batch keeps the handles in input order and writes each chunk's outcomes when its
turn comes.

The pool is agrad's own rather than multiprocessing.Pool, because Pool cannot survive a worker
that dies: a worker killed by the out-of-memory killer (or kill -9) takes its task with it,
Pool starts a replacement, and the task's result never comes, so the batch waits forever. Here
each worker has its own pair of pipes and holds one chunk at a time, so the parent knows
exactly which chunk a dead worker held: it waits on the result pipes and the workers' process
sentinels together, notices a death at once, reports that chunk's jobs as lost (WorkerLost; the
batch writes an `internal` error record for each) and starts a replacement. One chunk at a time
also means the parent never blocks sending to a worker that is itself blocked sending a result.

Workers are started as they are needed (a short stream never starts more than it uses), at
most `jobs` of them. A worker that cannot be started (fork fails: too many processes) is not an
error: the batch goes on with the workers it has, or in this process, and says so on stderr.

Workers ignore SIGINT (Ctrl-C reaches the whole process group, and only the parent should act
on it), take SIGTERM and SIGHUP with the default action (die quietly), and end as soon as the
parent does: on Linux the kernel kills them when the parent dies (PR_SET_PDEATHSIG), elsewhere
they end when their task pipe reaches its end.
"""

from __future__ import annotations

import os
import signal
from collections import deque

_PARENT_ENDS: set = set()  # the parent's ends of every worker's pipes: a new worker closes its copies
_STARTING = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
             if hasattr(signal, name)}  # blocked while a worker starts


class WorkerLost(Exception):
    """The worker computing a chunk died before sending its outcomes."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


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


class _Handle:
    """A chunk sent (or to be sent) to a worker: done once its outcomes came, or it was lost."""

    __slots__ = ("_pool", "chunk", "value", "lost", "done")

    def __init__(self, pool, chunk):
        self._pool = pool
        self.chunk = chunk
        self.value = None
        self.lost = None  # why, when the worker died holding it
        self.done = False

    def ready(self) -> bool:
        if not self.done:
            self._pool.pump(0)
        return self.done

    def get(self):
        while not self.done:
            self._pool.pump(None)
        if self.lost is not None:
            raise WorkerLost(self.lost)
        return self.value


class _Worker:
    def __init__(self, context, make_runner, spec):
        tasks_out, tasks_in = context.Pipe(duplex=False)
        results_out, results_in = context.Pipe(duplex=False)
        self.process = context.Process(target=_serve, args=(make_runner, spec, tasks_out, results_in, os.getpid()),
                                       daemon=True)
        # Registered before the fork, so that the child closes its copies of these too: a
        # worker holding the write end of its own task pipe would never see that pipe's end.
        _PARENT_ENDS.update((tasks_in, results_out))
        try:
            self.process.start()
        except BaseException:
            _PARENT_ENDS.difference_update((tasks_in, results_out))
            for conn in (tasks_out, tasks_in, results_out, results_in):
                conn.close()
            raise
        tasks_out.close()  # the child's ends: only the child holds them now
        results_in.close()
        self.tasks = tasks_in
        self.results = results_out
        self.handle = None  # the chunk it is computing

    def close(self):
        for conn in (self.tasks, self.results):
            _PARENT_ENDS.discard(conn)
            conn.close()


class Pool:
    def __init__(self, make_runner, spec, jobs: int, note=None):
        import multiprocessing

        self.jobs = jobs  # the most workers
        self._context = multiprocessing.get_context()
        self._make_runner = make_runner
        self._spec = spec
        self._note = note or (lambda text: None)
        self._workers: list[_Worker] = []
        self._queue: deque = deque()  # handles not yet sent, in order
        self._local = None  # this process's runner, once no worker can be started
        self._can_grow = True
        self._start()  # the first now: where none can start, the caller runs the batch in this process

    def submit(self, chunk):
        handle = _Handle(self, chunk)
        self._queue.append(handle)
        self._dispatch()
        return handle

    def _start(self) -> None:
        import signal

        # SIGINT, SIGTERM and SIGHUP are blocked while a worker starts, so that one arriving
        # between its birth and its own handlers (_serve) cannot reach the parent's handlers
        # there and print a traceback; this process receives it once it is unblocked. (No
        # pthread_sigmask on Windows.)
        mask = getattr(signal, "pthread_sigmask", None)
        old = mask(signal.SIG_BLOCK, _STARTING) if mask else None
        try:
            self._workers.append(_Worker(self._context, self._make_runner, self._spec))
        finally:
            if mask:
                mask(signal.SIG_SETMASK, old)

    def _grow(self) -> bool:
        if not self._can_grow or len(self._workers) >= self.jobs:
            return False
        try:
            self._start()
            return True
        except OSError as exc:  # fork failed (EAGAIN: the process limit), no memory, ...
            self._can_grow = False
            have = len(self._workers)
            reason = exc.strerror or str(exc)
            if have:
                self._note(f"agrad: note: cannot start more worker processes ({reason}); going on with {have}\n")
            else:
                self._note(f"agrad: note: cannot start a worker process ({reason}); going on in this process\n")
            return False

    def _dispatch(self) -> None:
        while self._queue:
            idle = None
            for worker in self._workers:
                if worker.handle is None:
                    if worker.process.is_alive():
                        idle = worker
                        break
            if idle is None:
                if self._grow():
                    continue
                if self._workers:
                    return  # every worker is busy: pump() sends the rest as they finish
                handle = self._queue.popleft()  # no worker at all: compute it here
                if self._local is None:
                    self._local = self._make_runner(self._spec)
                handle.value, handle.done = self._local(handle.chunk), True
                continue
            handle = self._queue.popleft()
            try:
                idle.tasks.send(handle.chunk)
            except OSError:  # it died before it could take the chunk: the chunk goes to another
                self._queue.appendleft(handle)
                self._bury(idle)
                continue
            idle.handle = handle

    def pump(self, timeout: float | None) -> None:
        """Take the results that have come (waiting up to `timeout` seconds, None: until one
        comes or a worker dies), note dead workers, and send queued chunks to idle workers."""
        from multiprocessing.connection import wait

        busy = [w for w in self._workers if w.handle is not None]
        if not busy:
            self._dispatch()
            return
        owner = {}
        for worker in busy:
            owner[worker.results] = worker
            owner[worker.process.sentinel] = worker
        ready = wait(list(owner), timeout)
        for worker in dict.fromkeys(owner[obj] for obj in ready):
            if worker.handle is None:
                continue
            try:
                if worker.results.poll():
                    value = worker.results.recv()
                    worker.handle.value, worker.handle.done = value, True
                    worker.handle = None
                    continue
            except (EOFError, OSError):
                pass  # it died while sending, or before
            if not worker.process.is_alive():
                self._bury(worker)
        self._dispatch()

    def _bury(self, worker: _Worker) -> None:
        """A worker that died: the chunk it held is lost; a replacement starts when needed."""
        worker.process.join(1)
        handle, worker.handle = worker.handle, None
        if handle is not None:
            handle.lost, handle.done = death(worker.process.exitcode), True
        if worker in self._workers:
            self._workers.remove(worker)
        worker.close()

    def close(self):
        """Let the workers finish (each ends when its task pipe closes) and wait for them."""
        for worker in self._workers:
            worker.tasks.close()
        for worker in self._workers:
            worker.process.join(5)
        self.terminate()

    def terminate(self):
        """End the workers now, whatever they are doing, and wait until they are gone."""
        workers, self._workers = self._workers, []
        for worker in workers:
            if worker.process.exitcode is None:
                try:
                    worker.process.terminate()
                except OSError:  # pragma: no cover - already reaped
                    pass
        for worker in workers:
            worker.process.join(2)
            if worker.process.exitcode is None:  # pragma: no cover - SIGTERM is not ignored in workers
                worker.process.kill()
                worker.process.join()
            worker.close()
        self._queue.clear()


def death(exitcode: int | None) -> str:
    """How a worker ended, for the error records of the jobs it held."""
    import signal

    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        why = " (the out-of-memory killer does this)" if exitcode == -signal.SIGKILL else ""
        return f"the worker process computing this job was killed by {name}{why}"
    return f"the worker process computing this job ended unexpectedly (exit status {exitcode})"


def cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(jobs: int, known: int | None = None, note=None) -> int:
    """The workers for --jobs N (0: one per core): at most limits.max_workers() (a larger N is
    clamped, with a note), and at most `known`, the number of chunks when it is known."""
    from agrad.limits import WORKERS_PER_CORE, max_workers

    have = cores()
    if jobs == 0:
        jobs = have
    cap = max_workers(have)
    if jobs > cap:
        if note is not None:
            note(f"agrad: note: --jobs {jobs} is more than {WORKERS_PER_CORE} worker processes per core "
                 f"({have} core{'s' if have != 1 else ''} here): using {cap}\n")
        jobs = cap
    if known is not None:
        jobs = min(jobs, max(known, 1))
    return jobs


def make_executor(make_runner, spec, jobs: int, known: int | None = None, note=None):
    """jobs 1: this process; N > 1: up to N workers, started as chunks need them; 0: one per
    core (worker_count bounds N). known: how many chunks there will be, when that is known.
    note(text): where to tell the user that workers were clamped or could not start. Raises
    OSError when not even one worker can start."""
    jobs = worker_count(jobs, known, note)
    if jobs <= 1:
        return InProcess(make_runner, spec)
    return Pool(make_runner, spec, jobs, note)


def _serve(make_runner, spec, tasks, results, parent: int) -> None:
    """A worker's life: chunks in, outcomes out, until the task pipe closes."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)  # (the parent's handlers raise)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STARTING)  # (blocked by Pool while it started)
    _die_with_parent(parent)
    _quiet_stdout()
    for conn in list(_PARENT_ENDS):  # other workers' pipes: held here, they would never reach their end
        conn.close()
    _PARENT_ENDS.clear()
    try:
        runner = make_runner(spec)
        while True:
            try:
                chunk = tasks.recv()
            except EOFError:
                break  # the parent is done (or gone)
            results.send(runner(chunk))
    except (OSError, EOFError):
        pass  # the parent went away: nobody wants the outcomes
    os._exit(0)  # no interpreter clean-up: nothing of the parent's (its buffers, its atexit) runs here


def _die_with_parent(parent: int) -> None:
    """On Linux, ask the kernel to kill this worker when the parent dies, even by SIGKILL."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, ImportError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(0)


def _quiet_stdout() -> None:
    """A forked worker holds a copy of the parent's unwritten output: it must never reach
    stdout (the parent writes it), so stdout here is /dev/null."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:  # pragma: no cover
        pass
