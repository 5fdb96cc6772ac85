"""The console script: exit codes as the interpreter gives them, exit functions run,
and no interpreter tear-down (see ``jobdeps.cli.launch``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import atexit, sys
marker = sys.argv[1]
atexit.register(lambda: open(marker, "w").write("ran"))
sys.argv = ["jobdeps", *sys.argv[2:]]
from jobdeps.cli.launch import main
main()
"""


def _launch(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, Path]:
    marker = tmp_path / "marker"
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(marker), *args],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    return res, marker


def test_exit_functions_run_and_the_code_is_kept(tmp_path: Path) -> None:
    res, marker = _launch(tmp_path, "--version")
    assert (res.returncode, res.stdout) == (0, "jobdeps 0.1.0\n")
    assert marker.read_text() == "ran"  # a facts cache dropped unclosed writes then
    res, marker = _launch(tmp_path, "analyze", "missing.py")
    assert res.returncode == 2 and "missing.py" in res.stderr
    assert marker.read_text() == "ran"


def test_a_run_that_finds_errors_exits_1(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("import surely_not_installed_anywhere\n")
    res, _ = _launch(tmp_path, "check", "main.py", "--format", "json")
    assert res.returncode == 1, res.stderr
    assert '"code": "IMP001"' in res.stdout


def test_a_usage_error_is_one_line_naming_the_command(tmp_path: Path) -> None:
    res, _ = _launch(tmp_path, "analyze", "--no-such-option", "main.py")
    assert res.returncode == 2
    assert res.stderr == (
        "jobdeps: error: No such option: --no-such-option (try 'jobdeps analyze --help')\n"
    )
    assert res.stdout == ""
    res, _ = _launch(tmp_path, "no-such-command")
    assert (res.returncode, res.stderr) == (
        2,
        "jobdeps: error: No such command 'no-such-command' (try 'jobdeps --help')\n",
    )
    # an option without its value: found before click has a context, still named
    res, _ = _launch(tmp_path, "requirements", "--check")
    assert (res.returncode, res.stderr) == (
        2,
        "jobdeps: error: Option '--check' requires an argument "
        "(try 'jobdeps requirements --help')\n",
    )


def test_no_arguments_show_the_help_and_exit_2(tmp_path: Path) -> None:
    res, _ = _launch(tmp_path)
    assert res.returncode == 2
    assert "Usage: jobdeps" in res.stdout + res.stderr
    assert "analyze" in res.stdout + res.stderr
    res, _ = _launch(tmp_path, "--help")
    assert res.returncode == 0 and "Usage: jobdeps" in res.stdout


def test_a_command_collects_garbage_rarely(tmp_path: Path) -> None:
    # a command's objects live to its end: the collector's passes over them were 10%
    # of a cold run (benchmarks/README.md). Set in a command's process only.
    (tmp_path / "main.py").write_text("import os\n")
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('thresholds', gc.get_threshold()))\n"
        "sys.argv = ['jobdeps', 'analyze', 'main.py', '--no-cache']\n"
        "from jobdeps.cli.launch import main\n"
        "main()\n"
    )
    res = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                         text=True)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "thresholds (1000000, 100, 100)" in res.stdout
    import gc

    assert gc.get_threshold()[0] < 1_000_000  # the library (this process) is left alone


def test_an_abort_is_not_a_finished_run_and_a_bug_is_not_a_usage_error(monkeypatch, capsys) -> None:
    import pytest

    from jobdeps.cli import app as cli

    class Abort(RuntimeError):  # click's, raised on end of input at a prompt
        pass

    def aborts(**kwargs: object) -> None:
        raise Abort()

    monkeypatch.setattr(cli, "app", aborts)
    with pytest.raises(cli.AbnormalExit) as info:  # never recorded for a replay
        cli._invoke()
    assert info.value.code == 1
    assert capsys.readouterr().err == "jobdeps: aborted\n"

    def fails(**kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(cli, "app", fails)
    with pytest.raises(KeyError):  # main() reports it as an internal error
        cli._invoke()
