"""Data files the code names but the job does not ship (``BND100``).

``open("configs/train.yaml")`` works on the laptop and fails on the VM when
``configs/`` is neither an input nor bundled. The extractor keeps every
path-like string literal of a reached file; here each one that names an
existing file or folder of the project is checked against what ships.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from jobdeps.analyzer.findings import Finding, finding
from jobdeps.analyzer.manual_mode import covers
from jobdeps.analyzer.results import Analysis


def _covered(rel: str, shipped: set[str], shipped_dirs: set[str], inputs: list[str]) -> bool:
    return rel in shipped or rel in shipped_dirs or any(covers(item, rel) for item in inputs)


def unshipped_data_files(
    analysis: Analysis, shipped: Iterable[str], inputs: Iterable[str] = ()
) -> list[Finding]:
    root = analysis.root
    shipped_set = set(shipped)
    shipped_dirs = {str(p) for rel in shipped_set for p in PurePosixPath(rel).parents}
    input_list = [i for i in inputs]
    found: list[Finding] = []
    for rel, facts in sorted(analysis.facts.items()):
        info = analysis.local_files.get(rel)
        if info is None:
            continue
        seen: set[str] = set()
        for literal in facts.path_literals:
            base = info.path.parent if literal.anchor == "file" else root
            candidate = Path(os.path.normpath(base / literal.value))
            try:
                target = candidate.relative_to(root).as_posix()
            except ValueError:
                continue
            if target in seen or target == "." or target == rel:
                continue
            if not candidate.exists():
                continue
            seen.add(target)
            if _covered(target, shipped_set, shipped_dirs, input_list):
                continue
            if facts.suppressed(literal.line, "BND100"):
                continue
            kind = "folder" if candidate.is_dir() else "file"
            found.append(
                finding(
                    "BND100",
                    f"`{literal.value}` names the project {kind} `{target}`, which is neither an "
                    "input nor bundled: the job will not find it",
                    rel,
                    literal.line,
                )
            )
    return found
