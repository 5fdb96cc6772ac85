"""Atomic writes: a file or a whole folder appears complete or not at all.

Everything the bundler writes goes through here. A file is written to a
temporary file in the same folder (so the final ``os.replace`` never crosses a
file system), flushed and fsynced, then renamed over the target; a folder is
built in a temporary folder beside the target and swapped in. On any error,
including ``KeyboardInterrupt``, the temporary is removed and whatever was at
the target before is left untouched.

A target that is a symbolic link is written through: the link stays and the
file or folder it points to is replaced.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_open", "current_umask", "replace_dir", "write_bytes", "write_text"]

_DEFAULT_FILE_MODE = 0o644
_DEFAULT_DIR_MODE = 0o755


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    # Fallback: set and restore (not thread safe, but only for a moment).
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _hidden(name: str) -> str:
    """Temporaries are hidden files: ``out`` -> ``.out``, ``.jobdeps`` stays."""
    return name if name.startswith(".") else f".{name}"


def _through_symlink(path: Path) -> Path:
    """Write through a symlink instead of replacing the link itself."""
    return path.resolve() if path.is_symlink() else path


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; not every platform lets a folder be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _target_mode(path: Path, default: int) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return default & ~current_umask()


@contextlib.contextmanager
def atomic_open(path: Path) -> Iterator[IO[bytes]]:
    """Yield a binary file (read/write, seekable) that replaces ``path`` on success.

    The file is a temporary in ``path``'s folder; on normal exit it is flushed,
    fsynced, given the old file's permission bits (or ``0o644`` minus the umask)
    and renamed over ``path``. On an exception it is removed and ``path`` is
    left as it was.
    """
    target = _through_symlink(Path(path))
    folder = target.parent
    mode = _target_mode(target, _DEFAULT_FILE_MODE)
    tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed below, on every path)
        mode="w+b", dir=folder, prefix=f"{_hidden(target.name)}.", suffix=".tmp", delete=False
    )
    tmp_path = Path(tmp.name)
    try:
        with tmp:
            yield tmp
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise
    _fsync_dir(folder)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path) as fh:
        fh.write(data)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically, byte for byte (no newline translation)."""
    write_bytes(path, text.encode(encoding))


def _aside_name(folder: Path, name: str, tag: str) -> Path:
    while True:
        candidate = folder / f"{_hidden(name)}.{tag}-{os.urandom(4).hex()}"
        if not os.path.lexists(candidate):
            return candidate


@contextlib.contextmanager
def replace_dir(target: Path) -> Iterator[Path]:
    """Yield a fresh, empty folder that replaces ``target`` on normal exit.

    The folder is created beside ``target`` (``.NAME.tmp-XXXX``, one leading dot) so the swap is
    a rename on one file system. On normal exit the old ``target`` (if any) is
    renamed aside, the new folder renamed in, then the old one removed. If the
    block raises, the temporary folder is removed and ``target`` is untouched.
    A ``target`` that exists but is not a folder raises ``NotADirectoryError``
    before anything is built.
    """
    target = _through_symlink(Path(target))
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} exists and is not a folder")
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    mode = _target_mode(target, _DEFAULT_DIR_MODE)
    tmp = Path(tempfile.mkdtemp(dir=folder, prefix=f"{_hidden(target.name)}.tmp-"))
    try:
        yield tmp
        os.chmod(tmp, mode)
        if target.exists():
            old = _aside_name(folder, target.name, "old")
            os.rename(target, old)
            try:
                os.rename(tmp, target)
            except BaseException:
                os.rename(old, target)  # put the previous bundle back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(folder)
