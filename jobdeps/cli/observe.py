"""Everything a run looked at on disk: the dependencies of a replayable run.

A replayed run (:mod:`jobdeps.cli.replay`) is only correct if *nothing* its output
depends on has changed, so the dependencies are not listed by hand: they are
observed, below every layer of jobdeps and of the libraries it calls.

- Every file opened, folder listed (``os.scandir``, ``os.listdir``, and so
  ``os.walk``, ``glob`` and ``Path.iterdir``) is seen through an audit hook
  (:pep:`578`), and every ``os.stat``/``os.lstat`` (``Path.exists``,
  ``is_file``, ``resolve``, ``os.path.*``) through a wrapper put in ``os`` for
  the run. Each gets the *stamp* it had when first looked at: mode, inode,
  device, size, mtime and ctime, or the error (a missing file is a dependency
  too: creating ``yaml.py`` beside ``main.py`` changes what ``import yaml``
  means).
- A folder listed also stamps each of its entries (a symlinked one through its
  link too), because ``DirEntry.is_file()``/``stat()`` ask the system directly.
- A run that looked at the same path twice and saw two stamps, changed anything
  outside the cache folder, changed folder, ran a program or opened a socket is
  *tainted* and never replayed. Files it created itself (``O_EXCL``, ``O_TMPFILE``:
  temporary files, byte-code) are its own scratch, not dependencies.

Stamps are taken before the content is read, so a change made after the look is
always seen; :func:`Recorder.recent` finds the stamps too close to the run to
trust (a second change within the file system's timestamp tick keeps the stamp).
"""

from __future__ import annotations

import os
import stat
import sys
import time
from _thread import get_ident
from typing import Any

Stamp = tuple[int, ...]

_real_stat = os.stat
_real_lstat = os.lstat
_real_scandir = os.scandir

_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_TMPFILE = getattr(os, "O_TMPFILE", 0)
#: events that change the file system, with the indexes of the paths they change
_MUTATING = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.symlink": (1,),
    "os.link": (1,),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "os.chflags": (0,),
    "os.lchflags": (0,),
    "os.setxattr": (0,),
    "os.removexattr": (0,),
    "shutil.rmtree": (0,),
    "shutil.copyfile": (1,),
    "shutil.copymode": (1,),
    "shutil.copystat": (1,),
    "shutil.copytree": (1,),
    "shutil.move": (0, 1),
}
_PROGRAMS = ("subprocess.Popen", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "pty.spawn")
#: Paths a recorded run may look at: past this, a replay's checks would cost more than
#: a run (and the tables more memory than the walk): the run is not recorded.
MAX_LOOKS = 200_000
#: pseudo-files whose content changes without their stamp
_VOLATILE = ("/proc/", "/sys/", "/dev/")


def stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_mode, st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


#: How each table of a recorder looks at a path: follow links? keep a folder's times?
#: An ``lstat`` (``realpath``, ``islink``) of a folder only asks what it is, so its
#: mtime, which changes whenever anything in it does, is left out; a listed folder's
#: entries and a ``stat`` keep it (the environment index keys on metadata folders'
#: mtimes).
LOOKS = {"stats": (True, True), "lstats": (False, False), "entries": (False, True)}


def stat_stamp(path: str, look: tuple[bool, bool] = (True, True)) -> Stamp:
    """The stamp of ``path`` now, looked at as ``look`` says, or ``(errno,)``."""
    follow, times = look
    try:
        st = _real_stat(path) if follow else _real_lstat(path)
    except OSError as exc:
        return (exc.errno or 0,)
    except ValueError:  # an embedded NUL: never a file
        return (-1,)
    if not times and stat.S_ISDIR(st.st_mode):
        return (st.st_mode, st.st_ino, st.st_dev)
    return stamp_of(st)


