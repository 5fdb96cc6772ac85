"""Jupyter notebooks as entry points: their code cells, in order, as one module.

IPython syntax is not Python: magics (``%matplotlib``, ``%%bash`` cells,
``x = %sx``), help (``np.mean?``) and shell escapes (``!ls``) are blanked out
(line numbers are kept); the magics that run Python (``%time``, ``%timeit``,
``%prun`` and their cell forms) give their statement; and ``%pip install`` /
``!pip install`` lines are returned as hints, since they say what the notebook
installs for itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_PIP_RE = re.compile(
    r"^\s*[!%]\s*(?:python\s+-m\s+)?(?:pip|uv\s+pip|conda)\s+install\s+(?P<args>.+)$"
)
_MAGIC_RE = re.compile(
    r"^\s*(?:[!%]|\w[\w.]*\s*=\s*[!%])"
    # IPython's help: `np.mean?`, `obj??`, `?obj`, `np.*load*?`
    r"|^\s*(?:\?{1,2}[\w.*]+|[\w.*]+\?{1,2})\s*$"
)
#: Line magics that run the Python statement after their options (``%time import x``).
_CODE_MAGIC_RE = re.compile(
    r"^(?P<indent>[ \t]*)%(?P<magic>time|timeit|prun)(?:[ \t]+(?P<rest>.*))?$"
)
#: Their options that take a value (``%timeit -n 10 -r 3 stmt``).
_VALUE_OPTIONS = {"time": "", "timeit": "nrp", "prun": "sTDl"}
_RUN_RE = re.compile(r"^(?P<indent>\s*)%run\s+(?:-\w+\s+)*(?P<path>[\w./-]+\.py)\b")
#: Cell magics whose body is Python that IPython runs (the rest are other languages).
PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun", "debug")


@dataclass(frozen=True)
class NotebookCode:
    text: str
    pip_installs: tuple[tuple[int, str], ...]  # (line in text, what it installs)
    cell_starts: tuple[int, ...]  # the first line of each code cell in ``text``


class NotebookError(ValueError):
    pass


def _magic_statement(match: re.Match[str]) -> str:
    """``%timeit -n 3 import x`` -> ``import x``: the statement a code magic runs."""
    words = (match.group("rest") or "").split(" ")
    takes_value = _VALUE_OPTIONS[match.group("magic")]
    i = 0
    while i < len(words) and (words[i] == "" or words[i].startswith("-")):
        flags = words[i][1:]
        i += 2 if flags and flags[-1] in takes_value and len(flags) == 1 else 1
    return match.group("indent") + " ".join(words[i:])


def notebook_code(raw: str) -> NotebookCode:
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"not a notebook: invalid JSON at line {exc.lineno}") from None
    except RecursionError:
        raise NotebookError("not a notebook: JSON nested too deeply") from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: no 'cells' list")
    lines: list[str] = []
    hints: list[tuple[int, str]] = []
    starts: list[int] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            text = "".join(source)
        elif isinstance(source, str):
            text = source
        else:
            raise NotebookError(f"not a notebook: code cell {len(starts) + 1} has no text source")
        cell_lines = text.split("\n")
        starts.append(len(lines) + 1)
        if cell_lines and cell_lines[0].lstrip().startswith("%%"):
            magic = cell_lines[0].lstrip()[2:].split(None, 1)
            if not magic or magic[0] not in PYTHON_CELL_MAGICS:
                # another language (bash, writefile, html...): nothing to import
                lines.extend("" for _ in cell_lines)
                continue
            lines.append("")  # the magic line; the body below is Python
            cell_lines = cell_lines[1:]
        continued = False
        for line in cell_lines:
            number = len(lines) + 1
            run = None if continued else _RUN_RE.match(line)
            if run:
                # `%run prep.py` runs the file as __main__: walk it like exec(open(...))
                lines.append(f"{run.group('indent')}exec(open({run.group('path')!r}).read())")
                continue
            code = None if continued else _CODE_MAGIC_RE.match(line)
            if code:  # `%time import x` runs `import x`
                lines.append(_magic_statement(code))
                continue
            if continued or _MAGIC_RE.match(line):
                match = _PIP_RE.match(line)
                if match:
                    hints.append((number, match.group("args").strip()))
                continued = line.rstrip().endswith("\\")
                lines.append("")
            else:
                lines.append(line)
    return NotebookCode("\n".join(lines) + "\n", tuple(hints), tuple(starts))
