"""Parsing cold files in worker processes, when there is enough work to pay for them.

The walk is depth first: the file it needs next is usually the one it announced
last, while files announced earlier are needed later. So the parent and the
workers split the work from both ends: a worker parses announced files oldest
first, and when the walk needs a file no worker has started, the parent parses it
itself at once rather than wait. When a worker is on the very file the walk
needs, the parent parses the newest small file nobody has started meanwhile. The
walk announces a module's imports and, the first time it enters a package, the
package's other modules (a guess that keeps a worker ahead of the walk).

Why not :class:`concurrent.futures.ProcessPoolExecutor`: it feeds its workers
from threads of the parent, and the parent's main thread (the walk, parsing) keeps
the GIL busy, so those threads got a turn every few milliseconds and the worker
starved (it parsed 193 of sympy's 1,517 files). Here there is no thread in the
parent: announcements go down a pipe as one message per batch, and a table in
shared memory says who took which file (0 nobody, 1 the parent, 2 a worker). Two
processes taking the same file at once is possible and harmless: both get the
same facts, and the parent keeps its own. Workers send back marshalled facts
(from their main thread: a sender thread waited for the GIL as the parent's had);
the parent reads a worker's results before it writes to it again, and a worker
reads new tasks before each file, so neither waits on the other's full pipe. The
parent owns the cache.

Workers are forked on Linux when the process has no other thread. Elsewhere on
POSIX (macOS, where ``fork`` is unsafe, or a process with threads, such as a
notebook kernel's) they are fresh interpreters started with ``-c``: they import
only jobdeps, never the caller's ``__main__`` (which multiprocessing's ``spawn``
would import again, and run again if it has no main guard), get their pipes and
a file-backed claim table as inherited descriptors, and start about 0.1 s later,
so they need more work to pay (:data:`MIN_SPAWN_POOL_BYTES`). On Windows files
are parsed serially.
:func:`worth_a_pool` starts one only when there is more than one CPU and the
announced work is large enough (:data:`MIN_POOL_BYTES`), so a small job never
waits for a pool.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobdeps.analyzer.factcache import content_key, decode_facts, encode_facts, stat_stamp
from jobdeps.analyzer.facts import FileFacts

#: Below this many bytes of cold source announced a pool does not pay for itself.
MIN_POOL_BYTES = 256 * 1024
#: The same for workers that start a fresh interpreter (no ``fork``): measured even
#: with serial at 0.25 MB of generated modules, 1.5x faster at 0.5 MB.
MIN_SPAWN_POOL_BYTES = 512 * 1024
#: Files a pool can be told about; later ones are parsed by the parent.
MAX_TASKS = 1 << 20
#: The biggest file the parent parses ahead while it waits for a worker.
HELP_MAX_BYTES = 64 * 1024
_FREE, _PARENT, _WORKER = 0, 1, 2


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Fork only on Linux, and only a single-threaded process: a thread of the caller
    (a notebook kernel's, say) may hold a lock the child would then wait on forever
    (and Python 3.12+ warns about exactly that)."""
    import threading

    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and (threading.active_count() == 1)
    )


def can_spawn() -> bool:
    """Start workers as fresh interpreters: POSIX (they inherit descriptors), and a
    real interpreter to run (not a frozen application's own executable)."""
    return os.name == "posix" and bool(sys.executable) and not getattr(sys, "frozen", False)


def start_method() -> str | None:
    """``fork``, ``spawn`` (see the module's docstring), or None: no pool here."""
    if can_fork():
        return "fork"
    return "spawn" if can_spawn() else None


def worth_a_pool(todo: list[tuple[Path, int]], jobs: int | None) -> bool:
    workers = cpu_count() if jobs is None else jobs
    method = start_method()
    least = MIN_POOL_BYTES if method == "fork" else MIN_SPAWN_POOL_BYTES
    return (
        method is not None
        and workers > 1
        and len(todo) > 1
        and sum(size for _, size in todo) >= least
    )


def parse_file(path: str, max_bytes: int) -> Any:
    """``(size, stamp, key, facts blob)``, or None for a file the parent should
    read itself (a problem to report, a race)."""
    from jobdeps.analyzer.fastpath import fast_facts
    from jobdeps.analyzer.sources import SourceText, decode_source

    try:
        stat = os.stat(path)
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError:
        return None
    if len(data) > max_bytes or len(data) != stat.st_size:
        return None
    source = decode_source(data)
    if not isinstance(source, SourceText):
        return None
    facts = fast_facts(source.text)
    return stat.st_size, stat_stamp(stat), content_key(data), encode_facts(facts)