class Recorder:
    """The stamps seen while it is :func:`active`; ``taint`` says why not to replay."""

    def __init__(self, cache_folder: str) -> None:
        self.cwd = os.getcwd()
        self.start_ns = time.time_ns()
        folder = os.path.abspath(cache_folder)
        self._cache = (folder, folder.rstrip(os.sep) + os.sep)
        self.stats: dict[str, Stamp] = {}  # by LOOKS["stats"], and so on
        self.lstats: dict[str, Stamp] = {}
        self.entries: dict[str, Stamp] = {}
        self._tables = {"stats": self.stats, "lstats": self.lstats, "entries": self.entries}
        self.scratch: set[str] = set()
        self.taint: str | None = None
        self._busy = False  # looking on its own: not an observation of the run
        self._count = 0
        self.thread = get_ident()

    # -- what was seen -------------------------------------------------------------------
    def recent(self, margin_ns: int) -> str | None:
        """A path whose stamp is within ``margin_ns`` of the run's start (or later)."""
        limit = self.start_ns - margin_ns
        for table in (self.stats, self.lstats, self.entries):
            for path, stamp in table.items():
                if len(stamp) > 3 and max(stamp[4], stamp[5]) >= limit:
                    return path
        return None

    def add_files(self, paths: list[str]) -> None:
        """Stamp these files now (the code that ran: see :mod:`jobdeps.cli.replay`)."""
        for path in paths:
            self._note("stats", path)

    # -- the hooks -------------------------------------------------------------------------
    def _abs(self, path: Any) -> str | None:
        try:
            path = os.fspath(path)
        except TypeError:
            return None
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not path:
            return None
        if not os.path.isabs(path):
            path = os.path.join(self.cwd, path)
        folder, prefix = self._cache
        if path == folder or path.startswith(prefix) or path in self.scratch:
            return None
        return path

    def tables(self) -> dict[str, dict[str, Stamp]]:
        return self._tables

    def _note(self, look: str, raw: Any, stamp: Stamp | None = None) -> None:
        path = self._abs(raw)
        if path is None:
            return
        if stamp is None:
            stamp = stat_stamp(path, LOOKS[look])
        table = self._tables[look]
        seen = table.get(path)
        if seen is None:
            table[path] = stamp
            self._count += 1
            if self._count > MAX_LOOKS:
                self.taint = f"looked at more than {MAX_LOOKS:,} paths"
        elif seen != stamp:
            self.taint = f"{path} changed during the run"

    def _opened(self, path: Any, flags: Any) -> None:
        if isinstance(path, int):
            return  # a descriptor already opened: seen then
        if isinstance(flags, int) and flags & _WRITE:
            absolute = self._abs(path)
            if absolute is None:
                return
            if flags & os.O_EXCL or (_TMPFILE and flags & _TMPFILE == _TMPFILE):
                self.scratch.add(absolute)  # created by the run: not a dependency
            else:
                self.taint = f"wrote {absolute}"
            return
        absolute = self._abs(path)
        if absolute is None:
            return
        if absolute.startswith(_VOLATILE):
            if absolute != os.devnull:
                self.taint = f"read {absolute}"
            return
        self._note("stats", absolute)

    def _listed(self, path: Any) -> None:
        if isinstance(path, int):
            self.taint = "listed a folder by descriptor"
            return
        folder = self._abs("." if path is None else path)
        if folder is None:
            return
        self._note("stats", folder)
        try:
            with _real_scandir(folder) as entries:
                for entry in entries:
                    try:
                        lstat = entry.stat(follow_symlinks=False)
                        self._note("entries", entry.path, stamp_of(lstat))
                        if entry.is_symlink():
                            self._note("stats", entry.path)
                    except OSError:
                        self._note("entries", entry.path)
        except OSError:
            pass  # the listing itself fails the same way: its stamp says so

    def _mutated(self, event: str, args: tuple[Any, ...]) -> None:
        for index in _MUTATING[event]:
            if index >= len(args) or isinstance(args[index], int):
                continue
            path = self._abs(args[index])
            if path is None:
                continue  # the cache folder, or the run's own scratch file
            if event == "os.mkdir" and os.path.basename(path) == "__pycache__":
                continue  # the interpreter caching byte-code
            if event == "os.rename" and index == 1 and self._abs(args[0]) is None:
                self.scratch.add(path)  # scratch file moved into place (byte-code)
                continue
            self.taint = f"{event} {path}"

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if self._busy or self.taint is not None:  # tainted: nothing more to learn
            return
        if get_ident() != self.thread:
            self.taint = "another thread ran"  # its looks would race the busy flag
            return
        self._busy = True
        try:
            if event == "open":
                self._opened(args[0], args[2] if len(args) > 2 else None)
            elif event in ("os.scandir", "os.listdir"):
                self._listed(args[0] if args else None)
            elif event in _MUTATING:
                self._mutated(event, args)
            elif event in ("os.chdir", "os.fchdir"):
                self.taint = "changed folder"
            elif event.startswith(_PROGRAMS):
                self.taint = f"ran a program ({event})"
            elif event.startswith("socket."):
                self.taint = "opened a socket"
        except Exception as exc:  # never break the run that is watched
            self.taint = f"could not watch {event}: {exc!r}"
        finally:
            self._busy = False

    def stat(self, path: Any, follow: bool, stamp: Stamp) -> None:
        """``os.stat``/``os.lstat`` of ``path`` gave ``stamp`` (a stat or an errno)."""
        if get_ident() != self.thread:
            self.taint = "another thread ran"
        elif not self._busy and self.taint is None:
            self._busy = True
            try:
                if not follow and len(stamp) > 1 and stat.S_ISDIR(stamp[0]):
                    stamp = stamp[:3]  # as LOOKS["lstats"] has it
                self._note("stats" if follow else "lstats", path, stamp)
            finally:
                self._busy = False


