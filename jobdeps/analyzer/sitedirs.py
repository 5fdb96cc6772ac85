"""Where an environment's third-party modules live: site dirs, ``.pth`` lines, editables.

Everything is read from files: ``.pth`` path lines are taken as ``site`` would
add them (relative to the site dir, in file-name order) but ``import`` lines
are never run; setuptools' PEP 660 finders (``__editable___*_finder.py``) are
parsed with :mod:`ast` to read their ``MAPPING`` and ``NAMESPACES`` literals.

The one exception is :func:`query_interpreter`, which asks another Python
for its ``sys.path`` in a single subprocess and nothing else.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import site
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jobdeps.analyzer.distmeta import read_text

SITE_DIR_NAMES = ("site-packages", "dist-packages")


@dataclass(frozen=True)
class SearchPath:
    """One directory modules are imported from; ``added_by`` is the ``.pth`` that named it."""

    path: Path
    site_dir: Path
    added_by: Path | None = None


@dataclass(frozen=True)
class EditableFinder:
    """A setuptools PEP 660 finder module and what it maps, read without running it."""

    finder: Path
    site_dir: Path
    mapping: dict[str, Path] = field(default_factory=dict)
    namespaces: dict[str, tuple[Path, ...]] = field(default_factory=dict)


class InterpreterError(RuntimeError):
    """Another interpreter could not be asked for its paths."""


def pth_paths(site_dir: Path) -> list[tuple[Path, Path]]:
    """``(directory, pth_file)`` for each existing directory a ``.pth`` in ``site_dir`` adds."""
    try:
        names = sorted(n for n in os.listdir(site_dir) if n.endswith(".pth"))
    except OSError:
        return []
    out: list[tuple[Path, Path]] = []
    for name in names:
        pth = site_dir / name
        for raw in read_text(pth).splitlines():
            line = raw.strip()
            if not line or line.startswith("#") or line.startswith(("import ", "import\t")):
                continue
            target = Path(line)
            if not target.is_absolute():
                target = site_dir / target
            target = Path(os.path.normpath(target))
            if target.is_dir():
                out.append((target, pth))
    return out


def editable_finders(site_dir: Path) -> list[EditableFinder]:
    """Parse every ``__editable___*_finder.py`` in ``site_dir`` (never imported)."""
    try:
        listing = os.listdir(site_dir)
        names = sorted(
            n for n in listing if n.startswith("__editable__") and n.endswith("_finder.py")
        )
    except OSError:
        return []
    finders = []
    for name in names:
        path = site_dir / name
        mapping_raw = _literal_assignment(read_text(path), "MAPPING")
        namespaces_raw = _literal_assignment(read_text(path), "NAMESPACES")
        mapping = {
            str(k): Path(v)
            for k, v in (mapping_raw or {}).items()
            if isinstance(k, str) and isinstance(v, str)
        }
        namespaces = {
            str(k): tuple(Path(p) for p in v if isinstance(p, str))
            for k, v in (namespaces_raw or {}).items()
            if isinstance(k, str) and isinstance(v, (list, tuple))
        }
        finders.append(EditableFinder(path, site_dir, mapping, namespaces))
    return finders


def _literal_assignment(source: str, name: str) -> dict | None:
    """The literal value assigned to module-level ``name`` (plain or annotated)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        value = None
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        ) or (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            value = node.value
        if value is not None:
            try:
                result = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return None
            return result if isinstance(result, dict) else None
    return None


def expand_site_dirs(site_dirs: Iterable[Path]) -> list[SearchPath]:
    """Site dirs followed by the directories their ``.pth`` files add, deduplicated."""
    seen: set[Path] = set()
    out: list[SearchPath] = []
    for raw in site_dirs:
        site_dir = Path(os.path.normpath(Path(raw).absolute()))
        if site_dir in seen or not site_dir.is_dir():
            continue
        seen.add(site_dir)
        out.append(SearchPath(site_dir, site_dir))
        for target, pth in pth_paths(site_dir):
            if target not in seen:
                seen.add(target)
                out.append(SearchPath(target, site_dir, pth))
    return out


def _stdlib_dirs(paths: dict[str, str]) -> set[Path]:
    dirs = set()
    for key in ("stdlib", "platstdlib"):
        if paths.get(key):
            dirs.add(Path(os.path.normpath(paths[key])))
    return dirs


def select_site_dirs(sys_path: Sequence[str], stdlib: set[Path]) -> list[Path]:
    """The entries of a ``sys.path`` that hold third-party code.

    Dropped: the script dir / cwd (``""``), zip files, the stdlib dirs and
    ``lib-dynload``. Site dirs themselves live *under* the stdlib dir
    (``lib/python3.11/site-packages``), so only exact stdlib entries are dropped.
    """
    out: list[Path] = []
    for entry in sys_path:
        if not entry:
            continue
        path = Path(os.path.normpath(entry))
        if path in stdlib or path.name == "lib-dynload" or path.suffix == ".zip":
            continue
        if any(path.parent == s for s in stdlib) and path.name not in SITE_DIR_NAMES:
            continue  # e.g. lib/python3.11/<something> that is part of the stdlib
        if path.is_dir():
            out.append(path)
    return out


def current_site_dirs() -> list[Path]:
    """The running interpreter's site dirs (not its stdlib), in ``sys.path`` order."""
    candidates: list[str] = []
    candidates.extend(p for p in sys.path if Path(p).name in SITE_DIR_NAMES)
    with contextlib.suppress(AttributeError):  # some old virtualenvs lack it
        candidates.extend(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        candidates.append(site.getusersitepackages())
    stdlib = _stdlib_dirs(sysconfig.get_paths())
    ordered: list[Path] = []
    for path in select_site_dirs(candidates, stdlib):
        if path not in ordered:
            ordered.append(path)
    return ordered


_QUERY = (
    "import json, sys, sysconfig; "
    "print(json.dumps({'path': sys.path, 'stdlib': sysconfig.get_path('stdlib'), "
    "'platstdlib': sysconfig.get_path('platstdlib'), "
    "'version': '%d.%d.%d' % sys.version_info[:3]}))"
)


@dataclass(frozen=True)
class InterpreterPaths:
    site_dirs: list[Path]
    python_version: str


def query_interpreter(python: Path, timeout: float = 30.0) -> InterpreterPaths:
    """Ask ``python`` for its ``sys.path`` (one subprocess; nothing of it is imported here).

    ``-E`` ignores ``PYTHON*`` variables of *this* shell (a ``PYTHONPATH`` set
    for jobdeps is not part of the job's environment); ``-s`` and ``-S`` are
    not used because user site dirs and ``.pth`` files are part of the
    environment being described. Only the stdlib modules json/sys/sysconfig run.
    """
    program = str(python)
    if os.sep in program or (os.altsep and os.altsep in program):
        # relative to where jobdeps runs, not to the folder it is run from (``/``); a
        # bare ``python3`` is looked up on PATH. abspath, not resolve: a venv's python
        # is a symlink whose own path says which environment it is.
        program = os.path.abspath(program)
    try:
        proc = subprocess.run(
            [program, "-E", "-c", _QUERY],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=os.path.abspath(os.sep),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise InterpreterError(f"cannot run {python}: {exc}") from exc
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise InterpreterError(f"{python} exited with {proc.returncode}: {last}")
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        sys_path = [str(p) for p in data["path"]]
        stdlib = _stdlib_dirs({k: data.get(k) or "" for k in ("stdlib", "platstdlib")})
        version = str(data["version"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise InterpreterError(f"{python} did not report its sys.path") from exc
    return InterpreterPaths(select_site_dirs(sys_path, stdlib), version)
