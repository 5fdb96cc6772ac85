"""``[tool.jobdeps]`` in the project's pyproject.toml: defaults that flags override.

Keys: ``python-version`` (str), ``paths`` (list of folders), ``include`` (list of
globs to bundle), ``allow`` (paths allowed past the secret check), ``select`` /
``ignore`` (rule codes or prefixes), ``severity`` (code -> error/warning/info),
``dialect`` (``pip`` or ``datasphere``), ``strict`` (bool). Unknown keys and
values of the wrong form are findings, never silently dropped.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobdeps.analyzer.findings import Finding, Severity, finding

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10
    import tomli as tomllib

_LIST_KEYS = ("paths", "include", "allow", "select", "ignore")
KNOWN_KEYS = (*_LIST_KEYS, "python-version", "severity", "dialect", "strict")


@dataclass
class ProjectSettings:
    python_version: str | None = None
    paths: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    dialect: str | None = None
    strict: bool = False
    source: str | None = None  # "pyproject.toml" when read from there


def _line_of(text: str, key: str) -> int | None:
    """The line of ``key = ...`` inside the ``[tool.jobdeps]`` table (tomllib keeps no lines)."""
    in_table = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped.replace(" ", "") in ("[tool.jobdeps]",) or stripped.startswith(
                "[tool.jobdeps."
            )
            if stripped.startswith("[tool.jobdeps.") and key in stripped:
                return number
            continue
        if in_table and re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", line):
            return number
    return None


def load_settings(root: Path) -> tuple[ProjectSettings, list[Finding]]:
    """Read ``root/pyproject.toml``; a missing file or table gives the defaults."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return ProjectSettings(), []
    shown = "pyproject.toml"
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        return ProjectSettings(), [finding("CFG040", f"cannot read pyproject.toml: {exc}", shown)]
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        return ProjectSettings(), [
            finding("CFG040", f"pyproject.toml does not parse: {exc}", shown, line)
        ]
    table = data.get("tool", {}).get("jobdeps")
    if table is None:
        return ProjectSettings(), []
    findings: list[Finding] = []
    settings = ProjectSettings(source=shown)
    if not isinstance(table, dict):
        return settings, [finding("CFG040", "[tool.jobdeps] must be a table", shown)]

    def bad(key: str, message: str) -> None:
        findings.append(
            finding("CFG040", f"[tool.jobdeps] {key}: {message}", shown, _line_of(text, key))
        )

    for key, value in table.items():
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            findings.append(
                finding(
                    "CFG039",
                    f"[tool.jobdeps] has an unknown key `{key}`{hint}",
                    shown,
                    _line_of(text, key),
                )
            )
            continue
        _apply(settings, key, value, bad)
    return settings, findings


def _apply(settings: ProjectSettings, key: str, value: Any, bad) -> None:
    if key in _LIST_KEYS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad(key, "must be a list of strings")
            return
        if key in ("select", "ignore"):
            from jobdeps.analyzer.findings import unknown_code

            problems = [p for p in map(unknown_code, value) if p is not None]
            for problem in problems:
                bad(key, problem)
            if problems:
                return
        setattr(settings, key, list(value))
    elif key == "python-version":
        from jobdeps.analyzer.stdlib import normalise_version

        try:
            settings.python_version = normalise_version(str(value))
        except ValueError as exc:
            bad(key, str(exc))
    elif key == "severity":
        if not isinstance(value, dict):
            bad(key, 'must be a table of CODE = "error" | "warning" | "info"')
            return
        from jobdeps.analyzer.findings import all_rules

        codes = {r.code for r in all_rules()}
        for code, level in value.items():
            if str(code) not in codes:
                bad(key, f"`{code}` is not a rule code (see docs/rules.md)")
                continue
            try:
                settings.severity[str(code)] = Severity(str(level))
            except ValueError:
                bad(key, f"{code} = {level!r} is not error, warning or info")
    elif key == "dialect":
        if value not in ("pip", "datasphere"):
            bad(key, 'must be "pip" or "datasphere"')
        else:
            settings.dialect = value
    elif key == "strict":
        if not isinstance(value, bool):
            bad(key, "must be true or false")
        else:
            settings.strict = value
