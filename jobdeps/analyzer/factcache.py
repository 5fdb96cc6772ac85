"""An on-disk cache of :class:`FileFacts`, keyed by content.

One SQLite file per (jobdeps version, cache format, hash of the extractor's
source, interpreter version) under
the user's cache folder, with two tables:

- ``facts``: content key (a hash of the file's bytes) -> the facts, marshalled
  with a checksum; an entry whose checksum does not match is ignored;
- ``files``: path -> (size, stamp, content key), so a warm run can skip reading
  and hashing a file whose size and stamp have not changed. The stamp
  (:func:`stat_stamp`) is the later of mtime and ctime: an edit that keeps the
  size and puts the mtime back (``touch -d``, ``cp -p``, ``rsync -t``) still
  moves the ctime, which no user call can set. An entry recorded less than
  :data:`RACY_NS` after the stamp is not trusted (the file may have changed
  again within the same clock tick), as git does with its index.

The cache only saves time: any error (corrupt database, locked by another run,
read-only folder) turns it off for the rest of the run, silently. Facts do not
depend on the target Python version (features carry their own minimum
version), so the interpreter version in the file name only guards the
``marshal`` format and the parser's behaviour.

``JOBDEPS_CACHE_DIR`` chooses the folder (default ``$XDG_CACHE_HOME/jobdeps`` or
``~/.cache/jobdeps``); ``JOBDEPS_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import sys
import time
import weakref
from dataclasses import fields
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import Any

from jobdeps import __version__
from jobdeps.analyzer import cachegc, envcache
from jobdeps.analyzer.cachedir import RACY_NS
from jobdeps.analyzer.facts import (
    FileFacts,
    ImportFact,
    PathLiteral,
    SyntaxFeature,
    SyntaxProblem,
    SysPathEdit,
)

#: Bump when the facts an extractor produces, or the ``files`` rows, change meaning.
FORMAT = 2
_FACT_TYPES = (FileFacts, ImportFact, SysPathEdit, PathLiteral, SyntaxFeature, SyntaxProblem)
_FIELDS = {t: tuple(f.name for f in fields(t)) for t in _FACT_TYPES}
#: A fact's fields as one tuple, read in C (``attrgetter`` of two names or more
#: gives a tuple; every fact type has several fields).
_ROW = {t: attrgetter(*names) for t, names in _FIELDS.items() if len(names) > 1}
#: Changes whenever a facts dataclass gains, loses or renames a field.
SCHEMA = hashlib.blake2b(
    repr([(t.__name__, [f.name for f in fields(t)]) for t in _FACT_TYPES]).encode(),
    digest_size=4,
).hexdigest()


#: The modules whose code decides the facts of a file's bytes: any change to them is
#: a new cache (a test checks that every module they import is here).
_EXTRACTOR_MODULES = (
    "sources.py",
    "extract.py",
    "pathexpr.py",
    "fastpath.py",
    "skeleton.py",
    "facts.py",
    "conditions.py",
    "pathlike.py",
    "scanner.py",
    "codetext.py",
    "launchers.py",
    "marks.py",
)


@functools.lru_cache(maxsize=1)
def _extractor_id() -> str:
    """A hash of the extractor's own source (read, not imported: a warm run must
    not import libcst), so facts cached by another extractor are never read."""
    digest = hashlib.blake2b(SCHEMA.encode(), digest_size=6)
    here = Path(__file__).parent
    for name in _EXTRACTOR_MODULES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.hexdigest()


def stat_stamp(stat: os.stat_result) -> int:
    """When the file last changed, as far as a stat can tell (see the module doc)."""
    return max(stat.st_mtime_ns, stat.st_ctime_ns)


def default_cache_dir() -> Path | None:
    """The cache folder from the environment now, or ``None`` when caching is off
    (the same folder as the environment index's cache)."""
    return envcache.cache_dir()


def content_key(data: bytes) -> bytes:
    """The cache key of a file's content (its bytes, or a notebook's code)."""
    return hashlib.blake2b(data, digest_size=16).digest()


def _rows(items: Any, kind: type) -> tuple[tuple[Any, ...], ...]:
    return tuple(map(_ROW[kind], items))


def encode_facts(facts: FileFacts) -> bytes:
    """Facts as marshalled tuples (fast to load, no code runs on loading)."""
    payload = (
        _rows(facts.imports, ImportFact),
        _rows(facts.syspath, SysPathEdit),
        _rows(facts.path_literals, PathLiteral),
        _rows(facts.features, SyntaxFeature),
        facts.main_guard_line,
        None if facts.syntax_error is None else _rows((facts.syntax_error,), SyntaxProblem)[0],
        facts.suppressions,
    )
    body = marshal.dumps(payload)
    return hashlib.blake2b(body, digest_size=8).digest() + body


def decode_facts(blob: bytes) -> FileFacts | None:
    """The facts in ``blob``, or None when it is damaged in any way."""
    try:
        body = blob[8:]
        if hashlib.blake2b(body, digest_size=8).digest() != blob[:8]:
            return None
        imports, syspath, literals, features, guard, error, suppressions = marshal.loads(body)
        return FileFacts(
            imports=tuple(starmap(ImportFact, imports)),
            syspath=tuple(starmap(SysPathEdit, syspath)),
            path_literals=tuple(starmap(PathLiteral, literals)),
            features=tuple(starmap(SyntaxFeature, features)),
            main_guard_line=guard,
            syntax_error=None if error is None else SyntaxProblem(*error),
            suppressions=suppressions,
        )
    except Exception:  # a damaged entry is a miss, whatever is wrong with it
        return None


class FactCache:
    """Facts by content key, and content keys by (path, size, mtime)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        py = f"{sys.version_info[0]}{sys.version_info[1]}"
        self.db_path = folder / f"facts-{__version__}-f{FORMAT}-{_extractor_id()}-py{py}.sqlite"
        self._db: Any = None
        self._broken = False
        self._pending_facts: dict[bytes, bytes] = {}
        self._pending_files: dict[str, tuple[int, int, int, bytes]] = {}
        self._file_rows: dict[str, tuple[int, int, int, bytes]] | None = None
        # Whatever is still pending when the cache is dropped without close() (the
        # walk does not close its reader) is written at exit or collection.
        weakref.finalize(self, _write_pending, self.db_path, self._pending_facts,
                         self._pending_files)  # fmt: skip

    # -- connection --------------------------------------------------------------
    def _connect(self) -> Any:
        if self._db is not None or self._broken:
            return self._db
        try:
            import sqlite3

            self.folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.db_path), timeout=0.5, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS facts (key BLOB PRIMARY KEY, data BLOB)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
                "mtime_ns INTEGER, recorded_ns INTEGER, key BLOB)"
            )
            self._db = db
        except Exception:
            self._fail()
            return self._db
        cachegc.touch_if_stale(self.db_path)  # in use: not for the clean-up below
        cachegc.prune(self.folder)
        return self._db

    def _fail(self) -> None:
        self._broken = True
        self._pending_facts.clear()
        self._pending_files.clear()
        self.close()

    # -- reading -------------------------------------------------------------------
    def known_key(self, path: str, size: int, stamp: int) -> bytes | None:
        """The content key recorded for ``path`` if its size and stamp still match."""
        row = self._pending_files.get(path)
        if row is None:
            rows = self._load_file_rows()
            row = rows.get(path) if rows is not None else None
        if row is None:
            return None
        try:
            r_size, r_stamp, recorded, key = row
            if r_size != size or r_stamp != stamp or recorded - stamp < RACY_NS:
                return None
        except (TypeError, ValueError):  # a damaged row is a miss, never a crash
            return None
        return key if isinstance(key, bytes) else None

    def _load_file_rows(self) -> dict[str, tuple[int, int, int, bytes]] | None:
        # One query for the whole table: a warm run asks about every file anyway.
        if self._file_rows is None:
            db = self._connect()
            if db is None:
                return None
            try:
                self._file_rows = {
                    p: (s, m, r, k)
                    for p, s, m, r, k in db.execute(
                        "SELECT path, size, mtime_ns, recorded_ns, key FROM files"
                    )
                }
            except Exception:
                self._fail()
                return None
        return self._file_rows

    def get(self, key: bytes) -> FileFacts | None:
        blob = self._pending_facts.get(key)
        if blob is None:
            db = self._connect()
            if db is None:
                return None
            try:
                row = db.execute("SELECT data FROM facts WHERE key = ?", (key,)).fetchone()
            except Exception:
                self._fail()
                return None
            if row is None:
                return None
            blob = row[0]
        return decode_facts(blob) if isinstance(blob, bytes) else None

    # -- writing -------------------------------------------------------------------
    def put(self, key: bytes, facts: FileFacts) -> None:
        if not self._broken:
            self._pending_facts[key] = encode_facts(facts)
            self._maybe_flush()

    def put_encoded(self, key: bytes, blob: bytes) -> None:
        """:meth:`put` for facts already encoded (by a pool worker)."""
        if not self._broken:
            self._pending_facts[key] = blob
            self._maybe_flush()

    def remember(self, path: str, size: int, stamp: int, key: bytes) -> None:
        if not self._broken:
            self._pending_files[path] = (size, stamp, time.time_ns(), key)
            self._maybe_flush()

    def _maybe_flush(self) -> None:
        if len(self._pending_facts) + len(self._pending_files) >= 1000:
            self.flush()

    def flush(self) -> None:
        if not (self._pending_facts or self._pending_files):
            return
        db = self._connect()
        if db is None:
            self._fail()
            return
        try:
            _insert(db, self._pending_facts, self._pending_files)
        except Exception:  # locked by a concurrent run, disk full, read-only...
            self._fail()
            return
        if self._file_rows is not None:
            self._file_rows.update(self._pending_files)
        self._pending_facts.clear()
        self._pending_files.clear()

    def close(self) -> None:
        if not self._broken:
            self.flush()
        if self._db is not None:
            with contextlib.suppress(Exception):  # closing never matters
                self._db.close()
            self._db = None


def _insert(db: Any, facts: dict[bytes, bytes], files: dict[str, tuple]) -> None:
    db.execute("BEGIN")
    db.executemany("INSERT OR REPLACE INTO facts (key, data) VALUES (?, ?)", list(facts.items()))
    db.executemany(
        "INSERT OR REPLACE INTO files (path, size, mtime_ns, recorded_ns, key) "
        "VALUES (?, ?, ?, ?, ?)",
        [(p, *row) for p, row in files.items()],
    )
    db.execute("COMMIT")


def _write_pending(db_path: Path, facts: dict[bytes, bytes], files: dict[str, tuple]) -> None:
    """Write what a dropped cache still holds (at exit); any error is ignored."""
    if not (facts or files):
        return
    try:
        import sqlite3

        db = sqlite3.connect(str(db_path), timeout=0.5, isolation_level=None)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS facts (key BLOB PRIMARY KEY, data BLOB)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
                "mtime_ns INTEGER, recorded_ns INTEGER, key BLOB)"
            )
            _insert(db, facts, files)
        finally:
            db.close()
    except Exception:
        pass
    facts.clear()
    files.clear()
