"""``jobdeps analyze`` and ``jobdeps why`` as a user runs them: a real process, exit codes,
stdout and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "analyze"
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# What the `jobdeps` console script does. Not `python -m jobdeps`: that puts the
# working folder first on sys.path, and the fixtures' own random.py / yaml.py
# would shadow jobdeps' imports (see test_python_m_jobdeps_is_not_shadowed_by_the_project).
LAUNCH = "import sys; del sys.path[0]; from jobdeps.cli.app import main; main()"


@pytest.fixture
def run(tmp_path: Path):
    """Run jobdeps with ARGS in a fixture folder, with the cache kept in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JOBDEPS"))}
    env["JOBDEPS_CACHE_DIR"] = str(tmp_path / "cache")
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the fixtures

    def _run(fixture: str, *args: str, module: bool = False) -> subprocess.CompletedProcess[str]:
        launch = ["-m", "jobdeps"] if module else ["-c", LAUNCH]
        return subprocess.run(
            [sys.executable, *launch, *args],
            cwd=FIXTURES / fixture,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return _run


def test_clean_job_exits_0_and_lists_what_it_found(run) -> None:
    proc = run("flat_script", "analyze", "main.py", "--python-version", "3.11")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "helper.py" in proc.stdout
    assert "PyYAML==" in proc.stdout
    assert "No findings." in proc.stdout


def test_error_finding_exits_1(run) -> None:
    proc = run("relative_in_script", "analyze", "main.py", "--python-version", "3.11")
    assert proc.returncode == EXIT_FINDINGS
    assert "main.py:1" in proc.stdout and "IMP005" in proc.stdout


def test_warnings_alone_exit_0(run) -> None:
    proc = run("shadowing", "analyze", "main.py", "--python-version", "3.11")
    assert proc.returncode == EXIT_OK, proc.stdout
    assert "IMP003" in proc.stdout and "IMP004" in proc.stdout


def test_json_is_valid_and_byte_identical_across_runs(run) -> None:
    args = ("analyze", "main.py", "--format", "json", "--python-version", "3.11", "--no-cache")
    first = run("relative_imports", *args)
    second = run("relative_imports", *args)
    assert first.returncode == second.returncode == EXIT_FINDINGS
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["target_python"] == "3.11"
    assert data["local_files"] == sorted(data["local_files"])
    assert [f["code"] for f in data["findings"]] == ["IMP005"]
    assert data["entry_points"] == [
        {"kind": "script", "target": "main.py", "origin": "argument", "origin_line": None}
    ]


def test_json_with_a_fake_environment_and_a_module_entry(run) -> None:
    proc = run(
        "google_namespace",
        "analyze",
        "main.py",
        "--format",
        "json",
        "--site-packages",
        "../../envs/mlenv/site-packages",
        "--python-version",
        "3.11",
    )
    data = json.loads(proc.stdout)
    versions = {r["name"]: r["version"] for r in data["requirements"]}
    assert versions["google-api-core"] == "2.15.0"
    assert versions["google-cloud-storage"] == "2.14.0"


def test_module_entry_from_the_command_line(run) -> None:
    proc = run("module_entry", "analyze", "-m", "pkg.mod", "--format", "json")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert json.loads(proc.stdout)["local_files"] == [
        "pkg/__init__.py",
        "pkg/mod.py",
        "pkg/util.py",
    ]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("analyze", "nothere.py"), "nothere.py"),
        (("analyze", "-m", "no.such.module"), "no.such.module"),
        (("analyze", "main.py", "--format", "xml"), "--format"),
        (("analyze", "main.py", "--python-version", "three"), "--python-version"),
        (("analyze", "main.py", "--site-packages", "no/such/dir"), "no/such/dir"),
        (("why", "requests", "main.py"), "requests"),
    ],
)
def test_usage_errors_exit_2_with_one_line_and_no_traceback(run, args, needle) -> None:
    proc = run("flat_script", *args)
    assert proc.returncode == EXIT_USAGE
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("jobdeps: error: ")
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr


def test_why_prints_the_chain_to_a_distribution(run) -> None:
    proc = run("flat_script", "why", "yaml", "main.py")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert proc.stdout.splitlines() == ["pyyaml (dist)", "main.py:4  imports yaml"]


def test_why_finds_an_import_that_resolves_nowhere(run) -> None:
    """An optional `ujson` (not installed) is listed by `analyze`; `why ujson` once said
    "not imported by the job"."""
    proc = run("optional_import", "why", "ujson", "main.py")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert proc.stdout.splitlines() == ["ujson (unresolved)", "main.py:2  imports ujson"]


def test_why_prints_a_chain_through_local_files(run) -> None:
    proc = run("relative_imports", "why", "pkg/sibling.py", "main.py")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert proc.stdout.splitlines() == [
        "pkg/sibling.py (local file)",
        "main.py:1  imports pkg.sub",
        "  pkg/sub.py:1  imports pkg.sibling",
    ]


def test_python_m_jobdeps_is_not_shadowed_by_the_project(run) -> None:
    proc = run("shadowing", "analyze", "main.py", "--python-version", "3.11", module=True)
    assert proc.returncode == EXIT_OK, proc.stderr


def test_json_is_written_in_pieces_as_json_dumps_would_print_it() -> None:
    import io
    import json

    from jobdeps.cli.render import JSON_WRITE_CHARS, write_json

    document = {"files": [{"path": f"pkg/mod_{i}.py", "line": i, "ok": i % 2 == 0}
                          for i in range(5000)], "none": None, "text": "é\n\"x\""}  # fmt: skip

    class Counting(io.StringIO):
        writes = 0

        def write(self, text: str) -> int:
            self.writes += 1
            return super().write(text)

    stream = Counting()
    write_json(document, stream)
    expected = json.dumps(document, indent=2) + "\n"
    assert stream.getvalue() == expected
    assert 1 < stream.writes <= len(expected) // JSON_WRITE_CHARS + 2
