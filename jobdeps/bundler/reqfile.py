"""Reading an existing requirements file and checking it against what the code needs.

Parsing follows pip's own order for a requirements file: continuation lines
(``\\`` at the end) are joined first, then comments are cut (``#`` at the start
or after white space), then each logical line is an option (``-r``,
``--extra-index-url``...) or a PEP 508 requirement, parsed with ``packaging``.
``-r``/``--requirement`` includes are followed relative to the including file.

:func:`check_requirements_file` is shared by ``jobdeps requirements --check``
and the manual-mode check of ``env.python.requirements-file``: it reports
missing, unused and mismatched distributions and, for the ``datasphere``
dialect, every line the platform would reject, each at ``file:LINE``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from jobdeps.analyzer.findings import Finding, Severity, finding, sort_findings
from jobdeps.bundler.closure import TargetSpec, requirement_closure
from jobdeps.bundler.requirements import DIALECTS, needed_distributions

if TYPE_CHECKING:
    from jobdeps.analyzer.jobconfig import PipOptions
    from jobdeps.analyzer.results import Analysis

__all__ = [
    "ParsedRequirements",
    "ReqFileLine",
    "check_requirements_file",
    "parse_requirements_file",
    "parse_requirements_text",
]

# pip's comment rule: "#" at the start of a line or after white space.
_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
# Per-requirement options after a requirement (``name==1 --hash=sha256:...``).
_REQ_OPTION_RE = re.compile(r"\s+(--?[A-Za-z][\w-]*)")
_URLISH_RE = re.compile(r"^([a-z][a-z0-9+.-]*://|\.{1,2}/|/|~)", re.IGNORECASE)

# Options pip accepts in a requirements file (short -> long), and whether they take a value.
_SHORT = {"-r": "--requirement", "-c": "--constraint", "-e": "--editable", "-i": "--index-url",
          "-f": "--find-links"}  # fmt: skip
_WITH_VALUE = {
    "--requirement",
    "--constraint",
    "--editable",
    "--index-url",
    "--extra-index-url",
    "--find-links",
    "--trusted-host",
    "--only-binary",
    "--no-binary",
    "--use-feature",
    "--config-settings",
}
_FLAGS = {"--no-index", "--pre", "--prefer-binary", "--require-hashes", "--no-deps"}
# What the platform accepts besides requirements (see the job-config spec).
PLATFORM_OPTIONS = ("--no-deps", "--extra-index-url", "--trusted-host")


@dataclass(frozen=True)
class ReqFileLine:
    """One logical line: continuation lines joined, numbered by its first physical line."""

    path: str  # display path of the file that holds it (posix)
    line: int
    raw: str  # as written, continuations joined, comment kept
    text: str  # without the comment, stripped
    comment: bool = False
    continued: bool = False
    kind: str = "blank"  # blank | comment | requirement | url | option | invalid
    requirement: Requirement | None = None
    option: str | None = None  # long option name
    value: str | None = None
    req_options: tuple[str, ...] = ()  # per-requirement options (``--hash``)
    error: str | None = None

    @property
    def name(self) -> str | None:
        """The canonical distribution name of a requirement line."""
        return canonicalize_name(self.requirement.name) if self.requirement else None


@dataclass
class ParsedRequirements:
    """Every logical line of a file and its includes, in reading order."""

    lines: list[ReqFileLine] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def requirements(self) -> list[ReqFileLine]:
        return [ln for ln in self.lines if ln.requirement is not None]


# ---------------------------------------------------------------- parsing


def _logical_lines(text: str) -> list[tuple[int, str, bool]]:
    """``(first line number, joined text, continued)`` as pip joins ``\\`` continuations."""
    out: list[tuple[int, str, bool]] = []
    buffer: list[str] = []
    start = 0
    for number, physical in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        # A comment line ends a continuation, as in pip.
        if physical.endswith("\\") and not _COMMENT_RE.match(physical.strip() or "x"):
            buffer.append(physical[:-1])
            continue
        buffer.append(physical)
        out.append((start, "".join(buffer), len(buffer) > 1))
        buffer = []
    if buffer:
        out.append((start, "".join(buffer), len(buffer) > 1))
    return out


def _split_option(text: str) -> tuple[str, str | None, str | None]:
    """``(long option, value, error)`` for a line starting with ``-``."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        return text.split()[0], None, f"cannot split the option line: {exc}"
    head = tokens[0]
    value: str | None = None
    if head.startswith("--") and "=" in head:
        head, value = head.split("=", 1)
    elif not head.startswith("--") and len(head) > 2:  # -rfile.txt
        head, value = head[:2], head[2:]
    option = _SHORT.get(head, head)
    rest = tokens[1:]
    if option in _WITH_VALUE:
        if value is None:
            if not rest:
                return option, None, f"{option} needs a value"
            value, rest = rest[0], rest[1:]
    elif option in _FLAGS:
        if value is not None:
            return option, value, f"{option} takes no value"
    else:
        return option, value, f"unknown option {head}"
    if rest:
        return option, value, f"unexpected text after {option}: {' '.join(rest)}"
    return option, value, None


