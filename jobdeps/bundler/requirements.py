"""From an analysis to pinned requirement lines, rendered in one of two dialects.

``datasphere``: only what the platform accepts (``name==version`` and the
``--no-deps``, ``--extra-index-url``, ``--trusted-host`` option lines; no
comments, markers or URLs). ``pip``: a standard requirements file with a header,
a provenance comment per line and ``name @ URL`` for VCS and URL installs.

Which distributions go in:

- every distribution the job imports at run time, pinned to the version
  installed in the target environment, named as its METADATA spells it;
- optional imports (``try/except ImportError``) when installed, unless
  ``include_optional`` is off; type-checking-only imports never;
- the metadata-only umbrella the user installed in place of its payload
  (``tensorflow`` over ``tensorflow-intel``);
- with ``transitive`` (and always when the config says ``no-deps: true``), the
  whole ``Requires-Dist`` closure, with markers evaluated for the target.

Left out: editable installs (no index serves them: ``ENV005`` says so), and distributions whose
name is only *guessed* from the import name (``REQ006``, an error). A guessed
name is as likely wrong as right (``import cv2`` is not ``cv2`` on PyPI), and a
wrong line fails the job's installation or, worse, installs an unrelated
project; leaving it out and failing the check makes the user decide.

The result's findings are only those about the requirements; the analysis'
own findings (``ENV001`` for an import that is not installed, written here
unpinned) stay in ``Analysis.findings`` and are never repeated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from jobdeps.analyzer.distchecks import install_findings, requirement_line
from jobdeps.analyzer.environment import umbrella_for
from jobdeps.analyzer.findings import Finding, finding, sort_findings
from jobdeps.bundler.closure import TargetSpec, requirement_closure

if TYPE_CHECKING:
    import networkx as nx

    from jobdeps.analyzer.distmeta import Distribution
    from jobdeps.analyzer.jobconfig import PipOptions
    from jobdeps.analyzer.results import Analysis, Requirement

__all__ = [
    "DIALECTS",
    "PINS",
    "NeededDistribution",
    "RequirementLine",
    "RequirementsResult",
    "build_requirements",
    "needed_distributions",
]

DIALECTS = ("datasphere", "pip")
PINS = ("exact", "compatible", "none")
TARGET_PLATFORM = "Linux x86_64"
_MAX_LOCATIONS = 3


@dataclass(frozen=True)
class NeededDistribution:
    """One imported distribution, as the requirements must name it.

    ``dist`` is what to pin: the installed distribution, or the umbrella the
    user installed over it (then ``payload`` is the distribution that owns the
    modules). ``alternatives`` are the canonical names that satisfy the need in
    a hand-written file (payload or umbrella).
    """

    requirement: Requirement
    dist: Distribution | None
    payload: Distribution | None = None

    @property
    def pin_name(self) -> str:
        return self.dist.name if self.dist is not None else self.requirement.name

    @property
    def pin_canonical(self) -> str:
        return self.dist.canonical if self.dist is not None else self.requirement.canonical

    @property
    def installed(self) -> bool:
        return self.dist is not None

    @property
    def optional(self) -> bool:
        return self.requirement.optional

    @property
    def alternatives(self) -> frozenset[str]:
        return frozenset({self.pin_canonical, self.requirement.canonical})

    @property
    def location(self) -> str:
        locations = runtime_locations(self.requirement)
        return locations[0] if locations else "?"

    @property
    def pin(self) -> str | None:
        return self.dist.pin() if self.dist is not None else None


def _location_key(location: str) -> tuple[str, int]:
    path, _, line = location.rpartition(":")
    return (path, int(line)) if line.isdigit() else (location, 0)


def runtime_locations(req: Requirement) -> list[str]:
    """Where the job imports ``req`` at run time, in file and line order."""
    return sorted({u.location for u in req.runtime_uses}, key=_location_key)


def _namespace_parent(req: Requirement, analysis: Analysis) -> bool:
    """A guess made for a namespace (``google``) that a deeper import at the same
    statement resolved to an installed distribution (``google-cloud-storage``)."""
    others = [r for r in analysis.requirements if r.dist is not None]
    for use in req.uses:
        deeper = any(
            other.rel == use.rel
            and other.line == use.line
            and other.module.startswith(use.module + ".")
            for r in others
            for other in r.uses
        )
        if not deeper:
            return False
    return bool(req.uses)


def needed_distributions(analysis: Analysis) -> list[NeededDistribution]:
    """What the code needs at run time: neither type-checking-only, guessed, nor editable."""
    out: list[NeededDistribution] = []
    for req in analysis.requirements:
        if req.type_checking_only or req.source == "guessed":
            continue
        dist = req.dist
        if dist is not None and dist.is_editable:
            continue
        if dist is not None:
            umbrella = umbrella_for(analysis.environment, dist)
            if umbrella is not None:
                out.append(NeededDistribution(req, umbrella, payload=dist))
                continue
        out.append(NeededDistribution(req, dist))
    return out


@dataclass(frozen=True)
class RequirementLine:
    """One distribution of the output: what is written, and why it is there."""

    name: str  # as METADATA spells it
    canonical: str
    version: str | None  # None: not installed, written unpinned
    spec: str  # the requirement text written (``numpy==1.26.0``, ``x @ git+...``)
    provenance: tuple[str, ...] = ()  # ``main.py:3`` locations, or required-by names
    optional: bool = False
    transitive: bool = False  # in the closure only, not imported

    def comment(self) -> str:
        """The pip dialect's provenance comment (without ``#``)."""
        if self.transitive:
            text = f"via {', '.join(self.provenance)}"
        else:
            shown = list(self.provenance[:_MAX_LOCATIONS])
            more = len(self.provenance) - len(shown)
            text = "from " + ", ".join(shown) + (f" (+{more} more)" if more > 0 else "")
        if self.optional:
            text = "optional, " + text
        if self.version is None:
            text += "; not installed: unpinned"
        return text


