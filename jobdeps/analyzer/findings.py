"""Findings and the rule registry they are checked against.

Every problem jobdeps reports is a :class:`Finding` that names a registered
:class:`Rule` by its stable code. Rules are data: each group of rules lives in
its own module under :mod:`jobdeps.analyzer.rules` and registers itself with
:func:`rule`; detectors build findings with :func:`finding`, which takes the
default severity from the registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum


class Severity(str, Enum):
    """How bad a finding is; ordered so that ``max()`` picks the worst."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


GROUPS = ("config", "imports", "environment", "requirements", "bundle")


@dataclass(frozen=True)
class Rule:
    """One check: a stable code, a default severity and a fix hint."""

    code: str
    name: str
    group: str
    severity: Severity
    summary: str
    hint: str


_RULES: dict[str, Rule] = {}


def rule(code: str, name: str, group: str, severity: Severity, summary: str, hint: str) -> Rule:
    """Register a rule; codes are unique and never reused."""
    if group not in GROUPS:
        raise ValueError(f"unknown rule group {group!r}")
    existing = _RULES.get(code)
    new = Rule(code, name, group, severity, summary, hint)
    if existing is not None and existing != new:
        raise ValueError(f"rule code {code} registered twice")
    _RULES[code] = new
    return new


def get_rule(code: str) -> Rule:
    rule = _RULES.get(code)
    if rule is not None:
        return rule
    from jobdeps.analyzer import rules as _catalog  # noqa: F401  (registers every rule)

    return _RULES[code]


def all_rules() -> list[Rule]:
    from jobdeps.analyzer import rules as _catalog  # noqa: F401

    return sorted(_RULES.values(), key=lambda r: r.code)


def unknown_code(pattern: str) -> str | None:
    """Why ``pattern`` (a rule code or prefix, as ``--select`` takes) matches no rule,
    or None when it matches one: a misspelt ``--select`` would turn every check off."""
    wanted = pattern.strip().upper()
    codes = [r.code for r in all_rules()]
    if any(code.startswith(wanted) for code in codes):
        return None
    import difflib

    close = difflib.get_close_matches(wanted, [*codes, *sorted({c[:3] for c in codes})], n=1)
    hint = f"; did you mean `{close[0]}`?" if close else " (see docs/rules.md)"
    return f"`{pattern}` matches no rule{hint}"


@dataclass(frozen=True)
class Finding:
    """One reported problem, at ``path:line`` (posix, relative to the project root)."""

    code: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    col: int | None = None
    hint: str = ""

    def sort_key(self) -> tuple:
        return (self.path or "", self.line or 0, self.col or 0, self.code, self.message)

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)

    def location(self) -> str:
        if self.path is None:
            return "-"
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}"

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "message": self.message,
            "hint": self.hint,
        }


def finding(
    code: str,
    message: str,
    path: str | None = None,
    line: int | None = None,
    col: int | None = None,
    *,
    severity: Severity | None = None,
    hint: str | None = None,
) -> Finding:
    """Build a finding for a registered rule, with its default severity and hint."""
    r = get_rule(code)
    return Finding(
        code=code,
        severity=severity or r.severity,
        message=message,
        path=path,
        line=line,
        col=col,
        hint=r.hint if hint is None else hint,
    )


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Deterministic order, duplicates removed."""
    return sorted(set(findings), key=Finding.sort_key)


def failing(findings: Iterable[Finding], strict: bool = False) -> bool:
    """Whether findings fail a run: any error, or with ``strict`` any warning too."""
    bar = Severity.WARNING.rank if strict else Severity.ERROR.rank
    return any(f.severity.rank >= bar for f in findings)


def worst(findings: list[Finding]) -> Severity | None:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)
