"""Manual mode: what the config says ships must cover what the code reaches.

In ``type: manual`` the platform ships only ``local-paths`` (``[]``: just the
entry scripts). Every local file the closure reaches must be under one of them,
or the job fails on the VM with ``ModuleNotFoundError``.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from jobdeps.analyzer.analysis import Analysis
from jobdeps.analyzer.findings import Finding, finding
from jobdeps.analyzer.jobconfig import JobConfig


def _covers(local_path: str, rel: str) -> bool:
    base = PurePosixPath(local_path.strip("/") or ".")
    target = PurePosixPath(rel)
    return str(base) == "." or target == base or base in target.parents


def import_chain(analysis: Analysis, rel: str) -> str:
    """``main.py:3 -> pkg/__init__.py:1 -> pkg/x.py``: how an entry reaches ``rel``."""
    from jobdeps.analyzer.why import shortest_chain

    chain = shortest_chain(analysis, f"file:{rel}")
    if not chain:
        return rel
    return " -> ".join(step.display() for step in chain)


def check_manual_mode(cfg: JobConfig, analysis: Analysis) -> list[Finding]:
    python = cfg.env.python
    if python is None or python.type != "manual" or python.local_paths is None:
        return []
    base = cfg.base_dir.resolve()
    prefix = ""
    if base != analysis.root:
        try:
            prefix = base.relative_to(analysis.root).as_posix() + "/"
        except ValueError:
            prefix = ""
    shipped = [prefix + p for p in python.local_paths]
    entries = set(analysis.entry_files)
    found: list[Finding] = []
    line = cfg.line_of("env", "python", "local-paths")
    for rel, info in analysis.local_files.items():
        if rel in entries or info.kind == "extension":
            continue
        if any(_covers(p, rel) for p in shipped):
            continue
        found.append(
            finding(
                "CFG034",
                f"`{rel}` is imported but not under any `local-paths` entry "
                f"({import_chain(analysis, rel)})",
                cfg.display_path,
                line,
            )
        )
    return found
