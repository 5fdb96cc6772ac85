"""[tool.jobdeps] in pyproject.toml: values, overrides, and unknown keys as findings."""

from __future__ import annotations

from jobdeps.analyzer.findings import Finding, Severity
from jobdeps.analyzer.settings import load_settings
from jobdeps.preflight import CheckOptions, filter_findings, merge_settings


def test_no_pyproject_gives_defaults(tmp_path) -> None:
    settings, findings = load_settings(tmp_path)
    assert findings == [] and settings.include == [] and settings.python_version is None


def test_known_keys(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname='x'\n\n[tool.jobdeps]\n"
        'python-version = "3.10.4"\npaths = ["src"]\ninclude = ["configs/*.yaml"]\n'
        'ignore = ["IMP008"]\nseverity = { IMP012 = "error" }\ndialect = "datasphere"\n'
        "strict = true\n"
    )
    settings, findings = load_settings(tmp_path)
    assert findings == []
    assert settings.python_version == "3.10"
    assert settings.paths == ["src"] and settings.include == ["configs/*.yaml"]
    assert settings.severity == {"IMP012": Severity.ERROR}
    assert settings.dialect == "datasphere" and settings.strict is True


def test_unknown_and_bad_keys_are_findings(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jobdeps]\nincludes = ["a"]\npaths = "src"\ndialect = "conda"\n'
    )
    _settings, findings = load_settings(tmp_path)
    by_code = sorted((f.code, f.line) for f in findings)
    assert by_code == [("CFG039", 2), ("CFG040", 3), ("CFG040", 4)]
    unknown = next(f for f in findings if f.code == "CFG039")
    assert "did you mean `include`" in unknown.message


def test_codes_that_match_no_rule_are_findings(tmp_path) -> None:
    """A misspelt `select` once turned every check off, silently."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jobdeps]\nselect = ["IMPP"]\nignore = ["IMP008", "XYZ"]\n'
        'severity = { CFG999 = "info", IMP012 = "error" }\n'
    )
    settings, findings = load_settings(tmp_path)
    assert [(f.code, f.line, f.message) for f in findings] == [
        ("CFG040", 2, "[tool.jobdeps] select: `IMPP` matches no rule; did you mean `IMP`?"),
        ("CFG040", 3, "[tool.jobdeps] ignore: `XYZ` matches no rule (see docs/rules.md)"),
        ("CFG040", 4, "[tool.jobdeps] severity: `CFG999` is not a rule code (see docs/rules.md)"),
    ]
    assert settings.select == [] and settings.ignore == []
    assert settings.severity == {"IMP012": Severity.ERROR}


def test_cli_select_that_matches_no_rule_is_bad_input(tmp_path) -> None:
    import subprocess
    import sys

    (tmp_path / "main.py").write_text("import os\n")
    for flag, value in (("--select", "CGF"), ("--ignore", "IMP9")):
        proc = subprocess.run(
            [sys.executable, "-m", "jobdeps", "check", "main.py", flag, value],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 2, proc.stdout
        assert proc.stderr.startswith(f"jobdeps: error: {flag}: `{value}` matches no rule")
    ok = subprocess.run(
        [sys.executable, "-m", "jobdeps", "check", "main.py", "--select", "imp,CFG029"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr


def test_broken_toml_is_a_finding(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.jobdeps\n")
    _settings, findings = load_settings(tmp_path)
    assert [f.code for f in findings] == ["CFG040"] and findings[0].line == 1


def test_flags_override_settings() -> None:
    from jobdeps.analyzer.settings import ProjectSettings

    settings = ProjectSettings(select=["IMP"], ignore=["IMP008"], strict=True, dialect="pip")
    merged = merge_settings(CheckOptions(select=["ENV"], ignore=["IMP009"]), settings)
    assert merged.select == ["ENV"]
    assert merged.ignore == ["IMP008", "IMP009"]
    assert merged.strict is True and merged.dialect == "pip"


def _f(code: str, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(code, severity, "m", "a.py", 1)


def test_filter_select_ignore_and_severity() -> None:
    findings = [_f("IMP001"), _f("IMP008", Severity.INFO), _f("ENV001"), _f("CFG004")]
    kept = filter_findings(findings, None, select=["IMP", "ENV"], ignore=["IMP008"])
    assert [f.code for f in kept] == ["ENV001", "IMP001"]
    lowered = filter_findings(findings, None, severity={"IMP001": Severity.INFO})
    assert next(f for f in lowered if f.code == "IMP001").severity is Severity.INFO


def _project(tmp_path, pyproject: str, config: str | None = None):
    (tmp_path / "src" / "lib").mkdir(parents=True)
    (tmp_path / "src" / "lib" / "__init__.py").write_text("")
    (tmp_path / "main.py").write_text(
        "import lib\nimport missing_thing\n\nif __name__ == '__main__':\n    pass\n"
    )
    (tmp_path / "pyproject.toml").write_text(pyproject)
    if config is not None:
        (tmp_path / "config.yaml").write_text(config)
    return tmp_path


def test_every_command_applies_the_settings(tmp_path) -> None:
    """analyze, requirements and bundle read [tool.jobdeps] as check does."""
    from jobdeps.api import analyze_job, load_job, requirements_for

    root = _project(
        tmp_path,
        '[tool.jobdeps]\npython-version = "3.10"\npaths = ["src"]\nignore = ["IMP001"]\n',
    )
    job = load_job(["main.py"], cwd=root)
    analysis = analyze_job(job)
    assert analysis.target_version == "3.10"
    assert sorted(analysis.local_files) == ["main.py", "src/lib/__init__.py"]
    assert "IMP001" not in {f.code for f in analysis.findings}
    requirements = requirements_for(job, analysis)
    assert all(f.code != "IMP001" for f in requirements.findings)


def test_config_version_beats_pyproject(tmp_path) -> None:
    """The config's `version` is what runs on the platform; a flag still wins over both."""
    from jobdeps.analyzer.analysis import AnalysisOptions
    from jobdeps.api import analyze_job, load_job

    config = (
        "cmd: python main.py\nenv:\n  python:\n    type: manual\n    version: 3.12.1\n"
        "    local-paths:\n      - src\n"
    )
    root = _project(tmp_path, '[tool.jobdeps]\npython-version = "3.10"\n', config)
    assert analyze_job(load_job(cwd=root)).target_version == "3.12"
    flagged = analyze_job(load_job(cwd=root), AnalysisOptions(python_version="3.11"))
    assert flagged.target_version == "3.11"


def test_failing_is_errors_or_strict_warnings() -> None:
    from jobdeps.analyzer.findings import failing

    assert failing([_f("IMP001")]) is True
    assert failing([_f("IMP003", Severity.WARNING)]) is False
    assert failing([_f("IMP003", Severity.WARNING)], strict=True) is True
    assert failing([_f("IMP008", Severity.INFO)], strict=True) is False
