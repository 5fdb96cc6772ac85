"""From a file on disk to its :class:`FileFacts`: reading, decoding and extraction.

This is the seam the speed work plugs into (a faster extractor, an on-disk
cache, a process pool): the walk asks a :class:`FactsReader` for facts and
never parses anything itself. Each file is read and parsed at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jobdeps.analyzer.extract import extract_facts
from jobdeps.analyzer.facts import FileFacts
from jobdeps.analyzer.notebook import NotebookCode, NotebookError, notebook_code
from jobdeps.analyzer.sources import (
    DEFAULT_MAX_BYTES,
    SourceProblem,
    SourceText,
    read_source,
)


@dataclass(frozen=True)
class ReadResult:
    """Facts of a file, or why there are none; ``source`` is kept for text checks."""

    facts: FileFacts | None
    problem: SourceProblem | None = None
    source: str | None = None
    notebook: NotebookCode | None = None


class FactsReader:
    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        *,
        cache: bool = True,
        cache_dir: Path | None = None,
        jobs: int | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self._memo: dict[Path, ReadResult] = {}

    def prefetch(self, paths: object) -> None:
        """A hint that these files will be read soon (no-op in the serial reader)."""

    def close(self) -> None:
        pass

    def read(self, path: Path) -> ReadResult:
        result = self._memo.get(path)
        if result is None:
            result = self._read(path)
            self._memo[path] = result
        return result

    def _read(self, path: Path) -> ReadResult:
        source = read_source(path, self.max_bytes)
        if isinstance(source, SourceProblem):
            return ReadResult(None, source)
        assert isinstance(source, SourceText)
        if path.suffix == ".ipynb":
            try:
                code = notebook_code(source.text)
            except NotebookError as exc:
                return ReadResult(None, SourceProblem("undecodable", str(exc)))
            return ReadResult(self.extract(code.text), None, code.text, code)
        return ReadResult(self.extract(source.text), None, source.text)

    def extract(self, text: str) -> FileFacts:
        return extract_facts(text)
