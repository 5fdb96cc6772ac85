"""Manual mode: what the config says ships must cover what the code reaches.

In ``type: manual`` the platform ships only ``local-paths`` (``[]``: just the
entry scripts). Every local file the closure reaches must be under one of them,
or the job fails on the VM with ``ModuleNotFoundError``.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from jobdeps.analyzer.findings import Finding, finding
from jobdeps.analyzer.jobconfig import JobConfig
from jobdeps.analyzer.results import Analysis


def covers(folder_or_file: str, rel: str) -> bool:
    """True when the posix path ``rel`` is ``folder_or_file`` or lies under it."""
    base = PurePosixPath(folder_or_file.strip("/") or ".")
    target = PurePosixPath(rel)
    return str(base) == "." or target == base or base in target.parents


def import_chain(analysis: Analysis, rel: str) -> str:
    """``main.py:3 -> pkg/__init__.py:1 -> pkg/x.py``: how an entry reaches ``rel``."""
    from jobdeps.analyzer.why import shortest_chain

    chain = shortest_chain(analysis, f"file:{rel}")
    if not chain:
        return rel
    return " -> ".join(step.display() for step in chain)


def check_plain_inputs(cfg: JobConfig, analysis: Analysis) -> list[Finding]:
    """Plain environment: only ``inputs`` are uploaded, so every imported local file must be one."""
    if cfg.env.python is not None:
        return []
    prefix = _prefix(cfg, analysis)
    shipped = [prefix + item.path for item in cfg.inputs if item.path]
    entries = set(analysis.entry_files)
    found: list[Finding] = []
    for rel, info in analysis.local_files.items():
        if rel in entries or info.kind == "extension" or any(covers(p, rel) for p in shipped):
            continue
        found.append(
            finding(
                "CFG031",
                f"`{rel}` is imported in the plain environment but is not an input "
                f"({import_chain(analysis, rel)})",
                cfg.display_path,
                cfg.line_of("inputs") or cfg.line_of("cmd"),
            )
        )
    return found


def _prefix(cfg: JobConfig, analysis: Analysis) -> str:
    base = cfg.base_dir.resolve()
    if base == analysis.root:
        return ""
    try:
        return base.relative_to(analysis.root).as_posix() + "/"
    except ValueError:
        return ""


def unpacked_layout(base: Path, local_paths: list[str]) -> set[str]:
    """The files the platform lays out in the job folder: each local path is zipped
    relative to its parent, so ``.jobdeps/local/lib`` arrives as ``lib/...``."""
    files: set[str] = set()
    for item in local_paths:
        source = base / item
        name = source.name
        if source.is_file():
            files.add(name)
        elif source.is_dir():
            for folder, _dirs, names in os.walk(source):
                rel_folder = Path(folder).relative_to(source)
                files.update(
                    (PurePosixPath(name) / rel_folder.as_posix() / n).as_posix() for n in names
                )
    return {str(PurePosixPath(f)) for f in files}


def _import_paths(rel: str, names: set[str]) -> list[str]:
    """Where a file imported as each of ``names`` must be, relative to a folder on the
    path: ``pkg.x`` -> ``pkg/x.py``, the package ``pkg`` -> ``pkg/__init__.py``."""
    file_name = PurePosixPath(rel).name
    paths = []
    for name in sorted(names):
        parts = name.split(".")
        if file_name == "__init__.py":
            paths.append("/".join([*parts, file_name]))
        else:
            paths.append("/".join([*parts[:-1], file_name]))
    return paths


def check_manual_mode(cfg: JobConfig, analysis: Analysis) -> list[Finding]:
    python = cfg.env.python
    if python is None or python.type != "manual" or python.local_paths is None:
        return check_plain_inputs(cfg, analysis)
    prefix = _prefix(cfg, analysis)
    # Where each file arrives, not just whether it is sent: ``src/utils`` ships
    # ``src/utils/x.py`` as ``utils/x.py``, so ``import src.utils.x`` fails there.
    unpacked = {prefix + f for f in unpacked_layout(cfg.base_dir, python.local_paths)}
    entries = set(analysis.entry_files)
    found: list[Finding] = []
    line = cfg.line_of("env", "python", "local-paths")
    for rel, info in analysis.local_files.items():
        if rel in entries or info.kind == "extension" or rel in unpacked:
            continue
        if any(prefix + path in unpacked for path in _import_paths(rel, info.names)):
            continue  # src layout: `lib/src/pkg` ships as `pkg/`, where `import pkg` looks
        sender = next((p for p in python.local_paths if covers(prefix + p, rel)), None)
        if sender is not None:
            parent = PurePosixPath(prefix + sender.strip("/")).parent.as_posix()
            arrives = rel if parent == "." else PurePosixPath(rel).relative_to(parent).as_posix()
            message = (
                f"`{rel}` is imported, but `local-paths` entry `{sender}` unpacks it as "
                f"`{arrives}` (each entry arrives under its own name); list `"
                f"{PurePosixPath(sender.strip('/')).parts[0]}` instead "
                f"({import_chain(analysis, rel)})"
            )
        else:
            message = (
                f"`{rel}` is imported but not under any `local-paths` entry "
                f"({import_chain(analysis, rel)})"
            )
        found.append(finding("CFG034", message, cfg.display_path, line))
    return found
