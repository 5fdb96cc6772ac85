"""Human-readable output: findings grouped by file, one ``path:line:col:`` line each.

The plain text is built here, line by line, so it is byte-stable whatever the
terminal width; rich is used only to colour those same lines when asked.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from jobdeps.analyzer.findings import Finding, Severity

if TYPE_CHECKING:
    from jobdeps.cli.reporters import CheckReport

# Findings that belong to no file (the project, its environment) get this in place of a path.
PROJECT_GROUP = "(project)"

_SEVERITY_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
}

# singular, plural
_NOUNS = {
    Severity.ERROR: ("error", "errors"),
    Severity.WARNING: ("warning", "warnings"),
    Severity.INFO: ("info", "info"),
}


class TextReporter:
    format = "text"

    def __init__(self, *, color: bool = False) -> None:
        self.color = color

    def render(self, report: CheckReport) -> str:
        lines = build_lines(report)
        if not self.color:
            return "".join(line.plain + "\n" for line in lines)
        return _colourise(lines)


def build_lines(report: CheckReport) -> list[Text]:
    """The output as styled lines; ``Text.plain`` of each is the uncoloured line."""
    lines: list[Text] = []
    for group in _groups(report.findings):
        if lines:
            lines.append(Text(""))
        for f in group:
            lines.append(_finding_line(f))
            if f.hint:
                lines.append(Text.assemble("  ", ("= help:", "bold cyan"), " ", f.hint))
    if report.entries:
        if lines:
            lines.append(Text(""))
        lines.append(Text(_entries_line(report.entries), style="dim"))
    if lines:
        lines.append(Text(""))
    lines.append(_summary_line(report))
    return lines


def _groups(findings: list[Finding]) -> list[list[Finding]]:
    """Findings by path, the pathless ones first, then files in sorted order.

    Within a group the caller's order is kept (it is already sorted).
    """
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path or "", []).append(f)
    return [by_path[p] for p in sorted(by_path)]


def _location(f: Finding) -> str:
    if f.path is None:
        return PROJECT_GROUP
    parts = [f.path]
    if f.line is not None:
        parts.append(str(f.line))
        if f.col is not None:
            parts.append(str(f.col))
    return ":".join(parts)


def _finding_line(f: Finding) -> Text:
    style = _SEVERITY_STYLE[f.severity]
    return Text.assemble(
        (_location(f), "bold"),
        ": ",
        (f.code, style),
        " ",
        (f.severity.value, style),
        " ",
        f.message,
    )


def _entries_line(entries: list[dict]) -> str:
    targets = [str(e.get("target", "?")) for e in entries]
    noun = "entry point" if len(targets) == 1 else "entry points"
    return f"Checked {len(targets)} {noun}: {', '.join(targets)}."


def _summary_line(report: CheckReport) -> Text:
    counts = report.summary()
    parts: list[tuple[str, str]] = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = counts[severity.value]
        if n:
            singular, plural = _NOUNS[severity]
            parts.append((f"{n} {singular if n == 1 else plural}", _SEVERITY_STYLE[severity]))
    if not parts:
        return Text("All checks passed.", style="bold green")
    text = Text("Found ")
    for i, (words, style) in enumerate(parts):
        if i:
            text.append(", ")
        text.append(words, style=style)
    text.append(".")
    return text


def _colourise(lines: list[Text]) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        color_system="standard",
        soft_wrap=True,  # never wrap at the terminal width: the lines are already final
        highlight=False,
        markup=False,
        emoji=False,
    )
    for line in lines:
        console.print(line)
    return buffer.getvalue()