def _classify(path: str, number: int, raw: str, continued: bool) -> ReqFileLine:
    stripped = raw.strip()
    text = _COMMENT_RE.sub("", stripped).strip()
    comment = text != stripped
    base = {"path": path, "line": number, "raw": raw, "text": text, "comment": comment,
            "continued": continued}  # fmt: skip
    if not text:
        return ReqFileLine(**base, kind="comment" if comment else "blank")
    if text.startswith("-"):
        option, value, error = _split_option(text)
        kind = "invalid" if error else "option"
        return ReqFileLine(**base, kind=kind, option=option, value=value, error=error)
    req_text, req_options = text, ()
    match = _REQ_OPTION_RE.search(text)
    if match is not None and not _URLISH_RE.match(text):
        req_text = text[: match.start()].strip()
        req_options = tuple(text[match.start() :].split())
    try:
        requirement = Requirement(req_text)
    except InvalidRequirement as exc:
        if _URLISH_RE.match(req_text) or req_text.endswith((".whl", ".tar.gz", ".zip")):
            return ReqFileLine(**base, kind="url", error="a bare URL or path")
        message = str(exc).splitlines()[0] if str(exc) else "invalid requirement"
        return ReqFileLine(**base, kind="invalid", error=message)
    return ReqFileLine(**base, kind="requirement", requirement=requirement, req_options=req_options)


def parse_requirements_text(text: str, display_path: str) -> list[ReqFileLine]:
    """The logical lines of one file's text (includes are not followed here)."""
    return [_classify(display_path, n, raw, cont) for n, raw, cont in _logical_lines(text)]


def parse_requirements_file(path: Path, display_path: str) -> ParsedRequirements:
    """Parse ``path`` and, depth first, the files it includes with ``-r``.

    A missing, unreadable or undecodable file, and an include cycle, are
    ``REQ009`` findings (at the ``-r`` line that names them), never exceptions.
    """
    result = ParsedRequirements()
    _parse_into(Path(path), display_path, result, stack=(), where=(display_path, None))
    return result


def _parse_into(
    path: Path,
    display: str,
    result: ParsedRequirements,
    stack: tuple[Path, ...],
    where: tuple[str | None, int | None],
) -> None:
    resolved = path.resolve()
    if resolved in stack:
        result.findings.append(
            finding("REQ009", f"`{display}` includes itself (through -r)", where[0], where[1])
        )
        return
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        result.findings.append(finding("REQ009", f"`{display}`: no such file", *where))
        return
    except IsADirectoryError:
        result.findings.append(finding("REQ009", f"`{display}` is a folder, not a file", *where))
        return
    except OSError as exc:
        result.findings.append(
            finding("REQ009", f"`{display}` cannot be read: {exc.strerror or exc}", *where)
        )
        return
    except UnicodeDecodeError:
        result.findings.append(finding("REQ009", f"`{display}` is not UTF-8 text", *where))
        return
    for line in parse_requirements_text(text, display):
        result.lines.append(line)
        if line.kind == "option" and line.option == "--requirement" and line.value:
            child_display = str(PurePosixPath(display).parent / line.value)
            child_display = PurePosixPath(child_display).as_posix()
            _parse_into(
                path.parent / line.value,
                _normpath(child_display),
                result,
                (*stack, resolved),
                (line.path, line.line),
            )


