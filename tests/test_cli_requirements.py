"""``jobdeps requirements``: output, -o, --check, exit codes, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobdeps import __version__
from jobdeps.cli.app import app  # registers the command (through cmd_requirements.register)

REPO = Path(__file__).resolve().parent.parent
ENV = REPO / "fixtures" / "envs" / "mlenv"
CASES = REPO / "fixtures" / "requirements"
SITE = ["--site-packages", str(ENV / "site-packages"), "--site-packages", str(ENV / "user-site")]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("JOBDEPS_NO_CACHE", "1")


def run(job: Path, *args: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(job)
    return CliRunner().invoke(app, ["requirements", *args, *SITE, "--python-version", "3.11"])


def golden(name: str) -> str:
    return (CASES / name).read_text(encoding="utf-8").replace("{version}", __version__)


def test_stdout_is_the_file_and_findings_go_to_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(CASES / "mlenv_job", "main.py", monkeypatch=monkeypatch)
    assert result.stdout == golden("mlenv_job/expected.pip.txt")
    assert "REQ006" in result.stderr and "ENV001" in result.stderr
    assert result.exit_code == 1  # a guessed and an uninstalled import are errors


def test_datasphere_dialect_no_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("main.py", "--dialect", "datasphere", "--no-optional")
    result = run(CASES / "mlenv_job", *args, monkeypatch=monkeypatch)
    assert result.stdout == golden("mlenv_job/expected.datasphere.txt")


def test_config_defaults_to_the_datasphere_dialect(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(CASES / "config_job", "--config", "config.yaml", monkeypatch=monkeypatch)
    assert result.stdout == golden("config_job/expected.datasphere.txt")
    assert "REQ008" in result.stderr


def test_clean_job_exits_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.py").write_text("import numpy\nimport yaml\n")
    result = run(tmp_path, "main.py", "--dialect", "datasphere", monkeypatch=monkeypatch)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "numpy==1.26.0\nPyYAML==6.0.1\n",
        "",
    )


def test_output_file_is_written_and_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "requirements.txt"
    first = run(CASES / "mlenv_job", "main.py", "-o", str(out), monkeypatch=monkeypatch)
    assert first.stdout == ""
    data = out.read_bytes()
    assert data == golden("mlenv_job/expected.pip.txt").encode()
    run(CASES / "mlenv_job", "main.py", "-o", str(out), monkeypatch=monkeypatch)
    assert out.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["requirements.txt"]


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "requirements.txt"
    out.write_text("old\n")

    def broken_replace(src, dst) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("jobdeps.bundler.atomic.os.replace", broken_replace)
    result = run(CASES / "mlenv_job", "main.py", "-o", str(out), monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_check_reports_and_fails_on_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("main.py", "--dialect", "datasphere", "--check", "requirements.txt")
    result = run(CASES / "check_job", *args, monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "requirements.txt:7: REQ004 error" in result.stdout
    assert "more.txt:2: REQ004 error" in result.stdout


def test_check_clean_file_passes_and_json_format(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("main.py", "--dialect", "datasphere", "--check", "clean.txt")
    result = run(CASES / "check_job", *args, monkeypatch=monkeypatch)
    assert (result.exit_code, result.stdout.strip()) == (0, "All checks passed.")
    as_json = run(
        CASES / "check_job",
        "main.py",
        "--check",
        "requirements.txt",
        "--format",
        "json",
        monkeypatch=monkeypatch,
    )
    data = json.loads(as_json.stdout)
    assert as_json.exit_code == 1
    assert "REQ003" in json.dumps(data)


def test_check_transitive_requires_the_closure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.py").write_text("import richdeps\n")
    (tmp_path / "r.txt").write_text("richdeps==1.0.0\n")
    plain = run(tmp_path, "main.py", "--check", "r.txt", monkeypatch=monkeypatch)
    assert plain.exit_code == 0
    closure = run(tmp_path, "main.py", "--check", "r.txt", "--transitive", monkeypatch=monkeypatch)
    assert closure.exit_code == 1 and "PyYAML" in closure.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("main.py", "--pin", "loose"), "--pin"),
        (("main.py", "--dialect", "conda"), "--dialect"),
        (("main.py", "--check", "nope.txt"), "nope.txt: no such file"),
        (("main.py", "--check", "."), ".: is a folder, not a requirements file"),
        (("--config", "."), ".: is a folder, not a config file"),
        (("--config", "nope.yaml"), "nope.yaml: no such config file"),
        (("main.py", "--check", "clean.txt", "-o", "x.txt"), "--check"),
        (("main.py", "-o", "no/such/dir/r.txt"), "no such folder"),
        (("main.py", "--format", "xml", "--check", "clean.txt"), "--format"),
    ],
)
def test_usage_errors_are_one_line(
    args: tuple[str, ...], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(CASES / "check_job", *args, monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