_active: Recorder | None = None
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    recorder = _active
    if recorder is not None:
        recorder.audit(event, args)


def _stat(path: Any, *, dir_fd: int | None = None, follow_symlinks: bool = True) -> Any:
    recorder = _active
    if recorder is None or dir_fd is not None or isinstance(path, int):
        return _real_stat(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)
    try:
        result = _real_stat(path, follow_symlinks=follow_symlinks)
    except OSError as exc:
        recorder.stat(path, follow_symlinks, (exc.errno or 0,))
        raise
    recorder.stat(path, follow_symlinks, stamp_of(result))
    return result


def _lstat(path: Any, *, dir_fd: int | None = None) -> Any:
    return _stat(path, dir_fd=dir_fd, follow_symlinks=False)


def _stop_in_child() -> None:
    global _active
    _active = None


def start(cache_folder: str) -> Recorder:
    """Watch this process until :func:`stop`; one recorder at a time."""
    global _active, _hooked
    if not _hooked:  # an audit hook cannot be removed: one, for the process
        sys.addaudithook(_audit)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_stop_in_child)
        _hooked = True
    recorder = Recorder(cache_folder)
    for real, wrapper in ((_real_stat, _stat), (_real_lstat, _lstat)):
        for table in (os.supports_dir_fd, os.supports_follow_symlinks, os.supports_fd):
            if real in table:  # code that asks whether os.stat takes dir_fd...
                table.add(wrapper)
    accessor = _accessor()  # first: see its doc
    os.stat, os.lstat = _stat, _lstat
    if accessor is not None:
        accessor.stat, accessor.lstat = staticmethod(_stat), staticmethod(_lstat)
    _active = recorder
    return recorder


def stop() -> None:
    global _active
    _active = None
    os.stat, os.lstat = _real_stat, _real_lstat
    accessor = _accessor()
    if accessor is not None:
        accessor.stat, accessor.lstat = _real_stat, _real_lstat


def _accessor() -> Any:
    """Python 3.10's ``pathlib._NormalAccessor``, which took ``os.stat`` when pathlib was
    imported (``Path.stat``/``exists``/``is_file`` call it); ``None`` from 3.11 on.

    Imported here, before ``os.stat`` is replaced: imported during a recording, the class
    would keep the wrapper, a plain function, which binds as a method."""
    import pathlib

    return getattr(pathlib, "_NormalAccessor", None)
