"""Where a path lies relative to the project root, symlinks included.

Nothing outside the project root ever ships. A path can leave the root in two
ways: it is written outside it (``../lib/x.py``, ``/opt/x.py``), or it is
written inside but is, or passes through, a symbolic link that points out.
The two get different findings (``outside-root``, ``symlink-escape``).
"""

from __future__ import annotations

import errno
import os
from enum import Enum
from pathlib import Path

from jobdeps.analyzer.findings import Finding, finding

__all__ = ["Placement", "check_inside_root", "placement", "safe_relpath"]


def _resolve(path: Path) -> Path | None:
    try:
        real = Path(path).resolve(strict=False)
    except (OSError, RuntimeError):  # symlink loops (RuntimeError before 3.13)
        return None
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # 3.13 resolves a loop without raising
            return None
    return real


def _relative_posix(root: Path, path: Path) -> str | None:
    try:
        rel = path.relative_to(root)
    except ValueError:
        return None
    return rel.as_posix()


def safe_relpath(root: Path, path: Path) -> str | None:
    """``path`` relative to ``root`` as posix text, or None if it resolves outside.

    A relative ``path`` is taken relative to ``root``. Symlinks are resolved on
    both sides; a symlink loop or an unreadable path gives None. ``root``
    itself gives ``"."``.
    """
    real_root = _resolve(root)
    real = _resolve(path if Path(path).is_absolute() else Path(root) / path)
    if real_root is None or real is None:
        return None
    return _relative_posix(real_root, real)


class Placement(str, Enum):
    INSIDE = "inside"
    OUTSIDE = "outside"  # written outside the root
    SYMLINK_ESCAPE = "symlink-escape"  # written inside, resolves outside (or loops)


def placement(root: Path, path: Path) -> Placement:
    """Classify ``path`` (absolute, or relative to ``root``) against ``root``."""
    root = Path(root)
    path = Path(path)
    joined = path if path.is_absolute() else root / path
    lexical = _relative_posix(
        Path(os.path.normpath(os.path.abspath(_resolve(root) or root))),
        Path(os.path.normpath(os.path.abspath(joined))),
    )
    if lexical is None:
        # Maybe the root was itself given through a symlink: compare unresolved too.
        lexical = _relative_posix(
            Path(os.path.normpath(os.path.abspath(root))),
            Path(os.path.normpath(os.path.abspath(joined))),
        )
    if lexical is None:
        return Placement.OUTSIDE
    if safe_relpath(root, joined) is None:
        return Placement.SYMLINK_ESCAPE
    return Placement.INSIDE


def check_inside_root(root: Path, path: Path, shown: str, what: str = "file") -> Finding | None:
    """A ``BND005`` or ``BND006`` finding if ``path`` leaves ``root``, else None.

    ``shown`` is how the path is named in the message (as the user wrote it);
    ``what`` says what it is (``"local import"``, ``"include"``, ``"file"``).
    """
    where = placement(root, path)
    if where is Placement.OUTSIDE:
        return finding("BND005", f"{what} {shown} is outside the project root", path=shown)
    if where is Placement.SYMLINK_ESCAPE:
        return finding(
            "BND006",
            f"{what} {shown} is a symbolic link (or under one) that leads outside the project root",
            path=shown,
        )
    return None
