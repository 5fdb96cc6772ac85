"""Reporters: one small class per ``--format``, each turning a :class:`CheckReport` into text.

A reporter only renders: it returns the whole output as a string and never
prints, exits or reads the environment, so the CLI decides where the text goes
and golden tests can compare it byte for byte. The concrete reporters live in
``text``, ``json_report``, ``github`` and ``sarif``; :func:`get_reporter` picks one
by its format name and imports its module only then.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from jobdeps.analyzer.findings import Finding, Severity, failing

FORMATS = ("text", "json", "github", "sarif")

# format name -> (module under jobdeps.cli.reporters, class name)
_REPORTERS: dict[str, tuple[str, str]] = {
    "text": ("text", "TextReporter"),
    "json": ("json_report", "JsonReporter"),
    "github": ("github", "GithubReporter"),
    "sarif": ("sarif", "SarifReporter"),
}

# The exit codes of `jobdeps check`, named once so the CLI and the docs agree.
EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


@dataclass
class CheckReport:
    """What every reporter renders.

    ``findings`` are already filtered and sorted (see
    :func:`jobdeps.analyzer.findings.sort_findings`); their paths are posix and
    relative to ``root`` where possible. ``entries`` are entry points as
    ``EntrySpec.to_dict()`` dicts. ``extra`` is any further JSON payload (the
    analysis, say) that the JSON reporter merges in under its own keys.
    """

    findings: list[Finding]
    tool_version: str
    root: Path
    entries: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        """Number of findings per severity, worst first, every severity present."""
        counts = {s.value: 0 for s in sorted(Severity, key=lambda s: -s.rank)}
        for f in self.findings:
            counts[f.severity.value] += 1
        return counts

    def exit_code(self, *, strict: bool = False) -> int:
        """0 when clean, 1 on any error (or any warning with ``strict``)."""
        return EXIT_FINDINGS if failing(self.findings, strict) else EXIT_CLEAN


@runtime_checkable
class Reporter(Protocol):
    """Renders a report as the full text of one output format."""

    format: str

    def render(self, report: CheckReport) -> str: ...


def get_reporter(fmt: str, *, color: bool | None = None) -> Reporter:
    """The reporter for ``fmt`` (one of :data:`FORMATS`).

    ``color`` matters only for ``text``: ``None`` means colour when standard
    output is a terminal and ``NO_COLOR`` is unset; the CLI normally passes
    ``sys.stdout.isatty()`` itself. Raises ``ValueError`` for an unknown format.
    """
    try:
        module_name, class_name = _REPORTERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}"
        ) from None
    module = importlib.import_module(f"{__name__}.{module_name}")
    cls = getattr(module, class_name)
    if fmt == "text":
        return cls(color=_stdout_wants_color() if color is None else color)
    return cls()


def _stdout_wants_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


__all__ = [
    "EXIT_CLEAN",
    "EXIT_FINDINGS",
    "EXIT_USAGE",
    "FORMATS",
    "CheckReport",
    "Reporter",
    "get_reporter",
]
