"""Parsing a hand-written requirements file and checking it against the code's needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobdeps.analyzer.analysis import Analysis, AnalysisOptions
from jobdeps.analyzer.jobconfig import PipOptions
from jobdeps.api import analyze_job, load_job
from jobdeps.bundler.reqfile import (
    check_requirements_file,
    parse_requirements_file,
    parse_requirements_text,
    platform_problems,
)

REPO = Path(__file__).resolve().parent.parent
ENV = REPO / "fixtures" / "envs" / "mlenv"
CHECK_JOB = REPO / "fixtures" / "requirements" / "check_job"


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path / "cache"))


def analyse(job: Path, *entries: str, python_version: str = "3.11") -> Analysis:
    loaded = load_job(list(entries), root=job, cwd=job)
    options = AnalysisOptions(
        python_version=python_version,
        site_packages=[ENV / "site-packages", ENV / "user-site"],
        cache=False,
        jobs=1,
    )
    return analyze_job(loaded, options)


def job_with(tmp_path: Path, source: str, requirements: str) -> tuple[Analysis, Path]:
    (tmp_path / "main.py").write_text(source, encoding="utf-8")
    req = tmp_path / "requirements.txt"
    req.write_text(requirements, encoding="utf-8")
    return analyse(tmp_path, "main.py"), req


def triples(findings) -> list[tuple[str, str | None, int | None]]:
    return [(f.code, f.path, f.line) for f in findings]


# ------------------------------------------------------------------ parsing


def test_continuations_comments_and_per_requirement_options() -> None:
    text = (
        "# a comment\n"
        "numpy==1.26.0  # inline\n"
        "richdeps==1.0.0 \\\n"
        "    --hash=sha256:abc\n"
        "\n"
        "url#frag==1.0\n"
    )
    lines = parse_requirements_text(text, "r.txt")
    assert [(ln.line, ln.kind) for ln in lines] == [
        (1, "comment"),
        (2, "requirement"),
        (3, "requirement"),
        (5, "blank"),
        (6, "invalid"),
    ]
    assert lines[1].comment and lines[1].text == "numpy==1.26.0"
    assert lines[2].continued and lines[2].req_options == ("--hash=sha256:abc",)
    assert str(lines[2].requirement) == "richdeps==1.0.0"


@pytest.mark.parametrize(
    ("line", "option", "value"),
    [
        ("-r other.txt", "--requirement", "other.txt"),
        ("-rother.txt", "--requirement", "other.txt"),
        ("--requirement=other.txt", "--requirement", "other.txt"),
        ("--extra-index-url=https://x/simple", "--extra-index-url", "https://x/simple"),
        ("--extra-index-url https://x/simple", "--extra-index-url", "https://x/simple"),
        ("-i https://x/simple", "--index-url", "https://x/simple"),
        ("--trusted-host x.example", "--trusted-host", "x.example"),
        ("--no-deps", "--no-deps", None),
        ("-e ./lib", "--editable", "./lib"),
    ],
)
def test_option_forms(line: str, option: str, value: str | None) -> None:
    (parsed,) = parse_requirements_text(line + "\n", "r.txt")
    assert (parsed.kind, parsed.option, parsed.value, parsed.error) == (
        "option",
        option,
        value,
        None,
    )


@pytest.mark.parametrize("line", ["--frobnicate", "--index-url", "--no-deps yes"])
def test_bad_option_lines_are_invalid(line: str) -> None:
    (parsed,) = parse_requirements_text(line + "\n", "r.txt")
    assert parsed.kind == "invalid" and parsed.error


def test_urls_and_markers_parse() -> None:
    lines = parse_requirements_text(
        'x @ https://e.com/x-1.0.whl\n./local/pkg\ny==1; python_version < "3.12"\n', "r.txt"
    )
    assert [ln.kind for ln in lines] == ["requirement", "url", "requirement"]
    assert lines[0].requirement.url == "https://e.com/x-1.0.whl"
    assert str(lines[2].requirement.marker) == 'python_version < "3.12"'


def test_includes_followed_relative_to_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "r.txt").write_text("a==1\n-r sub/more.txt\nb==2\n")
    (tmp_path / "sub" / "more.txt").write_text("c==3\n-r ../last.txt\n")
    (tmp_path / "last.txt").write_text("d==4\n")
    parsed = parse_requirements_file(tmp_path / "r.txt", "r.txt")
    assert [(ln.path, ln.line, ln.name) for ln in parsed.requirements] == [
        ("r.txt", 1, "a"),
        ("sub/more.txt", 1, "c"),
        ("last.txt", 1, "d"),
        ("r.txt", 3, "b"),
    ]
    assert parsed.findings == []


def test_missing_include_and_cycle_are_findings(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("-r nope.txt\n-r loop.txt\n")
    (tmp_path / "loop.txt").write_text("x==1\n-r r.txt\n")
    parsed = parse_requirements_file(tmp_path / "r.txt", "r.txt")
    assert triples(parsed.findings) == [("REQ009", "r.txt", 1), ("REQ009", "loop.txt", 2)]
    missing = parse_requirements_file(tmp_path / "absent.txt", "absent.txt")
    assert triples(missing.findings) == [("REQ009", "absent.txt", None)]


def test_undecodable_file_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_bytes(b"numpy==1\xff\n")
    parsed = parse_requirements_file(tmp_path / "r.txt", "r.txt")
    assert [f.code for f in parsed.findings] == ["REQ009"]
    assert "UTF-8" in parsed.findings[0].message


@pytest.mark.parametrize(
    ("line", "accepted"),
    [
        ("numpy==1.26.0", True),
        ("richdeps[images]==1.0.0", True),
        ("--no-deps", True),
        ("--extra-index-url https://x/simple", True),
        ("--extra-index-url=https://x/simple", True),
        ("--trusted-host x", True),
        ("", True),
        ("# comment", False),
        ("numpy==1.26.0 # why", False),
        ("-r other.txt", False),
        ("-e ./lib", False),
        ("--index-url https://x/simple", False),
        ('numpy==1.26.0; python_version < "3.12"', False),
        ("gitdep @ git+https://e.com/g.git", False),
        ("https://e.com/x-1.0.whl", False),
        ("numpy==1.26.0 --hash=sha256:abc", False),
    ],
)
def test_platform_acceptance(line: str, accepted: bool) -> None:
    (parsed,) = parse_requirements_text(line + "\n", "r.txt") or [None]
    assert (platform_problems(parsed) == []) is accepted


# ------------------------------------------------------------------ the check


@pytest.fixture(scope="module")
def check_job() -> Analysis:
    mp = pytest.MonkeyPatch()
    mp.setenv("JOBDEPS_NO_CACHE", "1")
    try:
        return analyse(CHECK_JOB, "main.py")
    finally:
        mp.undo()


def test_check_job_datasphere_matches_expected(check_job: Analysis) -> None:
    findings = check_requirements_file(
        CHECK_JOB / "requirements.txt",
        check_job,
        dialect="datasphere",
        display_path="requirements.txt",
    )
    expected = json.loads((CHECK_JOB / "expected.json").read_text(encoding="utf-8"))
    got = [[f.code, f.severity.value, f.path, f.line] for f in findings]
    assert got == expected


def test_check_job_pip_dialect_has_no_platform_findings(check_job: Analysis) -> None:
    findings = check_requirements_file(
        CHECK_JOB / "requirements.txt", check_job, dialect="pip", display_path="requirements.txt"
    )
    codes = {f.code for f in findings}
    assert "REQ004" not in codes
    assert {"REQ001", "REQ002", "REQ003", "REQ005", "REQ010"} <= codes


def test_clean_file_passes(check_job: Analysis) -> None:
    for dialect in ("datasphere", "pip"):
        findings = check_requirements_file(
            CHECK_JOB / "clean.txt", check_job, dialect=dialect, display_path="clean.txt"
        )
        assert findings == []


def test_umbrella_or_payload_both_cover_the_import(tmp_path: Path) -> None:
    for listed in ("tensorflow==2.15.0", "tensorflow-intel==2.15.0"):
        analysis, req = job_with(tmp_path, "import tensorflow\n", listed + "\n")
        findings = check_requirements_file(req, analysis, dialect="pip", display_path="r.txt")
        assert findings == []


def test_dependency_of_an_imported_distribution_is_info_not_unused(tmp_path: Path) -> None:
    analysis, req = job_with(tmp_path, "import richdeps\n", "richdeps==1.0.0\nPyYAML==6.0.1\n")
    (finding,) = check_requirements_file(req, analysis, dialect="pip", display_path="r.txt")
    assert (finding.code, finding.severity.value, finding.line) == ("REQ002", "info", 2)
    assert "dependency of richdeps" in finding.message


def test_no_deps_requires_the_closure(tmp_path: Path) -> None:
    analysis, req = job_with(tmp_path, "import richdeps\n", "richdeps==1.0.0\n")
    findings = check_requirements_file(
        req, analysis, dialect="datasphere", display_path="r.txt", pip=PipOptions(no_deps=True)
    )
    assert [(f.code, f.severity.value) for f in findings] == [("REQ001", "error")]
    assert "PyYAML" in findings[0].message and "required by richdeps" in findings[0].message
    listed = req.parent / "full.txt"
    listed.write_text("richdeps==1.0.0\nPyYAML==6.0.1\n")
    assert (
        check_requirements_file(
            listed,
            analysis,
            dialect="datasphere",
            display_path="f.txt",
            pip=PipOptions(no_deps=True),
        )
        == []
    )


def test_no_deps_line_in_the_file_requires_the_closure(tmp_path: Path) -> None:
    """The platform reads `--no-deps` in the file as the config's `no-deps: true`; pip
    itself refuses the line ("no such option"). Both were once silently passed."""
    analysis, req = job_with(tmp_path, "import richdeps\n", "--no-deps\nrichdeps==1.0.0\n")
    findings = check_requirements_file(req, analysis, dialect="datasphere", display_path="r.txt")
    assert [(f.code, f.severity.value) for f in findings] == [("REQ001", "error")]
    assert "PyYAML" in findings[0].message
    findings = check_requirements_file(req, analysis, dialect="pip", display_path="r.txt")
    assert [(f.code, f.line) for f in findings] == [("REQ005", 1)]
    assert "only on its command line" in findings[0].message


def test_explicit_transitive_names(tmp_path: Path) -> None:
    analysis, req = job_with(tmp_path, "import richdeps\n", "richdeps==1.0.0\n")
    findings = check_requirements_file(
        req, analysis, dialect="pip", display_path="r.txt", transitive_names={"richdeps", "PyYAML"}
    )
    assert [f.code for f in findings] == ["REQ001"]


def test_optional_missing_is_info_and_marker_not_for_target_does_not_cover(
    tmp_path: Path,
) -> None:
    source = "import numpy\ntry:\n    import six\nexcept ImportError:\n    six = None\n"
    analysis, req = job_with(tmp_path, source, 'numpy==1.26.0; python_version < "3.0"\n')
    findings = check_requirements_file(req, analysis, dialect="pip", display_path="r.txt")
    got = sorted((f.code, f.severity.value, f.message.split("`")[1]) for f in findings)
    assert got == [("REQ001", "error", "numpy"), ("REQ001", "info", "six")]


def test_range_inside_the_installed_version_is_fine(tmp_path: Path) -> None:
    analysis, req = job_with(tmp_path, "import numpy\n", "numpy>=1.20,<2\n")
    assert check_requirements_file(req, analysis, dialect="pip", display_path="r.txt") == []
    req.write_text("numpy<1.20\n")
    (finding,) = check_requirements_file(req, analysis, dialect="pip", display_path="r.txt")
    assert finding.code == "REQ003" and "1.26.0" in finding.message


def test_unreadable_requirements_file(tmp_path: Path) -> None:
    analysis, _ = job_with(tmp_path, "import numpy\n", "")
    findings = check_requirements_file(
        tmp_path / "missing.txt", analysis, dialect="pip", display_path="missing.txt"
    )
    assert triples(findings) == [("REQ009", "missing.txt", None)]


def test_unknown_dialect_is_refused(tmp_path: Path) -> None:
    analysis, req = job_with(tmp_path, "import numpy\n", "numpy==1.26.0\n")
    with pytest.raises(ValueError, match="dialect"):
        check_requirements_file(req, analysis, dialect="poetry", display_path="r.txt")
