"""What never ships unless named explicitly: built-in exclusions and ``.gitignore``.

Built in (always, before any ``.gitignore``):

- byte code: ``__pycache__/``, ``*.pyc``, ``*.pyo``;
- version control: ``.git/``, ``.hg/``, ``.svn/``;
- tool caches: ``.mypy_cache/``, ``.pytest_cache/``, ``.ruff_cache/``,
  ``.tox/``, ``.nox/``, ``.ipynb_checkpoints/``;
- jobdeps' own output ``.jobdeps/`` (plus any extra patterns given);
- virtual environments: ``.venv/``, and any folder holding a ``pyvenv.cfg``
  (``venv/``, ``env/``...). A venv is never job code; its packages reach the
  job as pinned requirements instead.

``.gitignore`` files are read from the root and every folder below it (not
from inside folders already excluded, as git does), plus ``.git/info/exclude``.
Git's precedence is kept: a deeper ``.gitignore`` overrides a shallower one,
the last matching line of a file wins, ``!pattern`` re-includes, and nothing
under an excluded folder can be re-included.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec

__all__ = ["BUILTIN_PATTERNS", "IgnoreRules"]

BUILTIN_PATTERNS: tuple[str, ...] = (
    "__pycache__/",
    "*.pyc",
    "*.pyo",
    ".git/",
    ".hg/",
    ".svn/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".tox/",
    ".nox/",
    ".ipynb_checkpoints/",
    ".venv/",
    ".jobdeps/",
)


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


@dataclass
class IgnoreRules:
    """Ignore rules for one project root; ask with :meth:`is_ignored`."""

    root: Path
    builtin: pathspec.GitIgnoreSpec
    # folder (posix, "" for the root) -> the spec of its .gitignore
    specs: dict[str, pathspec.GitIgnoreSpec] = field(default_factory=dict)
    _cache: dict[tuple[str, bool], bool] = field(default_factory=dict, repr=False)

    @classmethod
    def for_root(cls, root: Path, extra_patterns: Iterable[str] = ()) -> IgnoreRules:
        """Read every ``.gitignore`` under ``root``; ``extra_patterns`` are built-ins too.

        Pass the output folder's name (``"out/"``) in ``extra_patterns`` when it
        is not the default ``.jobdeps/``.
        """
        root = Path(root)
        builtin = pathspec.GitIgnoreSpec.from_lines([*BUILTIN_PATTERNS, *extra_patterns])
        rules = cls(root=root, builtin=builtin)
        exclude = _read_lines(root / ".git" / "info" / "exclude")
        root_lines = [*exclude, *_read_lines(root / ".gitignore")]
        if root_lines:
            rules.specs[""] = pathspec.GitIgnoreSpec.from_lines(root_lines)
        for dirpath, dirnames, filenames in os.walk(root):
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            rel_dir = "" if rel_dir == "." else rel_dir
            if rel_dir and ".gitignore" in filenames:
                lines = _read_lines(Path(dirpath) / ".gitignore")
                if lines:
                    rules.specs[rel_dir] = pathspec.GitIgnoreSpec.from_lines(lines)
                    rules._cache.clear()
            dirnames[:] = sorted(
                d for d in dirnames if not rules.is_ignored(_join(rel_dir, d), is_dir=True)
            )
        return rules

    def is_ignored(self, rel_posix: str, is_dir: bool = False) -> bool:
        """Whether the file (or folder) at ``rel_posix`` under the root is excluded."""
        rel = PurePosixPath(rel_posix).as_posix().strip("/")
        if rel in ("", "."):
            return False
        key = (rel, is_dir)
        cached = self._cache.get(key)
        if cached is None:
            parent = PurePosixPath(rel).parent.as_posix()
            cached = (parent != "." and self.is_ignored(parent, is_dir=True)) or self._matches(
                rel, is_dir
            )
            self._cache[key] = cached
        return cached

    def _matches(self, rel: str, is_dir: bool) -> bool:
        """The path itself, its parents already known not to be excluded."""
        probe = rel + "/" if is_dir else rel
        if self.builtin.match_file(probe):
            return True
        if is_dir and (self.root / rel / "pyvenv.cfg").is_file():
            return True
        # Deepest .gitignore first: the first one with an opinion decides.
        parts = rel.split("/")
        for depth in range(len(parts) - 1, -1, -1):
            folder = "/".join(parts[:depth])
            spec = self.specs.get(folder)
            if spec is None:
                continue
            inner = "/".join(parts[depth:]) + ("/" if is_dir else "")
            result = spec.check_file(inner)
            if result.include is not None:
                return bool(result.include)
        return False

    def iter_files(self) -> Iterator[str]:
        """Every file under the root that is not ignored, as sorted posix paths.

        Symbolic links to folders are not descended into (a symlinked file is
        listed; whether it may ship is :mod:`jobdeps.bundler.paths`' call).
        """
        out: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel_dir = Path(dirpath).relative_to(self.root).as_posix()
            rel_dir = "" if rel_dir == "." else rel_dir
            dirnames[:] = [
                d for d in dirnames if not self.is_ignored(_join(rel_dir, d), is_dir=True)
            ]
            out.extend(
                _join(rel_dir, f) for f in filenames if not self.is_ignored(_join(rel_dir, f))
            )
        return iter(sorted(out))


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name
