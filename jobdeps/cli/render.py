"""Text rendering of an analysis (``jobdeps analyze``) and of import chains (``jobdeps why``)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from jobdeps.analyzer.results import Analysis
from jobdeps.analyzer.why import Step

#: Characters of JSON gathered before each write (see :func:`write_json`).
JSON_WRITE_CHARS = 1 << 16


def write_json(document: Any, stream: TextIO) -> None:
    """``document`` as indented JSON and a newline, written in pieces of about 64 KiB.

    The same text as ``json.dumps(document, indent=2) + "\n"``, without the whole
    of it in memory at once (an indented document is encoded in Python, one small
    string per token: 8 MiB more at peak for the 2 MB report of a 5,000-module
    walk), and without a write per token (each would reach the output, and the
    replay's copy of it, on its own).
    """
    encoder = json.JSONEncoder(indent=2, check_circular=False)
    pending: list[str] = []
    size = 0
    for chunk in encoder.iterencode(document):
        pending.append(chunk)
        size += len(chunk)
        if size >= JSON_WRITE_CHARS:
            stream.write("".join(pending))
            pending.clear()
            size = 0
    pending.append("\n")
    stream.write("".join(pending))


def _flags(optional: bool, type_checking_only: bool) -> str:
    marks = []
    if optional:
        marks.append("optional")
    if type_checking_only:
        marks.append("type-checking only")
    return f"  [{', '.join(marks)}]" if marks else ""


def render_analysis(analysis: Analysis) -> str:
    lines: list[str] = []
    lines.append(f"Target Python {analysis.target_version}, project root {analysis.root}")
    lines.append("")
    lines.append(f"Entry points ({len(analysis.entries)})")
    for entry in analysis.entries:
        where = entry.origin + (f" (config line {entry.origin_line})" if entry.origin_line else "")
        prefix = "-m " if entry.kind == "module" else ""
        lines.append(f"  {prefix}{entry.target}  <- {where}")
    if analysis.started:
        lines.append("")
        lines.append(f"Started by the code ({len(analysis.started)})")
        for entry in analysis.started:
            prefix = "-m " if entry.kind == "module" else ""
            lines.append(f"  {prefix}{entry.target}  <- {entry.origin}")
    lines.append("")
    lines.append(f"Local files ({len(analysis.local_files)})")
    for rel in analysis.local_files:
        lines.append(f"  {rel}")
    lines.append("")
    lines.append(f"Requirements ({len(analysis.requirements)})")
    for req in analysis.requirements:
        pin = (
            f"{req.name}=={req.version}"
            if req.version
            else f"{req.name}  (not installed: {req.source})"
        )
        first = req.locations[0] if req.locations else ""
        imports = ", ".join(req.imports)
        lines.append(
            f"  {pin}  imported as {imports}  at {first}"
            + _flags(req.optional, req.type_checking_only)
        )
    lines.append("")
    lines.append(f"Stdlib ({len(analysis.stdlib)}): {', '.join(analysis.stdlib) or '-'}")
    if analysis.unresolved:
        lines.append("")
        lines.append(f"Unresolved ({len(analysis.unresolved)})")
        for item in analysis.unresolved:
            data = item.to_dict()
            where = ", ".join(data["locations"][:3])
            lines.append(f"  {item.name}  at {where}: {item.reason}")
    lines.append("")
    if analysis.findings:
        lines.append(f"Findings ({len(analysis.findings)})")
        for f in analysis.findings:
            col = f":{f.col}" if f.col and f.line else ""
            lines.append(f"  {f.location()}{col}: {f.code} {f.severity.value}: {f.message}")
    else:
        lines.append("No findings.")
    return "\n".join(lines) + "\n"


def render_chain(target: str, steps: list[Step]) -> str:
    kind, _, label = target.partition(":")
    lines = [f"{label} ({'local file' if kind == 'file' else kind})"]
    for depth, step in enumerate(steps):
        lines.append(f"{'  ' * depth}{step.rel}:{step.line}  {step.verb} {step.module}")
    return "\n".join(lines) + "\n"