@dataclass
class RequirementsResult:
    """The requirement lines, the option lines, and the findings about them."""

    lines: list[RequirementLine]
    options: list[str]
    findings: list[Finding]
    closure: nx.DiGraph | None
    dialect: str
    target_version: str
    notes: list[str] = field(default_factory=list)  # pip dialect header notes

    def render(self) -> str:
        """The whole file: deterministic, LF newlines, a trailing newline (or empty)."""
        out: list[str] = []
        if self.dialect == "pip":
            from jobdeps import __version__

            out.append(
                f"# Generated by jobdeps {__version__} for Python {self.target_version} "
                f"({TARGET_PLATFORM})."
            )
            out.extend(f"# {note}" for note in self.notes)
        out.extend(self.options)
        for line in self.lines:
            if self.dialect == "pip":
                out.append(f"{line.spec}  # {line.comment()}")
            else:
                out.append(line.spec)
        return "".join(f"{text}\n" for text in out)


def _pin_spec(dist: Distribution, pin: str) -> str:
    if pin == "none":
        return dist.name
    if pin == "compatible":
        try:
            release = Version(dist.version).release
        except InvalidVersion:
            return dist.pin()
        parts = list(release) if len(release) >= 2 else [*release, 0]
        return f"{dist.name}~={'.'.join(str(p) for p in parts)}"
    return dist.pin()


def _spec(dist: Distribution, pin: str, dialect: str) -> str:
    if dist.direct_url is not None and not dist.direct_url.editable and dialect == "pip":
        written = requirement_line(dist, "pip")
        if written is not None:
            return written
    return _pin_spec(dist, pin)


def _option_lines(
    pip: PipOptions | None, dialect: str, notes: list[str], findings: list[Finding]
) -> list[str]:
    if pip is None:
        return []
    lines: list[str] = []
    if pip.index_url:
        if dialect == "pip":
            lines.append(f"--index-url {pip.index_url}")
        else:
            findings.append(
                finding(
                    "REQ008",
                    f"the config's pip index-url ({pip.index_url}) cannot be written: "
                    "the platform rejects `--index-url`",
                )
            )
    if pip.no_deps:
        if dialect == "datasphere":
            lines.append("--no-deps")
        else:  # pip takes --no-deps only on its command line, never in a file
            notes.append("Install with `pip install --no-deps -r FILE` (the config's no-deps).")
    lines.extend(f"--extra-index-url {url}" for url in pip.extra_index_urls)
    lines.extend(f"--trusted-host {host}" for host in pip.trusted_hosts)
    return lines


