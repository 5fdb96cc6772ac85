"""What an analysis holds: the reached local files, requirements, unresolved imports,
findings and the import graph. Pure data; :mod:`jobdeps.analyzer.analysis` fills it."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from jobdeps.analyzer.entries import EntrySpec
from jobdeps.analyzer.environment import Distribution, Environment
from jobdeps.analyzer.facts import FileFacts, ImportFact
from jobdeps.analyzer.findings import Finding
from jobdeps.analyzer.reader import ReadResult

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class LocalFile:
    """A local file the job executes, with the module names it is imported as."""

    rel: str
    path: Path
    names: set[str] = field(default_factory=set)
    kind: str = "module"  # module | package | extension | script | notebook | run-path


@dataclass
class Use:
    """One import statement's use of a target: where, as what, in which context."""

    rel: str
    line: int
    module: str
    fact: ImportFact

    @property
    def location(self) -> str:
        return f"{self.rel}:{self.line}"


@dataclass
class Requirement:
    """A distribution the job imports."""

    name: str
    canonical: str
    version: str | None
    source: str  # installed | jobdeps | pipreqs | guessed
    dist: Distribution | None
    uses: list[Use] = field(default_factory=list)

    @property
    def imports(self) -> list[str]:
        return sorted({u.module for u in self.uses})

    @property
    def locations(self) -> list[str]:
        return sorted({u.location for u in self.uses}, key=_location_key)

    @property
    def optional(self) -> bool:
        return all(u.fact.optional for u in self.runtime_uses)

    @property
    def runtime_uses(self) -> list[Use]:
        return [u for u in self.uses if not u.fact.type_checking]

    @property
    def type_checking_only(self) -> bool:
        return not self.runtime_uses

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "imports": self.imports,
            "optional": self.optional,
            "type_checking_only": self.type_checking_only,
            "installed": self.dist is not None,
            "source": self.source,
            "locations": self.locations,
        }


@dataclass
class Unresolved:
    name: str
    reason: str
    uses: list[Use] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "reason": self.reason,
            "optional": all(u.fact.optional or u.fact.type_checking for u in self.uses),
            "locations": sorted({u.location for u in self.uses}, key=_location_key),
        }


@dataclass
class Analysis:
    root: Path
    target_version: str
    entries: list[EntrySpec]
    nodes: dict[str, dict]
    edges: dict[tuple[str, str], list[tuple[int, str, ImportFact]]]
    local_files: dict[str, LocalFile]
    requirements: list[Requirement]
    stdlib: list[str]
    unresolved: list[Unresolved]
    findings: list[Finding]
    facts: dict[str, FileFacts]
    sources: SourceTexts
    environment: Environment
    entry_files: dict[str, EntrySpec]
    # programs the code starts (``subprocess.run([sys.executable, "x.py"])``), walked as
    # programs of their own; ``origin`` is the ``file:line`` that starts each
    started: list[EntrySpec] = field(default_factory=list)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The import graph: nodes ``file:REL``, ``stdlib:NAME``, ``dist:CANONICAL``;
        each edge carries ``imports``, a list of ``(line, module, ImportFact)``."""
        import networkx as nx

        graph = nx.DiGraph()
        for node in sorted(self.nodes):
            graph.add_node(node, **self.nodes[node])
        for (source, target), imports in sorted(self.edges.items()):
            graph.add_edge(source, target, imports=sorted(imports, key=lambda i: (i[0], i[1])))
        return graph

    def requirement(self, name: str) -> Requirement | None:
        from packaging.utils import canonicalize_name

        canonical = canonicalize_name(name)
        return next((r for r in self.requirements if r.canonical == canonical), None)

    def to_json(self) -> dict:
        from jobdeps import __version__

        return {
            "version": 1,
            "jobdeps_version": __version__,
            "target_python": self.target_version,
            "entry_points": [e.to_dict() for e in self.entries],
            "started_programs": [e.to_dict() for e in self.started],
            "local_files": sorted(self.local_files),
            "requirements": [r.to_dict() for r in self.requirements],
            "stdlib": self.stdlib,
            "unresolved": [u.to_dict() for u in self.unresolved],
            "findings": [f.to_dict() for f in self.findings],
        }


class SourceTexts(Mapping[str, str]):
    """The decoded text of each reached file, read only when a rule asks for it
    (a warm run takes facts from the cache and need not read the files again)."""

    def __init__(self) -> None:
        self._results: dict[str, ReadResult] = {}

    def add(self, rel: str, result: ReadResult) -> None:
        self._results.setdefault(rel, result)

    def __getitem__(self, rel: str) -> str:
        text = self._results[rel].source
        if text is None:
            raise KeyError(rel)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)


def _location_key(location: str) -> tuple[str, int]:
    path, _, line = location.rpartition(":")
    return (path, int(line) if line.isdigit() else 0)


@lru_cache(maxsize=65536)
def relpath(path: Path, root: Path) -> str:
    """Posix path relative to the root (with ``..`` for files outside it); memoised,
    since the walk names the same files at every import of them."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()
