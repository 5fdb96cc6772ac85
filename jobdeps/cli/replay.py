"""Replaying a run whose inputs have not changed: a warm preflight in milliseconds.

``jobdeps analyze``, ``check`` and ``why`` only read: their output (the bytes on
stdout and stderr, and the exit code) is a function of the command line, the
environment and what they read on disk. So a run records its output with
everything it looked at (:mod:`jobdeps.cli.observe`: every file read, folder
listed and path stat'ed, by jobdeps or any library, plus the code that ran), and
a later run with the same command line, working folder, environment variables,
interpreter and terminal replays it after checking, with one ``stat`` each, that
none of it changed. This runs before typer, pydantic or any of the analysis is
imported; anything else, or any change, runs the command as usual (with its
facts cache and environment index warm) and records it anew.

A run is not recorded when it was interrupted or failed inside jobdeps, when it
was tainted (it wrote outside the cache folder, ran a program: ``--python``
asks the interpreter for its ``sys.path``, changed folder...), or when anything
it read had changed within :data:`RACY_NS` of its start: a second change within
the same timestamp tick keeps the stamp. ``--no-cache`` and
``JOBDEPS_NO_CACHE=1`` turn replaying off, like every cache. ``JOBDEPS_DEBUG=1``
says on stderr why a run was or was not replayed or recorded.
"""

from __future__ import annotations

import contextlib
import io
import marshal
import os
import sys
import zlib
from collections.abc import Callable
from typing import Any, NoReturn

from jobdeps.analyzer.cachedir import RACY_NS, cache_folder
from jobdeps.cli import observe

FORMAT = 1
#: The commands whose only effect is their output.
COMMANDS = frozenset({"analyze", "check", "why"})
#: Recorded runs kept; writing one removes the least recently used beyond this.
KEEP = 32
#: Environment variables that change between runs without changing any output.
_VOLATILE_ENV = frozenset({"OLDPWD", "_", "SHLVL"})
PREFIX, SUFFIX = "run-", ".bin"

Chunks = list[tuple[int, bytes]]


def _debug(message: str) -> None:
    if os.environ.get("JOBDEPS_DEBUG", "").strip() not in ("", "0"):
        sys.stderr.write(f"jobdeps: replay: {message}\n")


def eligible(args: list[str]) -> bool:
    """May this command line be replayed (and so, recorded)?"""
    return bool(args) and args[0] in COMMANDS and "--no-cache" not in args


def _terminal(fd: int) -> tuple[int, ...] | None:
    try:
        if not os.isatty(fd):
            return None
        size = os.get_terminal_size(fd)
    except OSError:
        return (-1,)
    return (size.columns, size.lines)


