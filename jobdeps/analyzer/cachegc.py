"""Old cache files: removed once a day, after a month unused.

Each jobdeps or extractor version writes a facts database of its own, each
install or upgrade in a site dir makes a new environment-index key, and each
command line and environment records a run of its own (``jobdeps.cli.replay``,
which keeps only the last few), so the cache folder only grows. Files in use
keep a fresh mtime: a warm run touches what it reads (at most once a day per
file, so a warm run costs one ``stat`` more), and once a day the first run to
open the folder removes jobdeps' files that nobody touched for
:data:`UNUSED_SECONDS`. Anything else in the folder is left alone; every error is
ignored (the cache only saves time).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

#: A cache file untouched this long is removed.
UNUSED_SECONDS = 30 * 86400
#: How often a file in use is touched, and the folder looked through.
DAY = 86400
#: The marker whose mtime says when the folder was last looked through.
STAMP = ".pruned"
_DATABASE = ("facts-", ".sqlite")
# removed on their own when old; a database's "-wal" and "-shm" go with it (or alone
# when it is gone: never from under a database in use)
_FILES = (("tops-", ".json"), (".tops-", ".tmp"), ("run-", ".bin"), (".run-", ".tmp"))
_COMPANIONS = ("-wal", "-shm")


def touch_if_stale(path: Path, now: float | None = None) -> None:
    """Mark ``path`` as in use, when its mtime is more than a day old."""
    now = time.time() if now is None else now
    with contextlib.suppress(OSError):
        if os.stat(path).st_mtime < now - DAY:
            os.utime(path)


def prune(folder: Path, now: float | None = None) -> list[str]:
    """Once a day: remove jobdeps' files in ``folder`` unused for a month; their names."""
    now = time.time() if now is None else now
    stamp = folder / STAMP
    removed: list[str] = []
    try:
        if os.stat(stamp).st_mtime > now - DAY:
            return removed
    except OSError:
        pass  # never looked through yet
    try:
        stamp.touch()
        os.utime(stamp, (now, now))
        names = os.listdir(folder)
    except OSError:
        return removed
    present = set(names)
    for name in sorted(names):
        head, tail = _DATABASE
        companion = next((c for c in _COMPANIONS if name.endswith(tail + c)), None)
        if companion is not None:
            main = name[: -len(companion)]
            if main.startswith(head) and main not in present and _old(folder / name, now):
                _remove(folder / name, removed)
            continue
        if name.startswith(head) and name.endswith(tail):
            if _old(folder / name, now):
                for part in (name, *(name + c for c in _COMPANIONS)):
                    if part in present:
                        _remove(folder / part, removed)
            continue
        if any(name.startswith(h) and name.endswith(t) for h, t in _FILES) and _old(
            folder / name, now
        ):
            _remove(folder / name, removed)
    return removed


def _old(path: Path, now: float) -> bool:
    try:
        return os.stat(path).st_mtime < now - UNUSED_SECONDS
    except OSError:
        return False


def _remove(path: Path, removed: list[str]) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
        removed.append(path.name)