def _worker_main(
    tasks: Any, results: Any, claims: Any, max_bytes: int, inherited: tuple[Any, ...] = ()
) -> None:
    """A worker: parse announced files oldest first, skipping those taken already.

    ``inherited`` are the parent's ends of the pipes, which a forked worker holds
    too: closed first, or the worker would keep its own task pipe open for writing
    and never see it end when the parent is killed (an orphan, forever in recv).
    """
    import signal
    from collections import deque

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker keeps the CLI's handler
    for connection in inherited:
        with contextlib.suppress(OSError):
            connection.close()

    todo: deque[tuple[int, str]] = deque()
    tasks_ready = _Ready(tasks)
    while True:
        if not todo or tasks_ready():
            try:
                message = tasks.recv()
            except (EOFError, OSError):
                return
            if message is None:
                return
            todo.extend(message)
            continue
        index, path = todo.popleft()
        if claims[index] != _FREE:
            continue
        claims[index] = _WORKER
        try:
            row = parse_file(path, max_bytes)
        except Exception:  # the parent reads it itself and reports what is wrong
            row = None
        try:
            results.send((index, row))
        except (OSError, ValueError):
            return


def serve_spawned(tasks_fd: int, results_fd: int, claims_fd: int, max_bytes: int) -> None:
    """A spawned worker: the same loop over inherited descriptors (see ``_BOOT``)."""
    import mmap
    from multiprocessing.connection import Connection

    import jobdeps.analyzer.fastpath
    import jobdeps.analyzer.scanner  # noqa: F401  (ready before the first file)

    claims = mmap.mmap(claims_fd, MAX_TASKS)
    tasks = Connection(tasks_fd, writable=False)
    results = Connection(results_fd, readable=False)
    try:
        _worker_main(tasks, results, claims, max_bytes)
    finally:
        results.close()


# A spawned worker's program. ``-c`` puts the working folder first on ``sys.path``:
# drop it, so that no module of the user's (or of a shared folder) shadows ours.
_BOOT = (
    "import sys\n"
    "if sys.path and sys.path[0] == '':\n"
    "    del sys.path[0]\n"
    "if sys.argv[1] not in sys.path:\n"  # the parent's jobdeps, from a checkout say
    "    sys.path.insert(0, sys.argv[1])\n"
    "from jobdeps.analyzer.pool import serve_spawned\n"
    "serve_spawned(*map(int, sys.argv[2:]))\n"
)


class _Spawned:
    """A spawned worker's process, with the methods of ``multiprocessing.Process``
    used here."""

    def __init__(self, popen: Any) -> None:
        self.popen = popen

    @property
    def pid(self) -> int:
        return self.popen.pid

    def join(self, timeout: float | None = None) -> None:
        import subprocess

        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def terminate(self) -> None:
        self.popen.terminate()

    def kill(self) -> None:
        self.popen.kill()


class _Ready:
    """``connection.poll(0)`` without its cost: a poll object made once (the
    connection's own poll builds a selector at every call)."""

    def __init__(self, connection: Any) -> None:
        import select

        self.connection = connection
        self.poller = None
        if hasattr(select, "poll"):
            self.poller = select.poll()
            self.poller.register(connection.fileno(), select.POLLIN)

    def __call__(self) -> bool:
        if self.poller is None:
            return bool(self.connection.poll(0))
        return bool(self.poller.poll(0))  # readable, or closed: recv then says EOF


class _Worker:
    __slots__ = ("process", "ready", "results", "tasks")

    def __init__(self, process: Any, tasks: Any, results: Any) -> None:
        self.process, self.tasks, self.results = process, tasks, results
        self.ready = _Ready(results)


