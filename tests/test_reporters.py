"""Reporters: golden output per format, SARIF against its official schema, escaping, the hook.

Goldens live in ``tests/golden/``; run with ``JOBDEPS_UPDATE_GOLDENS=1`` to rewrite
them after an intended change, then review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from jobdeps.analyzer.findings import Finding, Rule, Severity, all_rules
from jobdeps.cli.reporters import FORMATS, CheckReport, Reporter, get_reporter
from jobdeps.cli.reporters.github import annotation, escape_data, escape_property
from jobdeps.cli.reporters.json_report import JsonReporter
from jobdeps.cli.reporters.sarif import SarifReporter, artifact_location
from jobdeps.cli.reporters.text import TextReporter

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
SCHEMA = TESTS / "data" / "sarif-2.1.0.schema.json"
REPO = TESTS.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Hand-made rules for the SARIF goldens, so the goldens do not move when the real
# catalog grows. ZZZ999 is left out on purpose: it takes the fallback descriptor.
RULES = {
    r.code: r
    for r in (
        Rule("CFG001", "missing-cmd", "config", Severity.ERROR, "cmd is missing", "add `cmd`"),
        Rule("ENV001", "python-mismatch", "environment", Severity.WARNING, "versions differ", ""),
        Rule("IMP001", "unresolved-import", "imports", Severity.ERROR, "import not found", "pin"),
        Rule("IMP002", "star-import", "imports", Severity.WARNING, "star import", "name it"),
        Rule("REQ003", "unused-pin", "requirements", Severity.INFO, "pin not imported", "drop"),
    )
}


def _findings() -> list[Finding]:
    return sorted(
        [
            Finding(
                "CFG001",
                Severity.ERROR,
                "`cmd` is required",
                "config.yaml",
                4,
                hint="add a `cmd:` line, e.g. `cmd: python main.py`",
            ),
            Finding(
                "IMP001",
                Severity.ERROR,
                "no module named 'torchvision' in the job or its environment",
                "main.py",
                3,
                8,
                hint="install it locally, or add it to requirements",
            ),
            Finding(
                "IMP002",
                Severity.WARNING,
                "star import from utils hides what is used",
                "main.py",
                12,
                1,
            ),
            Finding(
                "ENV001",
                Severity.WARNING,
                "local Python is 3.12, config asks for 3.10",
                hint="set env.python.version: 3.12",
            ),
            Finding(
                "REQ003",
                Severity.INFO,
                "pinned 50% of the time: a,b: c",
                "notebooks/my job, v2.ipynb",
                1,
                1,
            ),
            Finding(
                "ZZZ999",
                Severity.ERROR,
                "a code the registry does not know",
                "src/pkg/__init__.py",
            ),
        ],
        key=Finding.sort_key,
    )


_ENTRIES = [
    {"kind": "script", "target": "main.py", "origin": "cmd", "origin_line": 2},
    {"kind": "module", "target": "pkg.train", "origin": "root-paths", "origin_line": 9},
]


def _report(
    findings: list[Finding] | None = None,
    *,
    entries: list[dict] | None = None,
    extra: dict | None = None,
) -> CheckReport:
    return CheckReport(
        findings=_findings() if findings is None else findings,
        tool_version="0.1.0",
        root=Path("/work/project"),
        entries=_ENTRIES if entries is None else entries,
        extra=extra or {},
    )


def _render(fmt: str, report: CheckReport) -> str:
    if fmt == "sarif":
        return SarifReporter(rules=RULES).render(report)
    return get_reporter(fmt, color=False).render(report)


def _check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    data = actual.encode("utf-8")
    if os.environ.get("JOBDEPS_UPDATE_GOLDENS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"missing golden {path}; run with JOBDEPS_UPDATE_GOLDENS=1"
    assert data == path.read_bytes(), f"{name} differs from its golden"


_SUFFIX = {"text": "txt", "json": "json", "github": "github.txt", "sarif": "sarif"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_with_findings(fmt: str) -> None:
    _check_golden(f"findings.{_SUFFIX[fmt]}", _render(fmt, _report()))


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_clean(fmt: str) -> None:
    _check_golden(f"clean.{_SUFFIX[fmt]}", _render(fmt, _report([], entries=[])))


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_is_deterministic(fmt: str) -> None:
    assert _render(fmt, _report()) == _render(fmt, _report())


# --- base ---------------------------------------------------------------------------------


def test_get_reporter_knows_every_format() -> None:
    for fmt in FORMATS:
        reporter = get_reporter(fmt, color=False)
        assert isinstance(reporter, Reporter)
        assert reporter.format == fmt


def test_get_reporter_rejects_unknown_format() -> None:
    with pytest.raises(ValueError, match=r"unknown output format 'xml'.*text, json, github, sarif"):
        get_reporter("xml")


def test_summary_and_exit_codes() -> None:
    report = _report()
    assert report.summary() == {"error": 3, "warning": 2, "info": 1}
    assert report.exit_code() == 1
    warnings_only = _report([f for f in _findings() if f.severity is not Severity.ERROR])
    assert warnings_only.exit_code() == 0
    assert warnings_only.exit_code(strict=True) == 1
    info_only = _report([f for f in _findings() if f.severity is Severity.INFO])
    assert info_only.exit_code(strict=True) == 0
    assert _report([]).exit_code(strict=True) == 0


# --- text ---------------------------------------------------------------------------------


def test_text_groups_files_in_sorted_order_with_pathless_first() -> None:
    text = TextReporter(color=False).render(_report())
    finding_lines = [ln for ln in text.splitlines() if re.match(r"\S+.*: [A-Z]{3}\d{3} ", ln)]
    prefixes = [ln.split(": ")[0].split(":")[0] for ln in finding_lines]
    assert prefixes[0] == "(project)"
    files = list(dict.fromkeys(prefixes[1:]))
    assert files == sorted(files)
    # one blank line between groups: as many blank-separated blocks as groups, plus the
    # entry-point line and the summary
    blocks = text.rstrip("\n").split("\n\n")
    assert len(blocks) == len(set(prefixes)) + 2


def test_text_hint_goes_on_the_next_line() -> None:
    f = Finding("IMP001", Severity.ERROR, "missing", "a.py", 1, 2, hint="install it")
    text = TextReporter().render(_report([f], entries=[]))
    assert text.splitlines()[:2] == ["a.py:1:2: IMP001 error missing", "  = help: install it"]


def test_text_summary_counts() -> None:
    text = TextReporter().render(_report(entries=[]))
    assert text.endswith("Found 3 errors, 2 warnings, 1 info.\n")
    one = Finding("IMP002", Severity.WARNING, "w", "a.py", 1)
    assert TextReporter().render(_report([one], entries=[])).endswith("\nFound 1 warning.\n")
    assert TextReporter().render(_report([], entries=[])) == "All checks passed.\n"


def test_text_long_lines_are_not_wrapped() -> None:
    long = Finding("IMP001", Severity.ERROR, "x" * 400, "a.py", 1, hint="y" * 300)
    for color in (False, True):
        text = ANSI.sub("", TextReporter(color=color).render(_report([long], entries=[])))
        assert f"a.py:1: IMP001 error {'x' * 400}\n" in text
        assert f"  = help: {'y' * 300}\n" in text


def test_text_colour_is_the_plain_text_with_ansi_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    plain = TextReporter(color=False).render(_report())
    coloured = TextReporter(color=True).render(_report())
    assert ANSI.search(coloured)
    assert not ANSI.search(plain)
    assert ANSI.sub("", coloured) == plain


def test_text_messages_are_not_read_as_rich_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    f = Finding("IMP001", Severity.ERROR, "extras [bold]torch[/bold] :smile:", "a.py", 1)
    coloured = TextReporter(color=True).render(_report([f], entries=[]))
    assert "extras [bold]torch[/bold] :smile:" in ANSI.sub("", coloured)


# --- json ---------------------------------------------------------------------------------


def test_json_holds_the_finding_objects_and_extra() -> None:
    report = _report(extra={"analysis": {"modules": ["main", "pkg"]}})
    doc = json.loads(JsonReporter().render(report))
    assert doc["findings"] == [f.to_dict() for f in report.findings]
    assert doc["summary"] == report.summary()
    assert doc["tool"] == {"name": "jobdeps", "version": "0.1.0"}
    assert doc["entries"] == report.entries
    assert doc["analysis"] == {"modules": ["main", "pkg"]}


def test_json_extra_may_not_overwrite_report_keys() -> None:
    with pytest.raises(ValueError, match="findings"):
        JsonReporter().render(_report(extra={"findings": []}))


# --- github -------------------------------------------------------------------------------


def test_github_escaping_follows_the_runner() -> None:
    assert escape_data("100%\r\ndone: a,b") == "100%25%0D%0Adone: a,b"
    assert escape_property("100%\r\ndone: a,b") == "100%25%0D%0Adone%3A a%2Cb"


def test_github_annotation_forms() -> None:
    full = Finding("IMP001", Severity.ERROR, "no module 'x'", "src/a.py", 3, 8)
    assert annotation(full) == "::error file=src/a.py,line=3,col=8,title=IMP001::no module 'x'"
    no_col = Finding("IMP002", Severity.WARNING, "w", "a.py", 3)
    assert annotation(no_col) == "::warning file=a.py,line=3,title=IMP002::w"
    no_path = Finding("ENV001", Severity.INFO, "i")
    assert annotation(no_path) == "::notice title=ENV001::i"


def test_github_one_line_per_finding() -> None:
    out = get_reporter("github").render(_report())
    assert len(out.splitlines()) == len(_findings())
    assert get_reporter("github").render(_report([])) == ""


# --- sarif --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("findings", [None, []], ids=["findings", "clean"])
def test_sarif_validates_against_the_official_schema(
    sarif_validator: jsonschema.protocols.Validator, findings: list[Finding] | None
) -> None:
    log = json.loads(SarifReporter(rules=RULES).render(_report(findings)))
    errors = sorted(sarif_validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_sarif_schema_rejects_a_broken_log(sarif_validator: jsonschema.protocols.Validator) -> None:
    log = json.loads(SarifReporter(rules=RULES).render(_report()))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["version"]
    assert len(list(sarif_validator.iter_errors(log))) == 2


def test_sarif_with_the_registry_validates(sarif_validator: jsonschema.protocols.Validator) -> None:
    """The default rule source: whatever the catalog holds now, plus an unknown code."""
    findings = [
        Finding(r.code, r.severity, r.summary, "main.py", i + 1) for i, r in enumerate(all_rules())
    ]
    findings.append(Finding("ZZZ999", Severity.ERROR, "unknown", "main.py", 1))
    log = json.loads(SarifReporter().render(_report(sorted(findings, key=Finding.sort_key))))
    assert not list(sarif_validator.iter_errors(log))
    descriptors = {d["id"]: d for d in log["runs"][0]["tool"]["driver"]["rules"]}
    assert descriptors["ZZZ999"] == {"id": "ZZZ999"}
    for r in all_rules():
        assert descriptors[r.code]["name"] == r.name


def test_sarif_rules_are_the_used_codes_and_indices_point_at_them() -> None:
    log = json.loads(SarifReporter(rules=RULES).render(_report()))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({f.code for f in _findings()})
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert rules[[r["id"] for r in rules].index("CFG001")]["defaultConfiguration"] == {
        "level": "error"
    }
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}


def test_sarif_locations() -> None:
    log = json.loads(SarifReporter(rules=RULES).render(_report()))
    run = log["runs"][0]
    # No absolute path of the machine in the log: %SRCROOT% is left to the viewer (the repo).
    assert "originalUriBaseIds" not in run
    by_code = {r["ruleId"]: r for r in run["results"]}
    assert "locations" not in by_code["ENV001"]
    loc = by_code["ZZZ999"]["locations"][0]["physicalLocation"]
    assert "region" not in loc  # no line: no region
    loc = by_code["IMP001"]["locations"][0]["physicalLocation"]
    assert loc["region"] == {"startLine": 3, "startColumn": 8}
    assert loc["artifactLocation"] == {"uri": "main.py", "uriBaseId": "%SRCROOT%"}


def test_sarif_uris_are_encoded() -> None:
    assert artifact_location("notebooks/my job.ipynb") == {
        "uri": "notebooks/my%20job.ipynb",
        "uriBaseId": "%SRCROOT%",
    }
    assert artifact_location("/usr/lib/x.py") == {"uri": "file:///usr/lib/x.py"}


# --- pre-commit hook ----------------------------------------------------------------------


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "jobdeps-check"
    assert hook["entry"] == "jobdeps check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for name in ("main.py", "src/pkg/a.py", "config.yaml", "jobs/config.yml", "x.ipynb"):
        assert files.search(name), name
    for name in ("requirements.txt", "requirements-dev.txt", "requirements/base.txt"):
        assert files.search(name), name
    for name in ("README.md", "data.yaml", "setup.cfg", "main.pyc"):
        assert not files.search(name), name
