"""Entry points: what the job runs, and where jobdeps learned it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

EntryKind = Literal["script", "module", "package", "notebook"]


@dataclass(frozen=True)
class EntrySpec:
    """One program the job runs.

    ``target`` is a path relative to the project root (posix) for scripts,
    package folders (run via their ``__main__.py``) and notebooks, and a dotted
    module name for ``python -m`` entries. ``origin`` says where it came from:
    ``"argument"``, ``"cmd"``, ``"root-paths"`` or ``"run.sh:3"`` for a line of a
    shell script; ``origin_line`` is the line in config.yaml when there is one.
    ``pythonpath`` holds the folders (relative to the project root) that the command
    puts on ``PYTHONPATH`` (``PYTHONPATH=. python src/main.py``).
    """

    kind: EntryKind
    target: str
    origin: str = "argument"
    origin_line: int | None = None
    pythonpath: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        data: dict = {
            "kind": self.kind,
            "target": self.target,
            "origin": self.origin,
            "origin_line": self.origin_line,
        }
        if self.pythonpath:
            data["pythonpath"] = list(self.pythonpath)
        return data


def entry_for_path(
    target: str,
    origin: str = "argument",
    origin_line: int | None = None,
    root: Path | None = None,
) -> EntrySpec:
    """Classify a path given as an entry by its form: ``.ipynb``, a folder, or a script.

    ``target`` is relative to ``root`` (default: the current folder).
    """
    if target.endswith(".ipynb"):
        kind: EntryKind = "notebook"
    elif target.endswith(".py"):
        kind = "script"
    else:
        kind = "package" if ((root or Path.cwd()) / target).is_dir() else "script"
    return EntrySpec(kind, target, origin, origin_line)
