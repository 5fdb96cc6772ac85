"""The transitive closure of ``Requires-Dist`` through installed metadata.

Markers are evaluated for the *target* (the job's Python on Linux x86_64),
not for the machine running jobdeps, and extras are followed only where a
parent asked for them (``foo[bar]`` follows foo's ``...; extra == "bar"``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.markers import InvalidMarker, UndefinedComparison, default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from jobdeps.analyzer.environment import Environment
from jobdeps.analyzer.findings import Finding, finding, sort_findings

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class TargetSpec:
    """The platform the requirements are for; builds a PEP 508 marker environment."""

    python_version: str = "3.11"
    sys_platform: str = "linux"
    platform_machine: str = "x86_64"
    platform_system: str = "Linux"
    os_name: str = "posix"
    implementation_name: str = "cpython"
    platform_python_implementation: str = "CPython"
    overrides: tuple[tuple[str, str], ...] = field(default=())

    def marker_environment(self) -> dict[str, str]:
        parts = self.python_version.strip().split(".")
        major_minor = ".".join(parts[:2])
        full = ".".join(parts[:3]) if len(parts) >= 3 else f"{major_minor}.0"
        env = dict(default_environment())
        env.update(
            python_version=major_minor,
            python_full_version=full,
            sys_platform=self.sys_platform,
            platform_system=self.platform_system,
            platform_machine=self.platform_machine,
            os_name=self.os_name,
            implementation_name=self.implementation_name,
            implementation_version=full,
            platform_python_implementation=self.platform_python_implementation,
            platform_release="",
            platform_version="",
        )
        env.update(dict(self.overrides))
        return env


def _applies(req: Requirement, env: dict[str, str], extras: Iterable[str]) -> bool:
    """Whether ``req``'s marker holds for the target with any of ``extras`` (or none)."""
    if req.marker is None:
        return True
    for extra in ("", *sorted(extras)):
        try:
            if req.marker.evaluate({**env, "extra": extra}):
                return True
        except (UndefinedComparison, InvalidMarker, ValueError):
            return False
    return False


def _satisfies(req: Requirement, version: str) -> bool:
    """``version`` is inside ``req``'s specifier; an unparsable version counts as inside."""
    try:
        return req.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return True


def _short(req: Requirement) -> str:
    """``name[extras]specifier`` without the marker, for one-line messages."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def _parse(raw: str) -> Requirement | None:
    try:
        return Requirement(raw)
    except InvalidRequirement:
        return None


def requirement_closure(
    env: Environment, roots: Iterable[str], target: TargetSpec | None = None
) -> tuple[nx.DiGraph, list[Finding]]:
    """Follow ``Requires-Dist`` from ``roots`` (names or requirement strings).

    Nodes are canonical names with attributes ``dist`` (the installed
    :class:`~jobdeps.analyzer.distmeta.Distribution`, or ``None`` when missing),
    ``extras`` (sorted tuple of extras asked for) and ``root`` (bool). Edges run
    parent -> child with ``requirement`` (the Requires-Dist text) and ``extras``.
    A required distribution that is not installed gives ``ENV003`` naming who
    requires it; an installed version outside a specifier gives ``ENV004``.
    A root that is not installed is a node with ``dist=None`` and no finding
    (the caller reports the import itself).
    """
    target = target or TargetSpec()
    marker_env = target.marker_environment()
    import networkx as nx  # only the transitive closure needs the graph library

    graph: nx.DiGraph = nx.DiGraph()
    findings: list[Finding] = []
    queue: deque[tuple[str, frozenset[str]]] = deque()
    done: dict[str, set[str | None]] = {}  # node -> extras already expanded (None = base)

    def add_node(name: str, extras: Iterable[str], root: bool = False) -> str:
        node = canonicalize_name(name)
        extras_set = {canonicalize_name(e) for e in extras}
        if node not in graph:
            graph.add_node(node, dist=env.distribution(node), extras=(), root=root)
        data = graph.nodes[node]
        data["root"] = data["root"] or root
        data["extras"] = tuple(sorted(set(data["extras"]) | extras_set))
        queue.append((node, frozenset(extras_set)))
        return node

    for raw in roots:
        req = _parse(raw)
        if req is None or (req.marker is not None and not _applies(req, marker_env, ())):
            continue
        add_node(req.name, req.extras, root=True)

    while queue:
        node, extras = queue.popleft()
        expanded = done.setdefault(node, set())
        new_extras = {e for e in extras if e not in expanded}
        if None in expanded and not new_extras:
            continue
        first_time = None not in expanded
        expanded.add(None)
        expanded.update(new_extras)
        dist = graph.nodes[node]["dist"]
        if dist is None:
            continue
        for raw in dist.requires:
            req = _parse(raw)
            if req is None:
                continue
            if req.marker is None:
                if not first_time:
                    continue  # already followed the first time
            else:
                base = _applies(req, marker_env, ())
                if base and not first_time:
                    continue
                if not base and not _applies(req, marker_env, new_extras):
                    continue
            child = add_node(req.name, req.extras)
            if graph.has_edge(node, child):
                edge = graph.edges[node, child]
                edge["extras"] = tuple(sorted(set(edge["extras"]) | set(req.extras)))
            else:
                graph.add_edge(node, child, requirement=raw, extras=tuple(sorted(req.extras)))
            child_dist = graph.nodes[child]["dist"]
            if child_dist is None:
                findings.append(
                    finding(
                        "ENV003",
                        f"{dist.name} {dist.version} requires {_short(req)}, "
                        "which is not installed",
                    )
                )
            elif req.specifier and not _satisfies(req, child_dist.version):
                findings.append(
                    finding(
                        "ENV004",
                        f"{dist.name} {dist.version} requires {_short(req)}, "
                        f"but {child_dist.name} {child_dist.version} is installed",
                    )
                )
    return graph, sort_findings(findings)
