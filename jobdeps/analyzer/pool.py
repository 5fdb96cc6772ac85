"""Parsing cold files in a process pool, when there is enough work to pay for one.

A pool costs a fork per worker and a round trip per batch; parsing costs about
a second per megabyte on one core. :func:`worth_a_pool` starts one only when
the announced work is large enough (:data:`MIN_POOL_BYTES`) and there is more
than one CPU, so a small job never waits for a pool. Workers read and parse
files themselves and send back marshalled facts; the parent owns the cache.
The scanner tier is imported in the parent before forking, so workers share it;
libcst is imported by whichever process first meets a file that needs it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from jobdeps.analyzer.factcache import content_key, decode_facts, encode_facts
from jobdeps.analyzer.facts import FileFacts

#: Below this many bytes of cold source announced a pool does not pay for itself.
MIN_POOL_BYTES = 1024 * 1024
#: Bytes per task. The walk is depth-first: it reads the file it just announced
#: first, so a task not yet started when its file is needed is cancelled and the
#: file parsed in the parent; one file per task keeps that from taking others along.
BATCH_BYTES = 1


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worth_a_pool(todo: list[tuple[Path, int]], jobs: int | None) -> bool:
    workers = cpu_count() if jobs is None else jobs
    return workers > 1 and len(todo) > 1 and sum(size for _, size in todo) >= MIN_POOL_BYTES


def parse_batch(paths: list[str], max_bytes: int) -> list[tuple[str, Any]]:
    """In a worker: ``(path, (size, mtime_ns, key, facts blob))`` or ``(path, None)``
    for a file the parent should read itself (a problem to report, a race)."""
    from jobdeps.analyzer.fastpath import fast_facts
    from jobdeps.analyzer.sources import SourceText, decode_source

    out: list[tuple[str, Any]] = []
    for path in paths:
        try:
            stat = os.stat(path)
            with open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError:
            out.append((path, None))
            continue
        if len(data) > max_bytes or len(data) != stat.st_size:
            out.append((path, None))
            continue
        source = decode_source(data)
        if not isinstance(source, SourceText):
            out.append((path, None))
            continue
        facts = fast_facts(source.text)
        out.append((path, (stat.st_size, stat.st_mtime_ns, content_key(data), encode_facts(facts))))
    return out


class ParsePool:
    """Futures of parsed files by path; :meth:`take` hands one result over."""

    def __init__(
        self,
        max_bytes: int,
        jobs: int | None,
        store: Callable[[Path, int, int, bytes, FileFacts, bytes], Any],
    ) -> None:
        import multiprocessing

        # The parsers, shared by the forked workers. Not libcst: most files never need
        # it now (see jobdeps.analyzer.scanner), and it costs 0.3 s to import.
        import jobdeps.analyzer.fastpath
        import jobdeps.analyzer.scanner  # noqa: F401

        self.max_bytes = max_bytes
        self.store = store
        # the parent parses too (the files it needs before a worker gets to them)
        workers = max(1, (cpu_count() if jobs is None else jobs) - 1)
        method = "fork" if sys.platform.startswith("linux") else None
        context = multiprocessing.get_context(method)
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        self.futures: dict[Path, Future] = {}

    def pending(self, path: Path) -> bool:
        return path in self.futures

    def submit(self, todo: list[tuple[Path, int]]) -> None:
        batch: list[Path] = []
        size = 0
        for path, nbytes in todo:
            batch.append(path)
            size += nbytes
            if size >= BATCH_BYTES:
                self._submit(batch)
                batch, size = [], 0
        if batch:
            self._submit(batch)

    def _submit(self, batch: list[Path]) -> None:
        try:
            future = self.executor.submit(parse_batch, [str(p) for p in batch], self.max_bytes)
        except Exception:  # a broken pool: the files will be read serially
            return
        for path in batch:
            self.futures[path] = future

    def take(self, path: Path) -> Any:
        """The result for ``path`` (waiting for its batch), or None to read it serially."""
        future = self.futures.pop(path, None)
        if future is None:
            return None
        if future.cancel():  # not started yet: the caller parses it now instead of waiting
            return None
        try:
            results = dict(future.result())
        except Exception:
            return None
        row = results.get(str(path))
        if row is None:
            return None
        size, mtime_ns, key, blob = row
        facts = decode_facts(blob)
        if facts is None:
            return None
        return self.store(path, size, mtime_ns, key, facts, blob)

    def close(self) -> None:
        for future in self.futures.values():
            future.cancel()
        self.futures.clear()
        self.executor.shutdown(wait=True, cancel_futures=True)