def entry_path(folder: str) -> str:
    """The file that holds the recorded run of this process's command line and context."""
    material = (
        FORMAT,
        sys.executable,
        sys.version,
        tuple(sys.path),
        tuple(os.uname()) if hasattr(os, "uname") else (),
        (os.getuid(), os.getgid(), tuple(os.getgroups())) if hasattr(os, "getuid") else (),
        os.getcwd(),
        tuple(sys.argv),
        tuple(sorted(item for item in os.environ.items() if item[0] not in _VOLATILE_ENV)),
        tuple(_terminal(fd) for fd in (0, 1, 2)),
    )
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - an interpreter built without it
        from hashlib import blake2b
    # repr, not marshal: marshal marks objects referenced twice, which varies by process
    digest = blake2b(repr(material).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
    return os.path.join(folder, f"{PREFIX}{digest}{SUFFIX}")


def lookup(path: str) -> tuple[Chunks, int] | str:
    """The recorded output and exit code at ``path`` if nothing it depends on changed;
    else why not. A damaged entry is a miss, never an error."""
    try:
        with open(path, "rb") as fh:
            data = marshal.loads(zlib.decompress(fh.read()))
        fmt, tables, chunks, code = data
    except FileNotFoundError:
        return "no recorded run"
    except (OSError, ValueError, EOFError, TypeError, zlib.error):
        return "damaged entry"
    if fmt != FORMAT:
        return "entry of another format"
    if not (
        isinstance(code, int)
        and isinstance(chunks, list)
        and all(
            isinstance(c, tuple) and len(c) == 2 and c[0] in (1, 2) and isinstance(c[1], bytes)
            for c in chunks
        )
    ):
        return "damaged entry"
    try:
        for look, table in tables:
            how = observe.LOOKS[look]
            for name, stamp in table:
                if observe.stat_stamp(name, how) != stamp:
                    return f"{name} changed"
    except (TypeError, ValueError, KeyError):
        return "damaged entry"
    return chunks, code


def replay(args: list[str]) -> int | None:
    """Write the recorded output of this command line and return its exit code, or
    ``None`` when it must run."""
    folder = cache_folder()
    if folder is None:
        return None
    try:
        path = entry_path(folder)
    except OSError:  # no working folder
        return None
    found = lookup(path)
    if isinstance(found, str):
        _debug(f"run: {found}")
        return None
    chunks, code = found
    with contextlib.suppress(OSError):
        os.utime(path)  # in use: the last to be removed (see ``_prune``)
    _write(chunks)
    _debug("replayed")
    return code


def _write(chunks: Chunks) -> None:
    streams = {1: sys.stdout, 2: sys.stderr}
    for fd, data in chunks:
        stream = streams[fd]
        stream.flush()
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:  # a text-only stream (an embedding program's)
            stream.write(data.decode(stream.encoding or "utf-8", "replace"))
            stream.flush()


class _Tee(io.RawIOBase):
    """Writes through to a stream's binary buffer, keeping a copy of every write."""

    def __init__(self, target: Any, fd: int, chunks: Chunks) -> None:
        super().__init__()
        self._target = target
        self._fd = fd
        self._chunks = chunks
        self.failed = False  # a write failed (a closed pipe): the output is not whole

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        try:
            self._target.write(data)
        except BaseException:
            self.failed = True
            raise
        self._chunks.append((self._fd, bytes(data)))
        return len(data)

    def flush(self) -> None:
        try:
            self._target.flush()
        except BaseException:
            self.failed = True
            raise

    def isatty(self) -> bool:
        return self._target.isatty()

    def fileno(self) -> int:
        return self._target.fileno()


def _tee(stream: Any, fd: int, chunks: Chunks) -> io.TextIOWrapper | None:
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return None
    stream.flush()
    return io.TextIOWrapper(
        _Tee(buffer, fd, chunks),  # type: ignore[arg-type]
        encoding=getattr(stream, "encoding", None) or "utf-8",
        errors=getattr(stream, "errors", None) or "strict",
        line_buffering=bool(getattr(stream, "line_buffering", False)),
        write_through=True,
    )


def record(run: Callable[[], Any], abnormal: type[BaseException]) -> NoReturn:
    """Run the command line with ``run`` (which exits), recording it for a replay.

    ``abnormal``: the exit that says the run did not finish its work (interrupted,
    or an internal error), which is never recorded."""
    folder = cache_folder()
    try:
        path = entry_path(folder) if folder is not None else None
    except OSError:
        path = None
    chunks: Chunks = []
    out, err = sys.stdout, sys.stderr
    tee_out, tee_err = _tee(out, 1, chunks), _tee(err, 2, chunks)
    if folder is None or path is None or tee_out is None or tee_err is None:
        run()
        raise SystemExit(0)
    import signal

    interrupted: list[int] = []

    def on_interrupt(signum: int, frame: Any) -> None:
        # click turns Ctrl-C into "Aborted!" and exit 1, which looks finished
        interrupted.append(signum)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, on_interrupt)
    except ValueError:  # not the main thread (an embedding program): just run
        run()
        raise SystemExit(0) from None
    recorder = observe.start(folder)
    sys.stdout, sys.stderr = tee_out, tee_err
    code: Any = 0
    finished = False
    try:
        run()
        finished = True
    except SystemExit as exc:
        code = exc.code
        finished = not isinstance(exc, abnormal)
    finally:
        for stream in (tee_out, tee_err):
            try:
                stream.flush()
            except (OSError, ValueError):
                finished = False
        sys.stdout, sys.stderr = out, err
        observe.stop()
        signal.signal(signal.SIGINT, previous)
    whole = not (interrupted or tee_out.buffer.failed or tee_err.buffer.failed)
    code = 0 if code is None else code
    if finished and whole and isinstance(code, int):
        _store(folder, path, recorder, chunks, code)
    raise SystemExit(code)


def _code_files() -> list[str]:
    """The files of the code that ran (a change to jobdeps or a library is a new run),
    and the folders the import system looked in: every ``sys.path`` entry and every
    package's folder. The interpreter lists those once, mostly before the recording
    starts, and checks them later with a ``stat`` no hook sees; a module appearing in
    one (``typer.py`` on ``PYTHONPATH``, pipreqs installed beside jobdeps, whose
    mapping jobdeps reads when there) changes the folder's mtime."""
    files = [sys.executable, *(entry or "." for entry in sys.path)]
    for module in list(sys.modules.values()):
        name = getattr(module, "__file__", None)
        if isinstance(name, str):
            files.append(name)
            files.append(os.path.dirname(name))
        path = getattr(module, "__path__", None)  # a package's folders (namespaces too)
        if isinstance(path, (list, tuple)) or type(path).__name__ == "_NamespacePath":
            files.extend(p for p in list(path) if isinstance(p, str))
    return list(dict.fromkeys(files))


def _store(folder: str, path: str, recorder: observe.Recorder, chunks: Chunks, code: int) -> None:
    recorder.add_files(_code_files())
    if recorder.taint is not None:
        _debug(f"not recorded: {recorder.taint}")
        return
    recent = recorder.recent(RACY_NS)
    if recent is not None:
        _debug(f"not recorded: {recent} changed too recently")
        return
    stats = recorder.stats
    tables = [
        (look, [(name, stamp) for name, stamp in table.items() if stats.get(name) != stamp])
        if look == "entries"  # a file listed and stat'ed: one stat checks both
        else (look, list(table.items()))
        for look, table in recorder.tables().items()
    ]
    data = (FORMAT, tables, chunks, code)
    try:
        blob = zlib.compress(marshal.dumps(data), 1)
    except ValueError:  # unmarshallable: never expected
        return
    import tempfile

    try:
        os.makedirs(folder, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix="." + PREFIX, suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError:
        return  # the cache only saves time
    _debug("recorded")
    _prune(folder)


def _prune(folder: str) -> None:
    """Keep the :data:`KEEP` recorded runs used last."""
    try:
        names = [n for n in os.listdir(folder) if n.startswith(PREFIX) and n.endswith(SUFFIX)]
        if len(names) <= KEEP:
            return
        used = sorted((os.stat(os.path.join(folder, n)).st_mtime_ns, n) for n in names)
        for _, name in used[: len(names) - KEEP]:
            os.unlink(os.path.join(folder, name))
    except OSError:
        pass