def _normpath(posix: str) -> str:
    import posixpath

    return posixpath.normpath(posix)


# ---------------------------------------------------------------- platform acceptance


def platform_problems(line: ReqFileLine) -> list[str]:
    """Why the platform would reject ``line`` (empty when it accepts it)."""
    problems: list[str] = []
    if line.continued:
        problems.append("a continued line (`\\`): the platform reads one requirement per line")
    if line.comment:
        problems.append("an inline comment" if line.text else "a comment line")
    if line.kind == "option" and line.option not in PLATFORM_OPTIONS:
        shown = {"--requirement": "-r", "--editable": "-e"}.get(line.option or "", line.option)
        problems.append(f"the option `{shown}`")
    elif line.kind == "url":
        problems.append("a URL or path instead of `name==version`")
    elif line.requirement is not None:
        if line.requirement.url:
            problems.append("a direct URL (`name @ URL`)")
        if line.requirement.marker is not None:
            problems.append(f"an environment marker (`; {line.requirement.marker}`)")
        if line.req_options:
            problems.append(f"the per-requirement option `{line.req_options[0]}`")
    return problems


# ---------------------------------------------------------------- the check


def _covers(line: ReqFileLine, marker_env: dict[str, str]) -> bool:
    """Whether a requirement line installs anything for the target (its marker holds)."""
    req = line.requirement
    if req is None:
        return False
    if req.marker is None:
        return True
    try:
        return bool(req.marker.evaluate({**marker_env, "extra": ""}))
    except Exception:  # an unevaluable marker: assume it applies
        return True


def _contains(req: Requirement, version: str) -> bool:
    try:
        return req.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return any(spec.version == version for spec in req.specifier)


