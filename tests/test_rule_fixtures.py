"""Every rule has a failing fixture and a clean twin under ``fixtures/check/<CODE>/``.

``fail/`` must produce the rule's code exactly where ``fail/expected.json`` says;
``clean/`` (the same job, fixed) must not produce it. Each case folder holds an
``args.json``: ``{"args": [...]}``, the ``jobdeps check`` arguments (entries,
``--config``, ``--python-version``, ``--site-packages`` relative to the case folder).
Rules that a committed fixture cannot show (a symlink loop, a 6 GiB file) are
listed in ``fixtures/check/README.md`` with the test that covers them instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobdeps.analyzer.findings import all_rules
from jobdeps.cli.app import app

CHECK = Path(__file__).resolve().parent.parent / "fixtures" / "check"


def _uncovered() -> dict[str, str]:
    """Codes documented in fixtures/check/README.md as covered by another test."""
    readme = CHECK / "README.md"
    out: dict[str, str] = {}
    if readme.is_file():
        for line in readme.read_text().splitlines():
            if (
                line.startswith("| ")
                and not line.startswith("| code")
                and not line.startswith("|--")
            ):
                cells = [c.strip() for c in line.strip("|").split("|")]
                if len(cells) >= 2 and cells[0].strip("`"):
                    out[cells[0].strip("`")] = cells[1]
    return out


def _cases() -> list[Path]:
    return sorted(p for p in CHECK.glob("*/*") if p.is_dir() and (p / "args.json").is_file())


def _run(case: Path) -> list[dict]:
    args = json.loads((case / "args.json").read_text())["args"]
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(case)
    try:
        result = runner.invoke(app, ["check", "--format", "json", *args])
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["findings"]


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rule_case(case: Path) -> None:
    code = case.parent.name
    findings = _run(case)
    got = sorted((f["path"], f["line"]) for f in findings if f["code"] == code)
    if case.name == "fail":
        expected = json.loads((case / "expected.json").read_text())
        want = sorted((e["path"], e["line"]) for e in expected if e["code"] == code)
        assert want, "expected.json must name at least one finding of the rule"
        assert got == want, findings
    else:
        assert got == [], findings


def test_every_rule_has_a_fixture_pair_or_a_reason() -> None:
    have = {p.parent.name for p in _cases() if p.name == "fail"}
    clean = {p.parent.name for p in _cases() if p.name == "clean"}
    excused = _uncovered()
    missing = [
        r.code
        for r in all_rules()
        if r.code not in excused and not (r.code in have and r.code in clean)
    ]
    assert missing == [], f"rules without fail/clean fixtures: {missing}"
