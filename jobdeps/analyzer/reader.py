"""From a file on disk to its :class:`FileFacts`: reading, decoding and extraction.

This is the seam the speed work plugs into: the walk asks a :class:`FactsReader`
for facts and never parses anything itself. Each file is read and parsed at
most once per run, and across runs its facts come from the on-disk cache
(:mod:`jobdeps.analyzer.factcache`) when its content has not changed. A warm hit
neither reads nor hashes the file when its size and stamp (mtime, ctime) match the cache, and
imports no parser at all; the decoded text is then read only if asked for.
Cold files are parsed by :func:`jobdeps.analyzer.fastpath.fast_facts`, in a
process pool (:mod:`jobdeps.analyzer.pool`) when :meth:`FactsReader.prefetch`
announces enough work to pay for one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jobdeps.analyzer.factcache import FactCache, content_key, default_cache_dir, stat_stamp
from jobdeps.analyzer.facts import FileFacts
from jobdeps.analyzer.notebook import NotebookCode, NotebookError, notebook_code
from jobdeps.analyzer.sources import (
    DEFAULT_MAX_BYTES,
    SourceProblem,
    SourceText,
    decode_source,
    read_source,
)

#: Announced files, all cached, after which a run counts as warm (see ``takes_hints``).
WARM_HINTS = 256


class ReadResult:
    """Facts of a file, or why there are none; ``source`` is kept for text checks.

    ``source`` is the decoded text. After a cache hit it is read from disk the
    first time it is asked for (and None if the file can no longer be read).
    """

    __slots__ = ("_loader", "_source", "facts", "notebook", "problem")

    def __init__(
        self,
        facts: FileFacts | None,
        problem: SourceProblem | None = None,
        source: str | None = None,
        notebook: NotebookCode | None = None,
        *,
        loader: Any = None,
    ) -> None:
        self.facts = facts
        self.problem = problem
        self.notebook = notebook
        self._source = source
        self._loader = loader  # () -> str | None, for a lazy ``source``

    @property
    def source(self) -> str | None:
        if self._source is None and self._loader is not None:
            self._source = self._loader()
            self._loader = None
        return self._source

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReadResult):
            return NotImplemented
        return (self.facts, self.problem, self.source, self.notebook) == (
            other.facts,
            other.problem,
            other.source,
            other.notebook,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ReadResult(facts={self.facts!r}, problem={self.problem!r})"


def _text_loader(path: Path, max_bytes: int) -> Any:
    def load() -> str | None:
        source = read_source(path, max_bytes)
        return source.text if isinstance(source, SourceText) else None

    return load


def extract_text(text: str) -> FileFacts:
    """Facts of decoded source text, by the fast path (imports libcst on first use)."""
    from jobdeps.analyzer.fastpath import fast_facts

    return fast_facts(text)


class FactsReader:
    """Facts by path, memoised for the run and cached on disk across runs.

    ``cache``: use the on-disk cache (off as well when ``JOBDEPS_NO_CACHE=1``);
    ``cache_dir``: its folder (default: ``JOBDEPS_CACHE_DIR`` or the user cache
    folder, read from the environment now); ``jobs``: processes to parse with
    (None: one per CPU; 1: never start a pool).
    """

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        *,
        cache: bool = True,
        cache_dir: Path | None = None,
        jobs: int | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.jobs = jobs
        self._memo: dict[Path, ReadResult] = {}
        folder = default_cache_dir() if cache else None
        if folder is not None and cache_dir is not None:
            folder = cache_dir
        self.cache: FactCache | None = FactCache(folder) if folder is not None else None
        self._pool: Any = None  # jobdeps.analyzer.pool.ParsePool, started on demand
        self._announced: list[tuple[Path, int]] = []  # cold files announced by prefetch
        self._warm_hints = 0  # files announced by prefetch that were cached
        self._can_pool: bool | None = None  # more than one process to parse with?
        self.stats = {"memo": 0, "stat-hits": 0, "content-hits": 0, "parsed": 0, "pooled": 0}

    # -- public ----------------------------------------------------------------------
    def read(self, path: Path) -> ReadResult:
        result = self._memo.get(path)
        if result is not None:
            self.stats["memo"] += 1
            return result
        if self._pool is not None:
            result = self._pool.take(path)
            if result is not None:
                self._memo[path] = result
                return result
        result = self._read(path)
        self._memo[path] = result
        return result

    def takes_hints(self) -> bool:
        """Would :meth:`prefetch` do anything (more than one process to parse with)?

        Not once the first :data:`WARM_HINTS` files announced were all cached: the run
        is warm, and the walk's resolving ahead would cost more than it saves (a cold
        file met later is parsed when it is read)."""
        if self._warm_hints >= WARM_HINTS and not self._announced:
            return False
        if self._can_pool is None:  # asked for every file the walk enters: decided once
            from jobdeps.analyzer import pool

            self._can_pool = (
                self.jobs != 1
                and pool.start_method() is not None
                and (self.jobs or pool.cpu_count()) > 1
            )
        return self._can_pool

    def prefetch(self, paths: Iterable[Path]) -> None:
        """A hint that ``paths`` will be read soon: parse the cold ones in a pool if
        there are enough of them to pay for it. Harmless when never called."""
        if self.jobs == 1:
            return
        todo: list[tuple[Path, int]] = []
        for path in paths:
            if path in self._memo or (self._pool is not None and self._pool.pending(path)):
                continue
            if path.suffix == ".ipynb":
                continue
            stat = self._stat(path)
            if stat is None or stat.st_size > self.max_bytes:
                continue
            facts = self._stat_hit(path, stat)
            if facts is not None:  # warm: keep it, the walk reads it next
                self.stats["stat-hits"] += 1
                self._warm_hints += 1
                self._memo[path] = ReadResult(facts, loader=_text_loader(path, self.max_bytes))
                continue
            todo.append((path, stat.st_size))
        if not todo:
            return
        self._announced += todo
        from jobdeps.analyzer import pool

        if self._pool is None:
            # The walk announces a few files at a time: start a pool once the cold
            # work announced so far shows the run is big enough to pay for one.
            if not pool.worth_a_pool(self._announced, self.jobs):
                return
            try:
                self._pool = pool.ParsePool(self.max_bytes, self.jobs, self._store_pooled)
            except OSError:  # no worker could start: parse serially, and stop asking
                self.jobs = 1
                self._can_pool = False
                return
            todo = [(p, size) for p, size in self._announced if p not in self._memo]
        self._pool.submit(todo)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self.cache is not None:
            self.cache.close()

    def __enter__(self) -> FactsReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def extract(self, text: str) -> FileFacts:
        self.stats["parsed"] += 1
        return extract_text(text)

    # -- reading -----------------------------------------------------------------------
    @staticmethod
    def _stat(path: Path) -> os.stat_result | None:
        try:
            return os.stat(path)
        except (OSError, ValueError):
            return None

    def _stat_hit(self, path: Path, stat: os.stat_result) -> FileFacts | None:
        if self.cache is None:
            return None
        key = self.cache.known_key(os.path.abspath(path), stat.st_size, stat_stamp(stat))
        return self.cache.get(key) if key is not None else None

    def _read(self, path: Path) -> ReadResult:
        if path.suffix == ".ipynb":
            return self._read_notebook(path)
        stat = self._stat(path)
        if stat is None or stat.st_size > self.max_bytes:
            problem = read_source(path, self.max_bytes)
            if isinstance(problem, SourceProblem):
                return ReadResult(None, problem)
        else:
            facts = self._stat_hit(path, stat)
            if facts is not None:
                self.stats["stat-hits"] += 1
                return ReadResult(facts, loader=_text_loader(path, self.max_bytes))
        try:
            with open(path, "rb") as fh:
                data = fh.read(self.max_bytes + 1)
        except OSError:
            data = None
        if data is None or len(data) > self.max_bytes:
            problem = read_source(path, self.max_bytes)  # the exact problem, as reported
            if isinstance(problem, SourceProblem):
                return ReadResult(None, problem)
            assert isinstance(problem, SourceText)  # it changed under us: take it
            return ReadResult(self.extract(problem.text), None, problem.text)
        source = decode_source(data)
        if isinstance(source, SourceProblem):
            return ReadResult(None, source)
        key = content_key(data)
        facts = self.cache.get(key) if self.cache is not None else None
        if facts is None:
            facts = self.extract(source.text)
            if self.cache is not None:
                self.cache.put(key, facts)
        else:
            self.stats["content-hits"] += 1
        if self.cache is not None and stat is not None:
            self.cache.remember(os.path.abspath(path), stat.st_size, stat_stamp(stat), key)
        # The text is read again if a rule asks for it (the entry scripts' guard check):
        # kept for every file, it was a third of sympy's 28 MB held to the end of a walk.
        return ReadResult(facts, loader=_text_loader(path, self.max_bytes))

    def _read_notebook(self, path: Path) -> ReadResult:
        source = read_source(path, self.max_bytes)
        if isinstance(source, SourceProblem):
            return ReadResult(None, source)
        try:
            code = notebook_code(source.text)
        except NotebookError as exc:
            return ReadResult(None, SourceProblem("undecodable", str(exc)))
        key = content_key(code.text.encode("utf-8", "surrogatepass"))
        facts = self.cache.get(key) if self.cache is not None else None
        if facts is None:
            facts = self.extract(code.text)
            if self.cache is not None:
                self.cache.put(key, facts)
        return ReadResult(facts, None, code.text, code)

    def _store_pooled(
        self, path: Path, size: int, stamp: int, key: bytes, facts: FileFacts, blob: bytes
    ) -> ReadResult:
        """Called by the pool with a file it parsed: cache it, make its result."""
        self.stats["pooled"] += 1
        if self.cache is not None:
            self.cache.put_encoded(key, blob)
            self.cache.remember(os.path.abspath(path), size, stamp, key)
        return ReadResult(facts, loader=_text_loader(path, self.max_bytes))