def check_requirements_file(
    path: Path,
    analysis: Analysis,
    *,
    dialect: str,
    display_path: str,
    pip: PipOptions | None = None,
    transitive_names: set[str] | None = None,
) -> list[Finding]:
    """Compare the requirements file at ``path`` with what ``analysis`` needs.

    - ``REQ001`` (error): a distribution the code imports is not listed (info
      for an optional import); with ``transitive_names`` (or the config's
      ``no-deps: true``, or a ``--no-deps`` line in the platform's dialect), also
      each distribution of the closure.
    - ``REQ002`` (warning): a listed distribution never imported; info when
      it is a dependency of an imported one, nothing when the closure is
      required anyway.
    - ``REQ003`` (warning): a version that the target environment does not have.
    - ``REQ007`` (info): a requirement without a version.
    - ``REQ004`` (error, ``datasphere`` dialect): a line the platform rejects.
    - ``REQ005`` (error): a line that is no requirement; ``REQ009``: unreadable
      files and includes; ``REQ010`` (warning): a distribution listed twice.

    Guessed distributions (``source == "guessed"``) and editable installs are
    not required: the first already carry an import finding, the second are
    local code.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
    parsed = parse_requirements_file(path, display_path)
    findings = list(parsed.findings)
    if findings and not parsed.lines:  # the file itself is unreadable: nothing to compare
        return sort_findings(findings)
    env = analysis.environment
    target = TargetSpec(python_version=analysis.target_version)
    marker_env = target.marker_environment()

    file_no_deps = False
    for line in parsed.lines:
        if line.kind == "invalid":
            findings.append(finding("REQ005", f"`{line.text}`: {line.error}", line.path, line.line))
        if line.kind == "option" and line.option == "--no-deps":
            if dialect == "datasphere":
                file_no_deps = True  # the platform installs without dependencies
            else:
                findings.append(
                    finding(
                        "REQ005",
                        "`--no-deps`: pip takes it only on its command line, not in a file",
                        line.path,
                        line.line,
                    )
                )
        if dialect == "datasphere":
            problems = platform_problems(line)
            if problems:
                findings.append(
                    finding(
                        "REQ004",
                        f"the platform rejects {'; '.join(problems)}: `{line.raw.strip()}`",
                        line.path,
                        line.line,
                    )
                )

    needed = needed_distributions(analysis)
    no_deps = bool(pip is not None and pip.no_deps) or file_no_deps
    roots = sorted({n.pin_canonical for n in needed if n.installed})
    closure, _closure_findings = requirement_closure(env, roots, target)
    if transitive_names is None and no_deps:
        transitive_names = set(closure.nodes)
    closure_required = transitive_names is not None
    required_closure = {canonicalize_name(n) for n in (transitive_names or set())}

    listed: dict[str, ReqFileLine] = {}
    for line in parsed.requirements:
        name = line.name or ""
        shown = line.requirement.name if line.requirement is not None else name
        if name in listed:
            first = listed[name]
            findings.append(
                finding(
                    "REQ010",
                    f"`{shown}` is listed again (first at {first.path}:{first.line})",
                    line.path,
                    line.line,
                )
            )
            continue
        if _covers(line, marker_env):
            listed[name] = line

    # Missing: imported distributions, then (with no-deps) the rest of the closure.
    covered: set[str] = set()
    for need in needed:
        names = need.alternatives
        if any(n in listed for n in names):
            covered.update(names)
            continue
        covered.update(names)
        shown = need.pin_name
        severity = Severity.INFO if need.optional else None
        what = "an optional import" if need.optional else "imported"
        findings.append(
            finding(
                "REQ001",
                f"`{shown}` is {what} ({need.location}) but not listed"
                + (f"; add `{need.pin}`" if need.pin else ""),
                display_path,
                None,
                severity=severity,
            )
        )
    if closure_required:
        for name in sorted(required_closure - covered):
            if name in listed:
                continue
            dist = env.distribution(name)
            if dist is not None and dist.is_editable:
                continue
            parents = sorted(closure.predecessors(name)) if name in closure else []
            why = f"required by {', '.join(parents)}" if parents else "in the closure"
            pin = f"; add `{dist.pin()}`" if dist is not None else ""
            findings.append(
                finding(
                    "REQ001",
                    f"`{dist.name if dist else name}` is {why} and pip installs no dependencies "
                    f"(no-deps) but it is not listed{pin}",
                    display_path,
                    None,
                )
            )

    # Unused, version mismatch, unpinned.
    imported = {n for need in needed for n in need.alternatives}
    imported |= {r.canonical for r in analysis.requirements}  # type-checking and guessed too
    for name, line in sorted(listed.items()):
        req = line.requirement
        assert req is not None
        if name not in imported:
            findings.extend(_unused(line, closure, required_closure, closure_required))
        dist = env.distribution(name)
        if dist is None or req.url:
            continue
        if not req.specifier:
            findings.append(
                finding(
                    "REQ007",
                    f"`{req.name}` has no version; the target environment has {dist.version}",
                    line.path,
                    line.line,
                )
            )
        elif not _contains(req, dist.version):
            findings.append(
                finding(
                    "REQ003",
                    f"`{req.name}{req.specifier}` but the target environment has "
                    f"{dist.name} {dist.version}",
                    line.path,
                    line.line,
                )
            )
    return sort_findings(findings)


def _unused(
    line: ReqFileLine, closure, required_closure: set[str], closure_required: bool
) -> list[Finding]:
    req = line.requirement
    assert req is not None
    name = canonicalize_name(req.name)
    if closure_required and name in required_closure:
        return []
    if name in closure:
        parents = _importing_ancestors(closure, name)
        return [
            finding(
                "REQ002",
                f"`{req.name}` is not imported directly; it is a dependency of "
                f"{', '.join(parents)}",
                line.path,
                line.line,
                severity=Severity.INFO,
            )
        ]
    return [
        finding(
            "REQ002",
            f"`{req.name}` is listed but the code never imports it",
            line.path,
            line.line,
        )
    ]


def _importing_ancestors(closure, name: str) -> list[str]:
    """The closure roots (imported distributions) that lead to ``name``."""
    import networkx as nx

    ancestors: Iterable[str] = nx.ancestors(closure, name)
    roots = sorted(a for a in ancestors if closure.nodes[a].get("root"))
    return roots or sorted(closure.predecessors(name))