def build_requirements(
    analysis: Analysis,
    *,
    pip: PipOptions | None = None,
    transitive: bool = False,
    include_optional: bool = True,
    pin: str = "exact",
    dialect: str = "pip",
) -> RequirementsResult:
    """The requirements of ``analysis`` (see the module doc for what goes in).

    Raises ``ValueError`` for an unknown ``pin`` or ``dialect``.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
    if pin not in PINS:
        raise ValueError(f"unknown pin {pin!r}; choose one of {', '.join(PINS)}")
    env = analysis.environment
    platform = "platform" if dialect == "datasphere" else "pip"
    extra_urls = list(pip.extra_index_urls) if pip is not None else []
    findings: list[Finding] = []
    notes: list[str] = []

    # Imported distributions first, merged by the name that is written.
    direct: dict[str, tuple[Distribution | None, str, set[str], bool]] = {}
    for req in analysis.requirements:
        if req.type_checking_only:
            continue
        if req.optional and not include_optional:
            continue
        locations = runtime_locations(req)
        where, line = _split_location(locations[0] if locations else None)
        if req.source == "guessed":
            if not _namespace_parent(req, analysis):
                findings.append(
                    finding(
                        "REQ006",
                        f"`{req.name}` is only a guess for `{', '.join(req.imports)}`: "
                        "left out of the requirements",
                        where,
                        line,
                    )
                )
            continue
        dist = req.dist
        if dist is not None and dist.is_editable:
            findings.extend(install_findings(dist, dialect=platform, path=where, line=line))
            continue
        if dist is not None:
            umbrella = umbrella_for(env, dist)
            if umbrella is not None:
                findings.append(
                    finding(
                        "ENV008",
                        f"{dist.name} is installed by the metadata-only {umbrella.name}, "
                        f"which you installed: pinning {umbrella.pin()}",
                        where,
                        line,
                    )
                )
                dist = umbrella
        key = dist.canonical if dist is not None else req.canonical
        name = dist.name if dist is not None else req.name
        current = direct.get(key)
        if current is None:
            direct[key] = (dist, name, set(locations), req.optional)
        else:
            direct[key] = (dist, name, current[2] | set(locations), current[3] and req.optional)

    lines: dict[str, RequirementLine] = {}
    for key, (dist, name, locations, optional) in direct.items():
        provenance = tuple(sorted(locations, key=_location_key))
        if dist is None:
            lines[key] = RequirementLine(name, key, None, name, provenance, optional)
            continue
        where, line = _split_location(provenance[0] if provenance else None)
        findings.extend(
            install_findings(
                dist, dialect=platform, extra_index_urls=extra_urls, path=where, line=line
            )
        )
        lines[key] = RequirementLine(
            dist.name, key, dist.version, _spec(dist, pin, dialect), provenance, optional
        )

    closure = None
    if transitive or (pip is not None and pip.no_deps):
        roots = sorted(k for k, (dist, *_rest) in direct.items() if dist is not None)
        target = TargetSpec(python_version=analysis.target_version)
        closure, closure_findings = requirement_closure(env, roots, target)
        findings.extend(closure_findings)
        required = _reachable(closure, [k for k in roots if not direct[k][3]])
        for node in sorted(closure.nodes):
            if node in lines:
                continue
            dist = closure.nodes[node]["dist"]
            if dist is None:
                continue  # ENV003 names who requires it
            parents = tuple(
                sorted(closure.nodes[p]["dist"].name for p in closure.predecessors(node))
            )
            if dist.is_editable:
                findings.extend(install_findings(dist, dialect=platform))
                continue
            findings.extend(install_findings(dist, dialect=platform, extra_index_urls=extra_urls))
            lines[node] = RequirementLine(
                dist.name,
                node,
                dist.version,
                _spec(dist, pin, dialect),
                parents,
                optional=node not in required,
                transitive=True,
            )

    options = _option_lines(pip, dialect, notes, findings)
    ordered = [lines[k] for k in sorted(lines)]
    return RequirementsResult(
        lines=ordered,
        options=options,
        findings=sort_findings(findings),
        closure=closure,
        dialect=dialect,
        target_version=analysis.target_version,
        notes=notes,
    )


def _reachable(graph: nx.DiGraph, sources: list[str]) -> set[str]:
    """``sources`` and everything they lead to."""
    import networkx as nx

    out = set(sources)
    for source in sources:
        out |= nx.descendants(graph, source)
    return out


def _split_location(location: str | None) -> tuple[str | None, int | None]:
    if location is None:
        return None, None
    path, _, line = location.rpartition(":")
    return (path, int(line)) if line.isdigit() else (location, None)
