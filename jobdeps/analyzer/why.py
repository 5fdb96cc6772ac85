"""``jobdeps why NAME``: the shortest import chain from an entry to a module, file or dist."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from jobdeps.analyzer.results import Analysis


@dataclass(frozen=True)
class Step:
    """One hop: ``rel:line`` imports ``module`` (reaching ``target``)."""

    rel: str
    line: int
    module: str
    target: str
    verb: str = "imports"  # "runs" a file (exec, runpy), "starts" a program (subprocess)

    def display(self) -> str:
        return f"{self.rel}:{self.line} ({self.module})"


_VERBS = {"run-path": "runs", "run-module": "runs", "run-command": "starts"}


def find_targets(analysis: Analysis, name: str) -> list[str]:
    """Graph nodes that ``name`` may mean: a distribution, a module, or a local file."""
    nodes = analysis.nodes
    wanted: list[str] = []
    dist = f"dist:{canonicalize_name(name)}"
    if dist in nodes:
        wanted.append(dist)
    if f"stdlib:{name}" in nodes:
        wanted.append(f"stdlib:{name}")
    path = name.removeprefix("./")
    if f"file:{path}" in nodes:
        wanted.append(f"file:{path}")
    for rel, info in analysis.local_files.items():
        if name in info.names and f"file:{rel}" not in wanted:
            wanted.append(f"file:{rel}")
    if not wanted:
        # a module name imported from a distribution: `google.cloud.storage`, `yaml`
        for (_source, target), imports in analysis.edges.items():
            used = any(m == name or m.startswith(name + ".") for _l, m, _f in imports)
            if used and target not in wanted:
                wanted.append(target)
    return sorted(wanted)


def unresolved_chains(analysis: Analysis, name: str) -> list[tuple[str, list[Step]]]:
    """Chains to the imports of ``name`` that resolve nowhere (an optional ``ujson``,
    a ``TYPE_CHECKING``-only ``pandas``): no graph node is made for those, but the
    job does import them. Each target is ``unresolved:NAME``, reached from the first
    file that imports it."""
    found = []
    for item in sorted(analysis.unresolved, key=lambda u: u.name):
        if item.name != name and not item.name.startswith(name + "."):
            continue
        chains = []
        for use in item.uses:
            chain = shortest_chain(analysis, f"file:{use.rel}")
            if chain or use.rel in analysis.entry_files:
                chains.append([*chain, Step(use.rel, use.line, use.module, item.name)])
        if chains:
            found.append((f"unresolved:{item.name}", min(chains, key=len)))
    return found


def shortest_chain(analysis: Analysis, target: str) -> list[Step]:
    """The shortest chain of imports from any entry file to ``target`` (empty if none)."""
    import networkx as nx

    graph = analysis.graph
    best: list[str] | None = None
    for rel in sorted(analysis.entry_files):
        source = f"file:{rel}"
        if source == target:
            return []
        try:
            path = nx.shortest_path(graph, source, target)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            continue
        if best is None or len(path) < len(best):
            best = path
    if best is None:
        return []
    steps = []
    for source, dest in itertools.pairwise(best):
        line, module, fact = graph.edges[source, dest]["imports"][0]
        verb = _VERBS.get(fact.kind, "imports")
        steps.append(Step(source.removeprefix("file:"), line, module, dest, verb))
    return steps