class ParsePool:
    """Files announced to the workers, by path; :meth:`take` hands one result over."""

    def __init__(
        self,
        max_bytes: int,
        jobs: int | None,
        store: Callable[[Path, int, int, bytes, FileFacts, bytes], Any],
    ) -> None:
        # The parsers, shared by the forked workers. Not libcst: most files never need
        # it (see jobdeps.analyzer.scanner), and it costs 0.3 s to import.
        import jobdeps.analyzer.fastpath
        import jobdeps.analyzer.scanner  # noqa: F401

        self.max_bytes = max_bytes
        self.store = store
        self.method = start_method()
        # the parent parses too (the files it needs before a worker gets to them)
        count = max(1, (cpu_count() if jobs is None else jobs) - 1)
        self.workers: list[_Worker] = []
        self.tasks: dict[Path, tuple[int, _Worker, int]] = {}  # index, worker, size
        self.done: dict[int, Any] = {}
        self.count = 0
        self.turn = 0
        self.claims: Any = None  # who took which file (see the module's docstring)
        self._claims_file: Any = None
        try:
            self._start(count)
        except OSError:  # no more processes (a limit, a sandbox): the caller goes serial
            self.close()
            raise

    def _start(self, count: int) -> None:
        max_bytes = self.max_bytes
        if self.method == "fork":
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self.claims = context.RawArray("b", MAX_TASKS)
            parent_ends: tuple[Any, ...] = ()
            for _ in range(count):
                tasks_out, tasks_in = context.Pipe(duplex=False)
                results_out, results_in = context.Pipe(duplex=False)
                parent_ends += (tasks_in, results_out)
                process = context.Process(
                    target=_worker_main,
                    args=(tasks_out, results_in, self.claims, max_bytes, parent_ends),
                    daemon=True,
                )
                process.start()
                tasks_out.close()
                results_in.close()
                self.workers.append(_Worker(process, tasks_in, results_out))
        else:
            import mmap
            import tempfile

            # shared with the workers through an inherited descriptor (anonymous
            # shared memory reaches forked children only); unlinked already
            self._claims_file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
            self._claims_file.truncate(MAX_TASKS)
            self.claims = mmap.mmap(self._claims_file.fileno(), MAX_TASKS)
            for _ in range(count):
                self.workers.append(self._spawn(max_bytes))

    def _spawn(self, max_bytes: int) -> _Worker:
        import subprocess
        from multiprocessing.connection import Connection

        import jobdeps

        root = os.path.dirname(os.path.dirname(os.path.abspath(jobdeps.__file__)))
        tasks_fd, tasks_w = os.pipe()
        results_r, results_fd = os.pipe()
        claims_fd = self._claims_file.fileno()
        try:
            fds = (tasks_fd, results_fd, claims_fd)
            popen = subprocess.Popen(
                [sys.executable, "-c", _BOOT, root, *map(str, fds), str(max_bytes)],
                pass_fds=fds,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except BaseException:
            os.close(tasks_w)
            os.close(results_r)
            raise
        finally:
            os.close(tasks_fd)
            os.close(results_fd)
        return _Worker(
            _Spawned(popen),
            Connection(tasks_w, readable=False),
            Connection(results_r, writable=False),
        )

    def pending(self, path: Path) -> bool:
        return path in self.tasks

    def submit(self, todo: list[tuple[Path, int]]) -> None:
        """Announce files, spread over the workers in turn, in one message each."""
        batches: dict[int, list[tuple[int, str]]] = {}
        for path, size in todo:
            if path in self.tasks or self.count >= MAX_TASKS:
                continue
            index = self.count
            self.count += 1
            turn = self.turn % len(self.workers)
            self.turn += 1
            self.tasks[path] = (index, self.workers[turn], size)
            batches.setdefault(turn, []).append((index, str(path)))
        for turn, batch in batches.items():
            worker = self.workers[turn]
            # Read its results first: a worker blocked on a full results pipe does not
            # read tasks, and this send would wait for it forever.
            self._drain(worker)
            try:
                worker.tasks.send(batch)
            except (OSError, ValueError):  # a dead worker: the parent parses them
                for index, _path in batch:
                    self.claims[index] = _PARENT

    def _drain(self, worker: _Worker, wait_for: int | None = None) -> None:
        """Collect the results a worker has sent; with ``wait_for``, until that one."""
        try:
            while (wait_for is not None and wait_for not in self.done) or worker.ready():
                index, row = worker.results.recv()
                self.done[index] = row
        except (EOFError, OSError, TypeError, ValueError):
            if wait_for is not None:
                self.done.setdefault(wait_for, None)

    def take(self, path: Path) -> Any:
        """The result for ``path`` (waiting if a worker is on it), or None to read it here."""
        task = self.tasks.pop(path, None)
        if task is None:
            return None
        index, worker, _size = task
        self._drain(worker)
        if index not in self.done:
            if self.claims[index] != _WORKER:
                self.claims[index] = _PARENT  # nobody started it: parse it here, now
                return None
            # A worker is on it: rather than wait idle, parse files announced since
            # (the walk needs them soon; no worker gets to them before older ones).
            while index not in self.done and self._help():
                self._drain(worker)
            self._drain(worker, wait_for=index)
        row = self.done.pop(index, None)
        if row is None:
            return None
        size, stamp, key, blob = row
        facts = decode_facts(blob)
        if facts is None:
            return None
        return self.store(path, size, stamp, key, facts, blob)

    def _help(self) -> bool:
        """Parse the newest announced file nobody has started; False when there is none."""
        for path in reversed(self.tasks):
            index, _worker, size = self.tasks[path]
            if size > HELP_MAX_BYTES:
                continue  # the walk must not stall on a big file it may never need
            if self.claims[index] == _FREE:
                self.claims[index] = _PARENT
                try:
                    self.done[index] = parse_file(str(path), self.max_bytes)
                except Exception:  # read again in the walk, which reports what is wrong
                    self.done[index] = None
                return True
            if index in self.done:
                continue
            break  # older files are a worker's (it takes them oldest first)
        return False

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError, ValueError):
                worker.tasks.send(None)
        for worker in self.workers:
            # a worker stops before its next file; one still parsing ahead is not waited for
            worker.process.join(timeout=0.1)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=2)
            worker.tasks.close()
            worker.results.close()
        self.workers.clear()
        self.tasks.clear()
        self.done.clear()
        if self._claims_file is not None:
            if self.claims is not None:
                self.claims.close()
            self._claims_file.close()
            self._claims_file = None
