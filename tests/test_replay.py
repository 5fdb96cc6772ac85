"""Replaying unchanged runs (issue 7, warm): right when nothing changed, never stale.

Each case is a real project run through the real command, in a process of its own:
the first run records, the second must replay byte for byte; then one thing the
output depends on changes, and the next run must not replay and must print what a
run with an empty cache prints. The projects are made first, then the tests wait
out the racy window once (a file changed within it is never trusted).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobdeps.cli import observe, replay

MARK = "jobdeps: replay: "


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _dist(site: Path, name: str, version: str) -> None:
    info = site / f"{name}-{version}.dist-info"
    _write(info / "METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    _write(info / "top_level.txt", f"{name}\n")
    _write(info / "RECORD", f"{name}/__init__.py,,\n{info.name}/METADATA,,\n")
    _write(site / name / "__init__.py", "")


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("replay")
    for name in ("edit", "shadow", "delete", "env", "taint", "racy", "damaged", "code"):
        _write(root / name / "main.py", "import yaml\nimport helpers\n")
        _write(root / name / "helpers.py", "import json\n")
    _write(root / "edit" / "pkg" / "__init__.py", "")
    _write(root / "edit" / "pkg" / "mod.py", "import os\n")
    _write(root / "edit" / "main.py", "import yaml\nimport helpers\nimport pkg.mod\n")
    # a symlinked module, retargeted later
    _write(root / "link" / "main.py", "import helpers\n")
    _write(root / "link" / "a.py", "import json\n")
    _write(root / "link" / "b.py", "import networkx\n")
    (root / "link" / "helpers.py").symlink_to("a.py")
    # a config, and a pyproject.toml that the preflight reads
    guarded = '\n\nif __name__ == "__main__":\n    pass\n'
    _write(root / "config" / "main.py", "import yaml" + guarded)
    _write(root / "config" / "other.py", "import networkx" + guarded)
    _write(root / "config" / "config.yaml", "cmd: python main.py\nenv:\n  python: auto\n")
    _write(root / "config" / "pyproject.toml", "[tool.jobdeps]\n")
    # a site dir of its own
    _write(root / "site" / "main.py", "import fakepkg\nimport otherpkg\n")
    _dist(root / "site" / "env", "fakepkg", "1.0")
    # a folder on jobdeps' own import path, outside the project (which is listed)
    _write(root / "importpath" / "main.py", "import json\n")
    (root / "pythonpath").mkdir()
    time.sleep(replay.RACY_NS / 1e9 + 0.2)
    return root


def _run(project: Path, *args: str, cache: Path, env: dict[str, str] | None = None):
    full = {**os.environ, "JOBDEPS_CACHE_DIR": str(cache), "JOBDEPS_DEBUG": "1", **(env or {})}
    full.pop("JOBDEPS_NO_CACHE", None)
    res = subprocess.run(
        [sys.executable, "-m", "jobdeps", *args], cwd=project, env=full, capture_output=True
    )
    notes = [
        line[len(MARK) :] for line in res.stderr.decode().splitlines() if line.startswith(MARK)
    ]
    err = b"".join(
        line for line in res.stderr.splitlines(keepends=True) if not line.startswith(MARK.encode())
    )
    return res.returncode, res.stdout, err, notes


def _fresh(project: Path, *args: str, tmp_path: Path) -> tuple[int, bytes, bytes]:
    code, out, err, _ = _run(project, *args, cache=tmp_path / f"fresh-{time.time_ns()}")
    return code, out, err


def _recorded_then_replayed(project: Path, args: tuple[str, ...], cache: Path) -> tuple:
    first = _run(project, *args, cache=cache)
    assert "recorded" in first[3], first
    second = _run(project, *args, cache=cache)
    assert second[3] == ["replayed"], second
    assert second[:3] == first[:3]
    return first


ANALYZE = ("analyze", "main.py", "--format", "json")


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("edit", lambda p: (p / "pkg" / "mod.py").write_text("import os\nimport requests\n")),
        ("shadow", lambda p: _write(p / "yaml.py", "")),
        ("delete", lambda p: (p / "helpers.py").unlink()),
        ("link", lambda p: ((p / "helpers.py").unlink(), (p / "helpers.py").symlink_to("b.py"))),
    ],
)
def test_a_change_to_what_the_job_reads_is_never_replayed(
    projects: Path, tmp_path: Path, name: str, change
) -> None:
    project = projects / name
    cache = tmp_path / "cache"
    before = _recorded_then_replayed(project, ANALYZE, cache)
    change(project)
    code, out, err, notes = _run(project, *ANALYZE, cache=cache)
    assert "replayed" not in notes
    assert notes[0].endswith("changed"), notes
    assert (code, out, err) == _fresh(project, *ANALYZE, tmp_path=tmp_path)
    assert out != before[1]  # the change mattered: a stale replay would have shown


def test_the_config_and_the_preflight_settings_are_read_again(
    projects: Path, tmp_path: Path
) -> None:
    project = projects / "config"
    cache = tmp_path / "cache"
    args = ("check", "--config", "config.yaml", "--format", "json")
    before = _recorded_then_replayed(project, args, cache)
    (project / "config.yaml").write_text("cmd: python other.py\nenv:\n  python: auto\n")
    after = _run(project, *args, cache=cache)
    assert after[3][0] == f"run: {project / 'config.yaml'} changed"
    assert after[:3] == _fresh(project, *args, tmp_path=tmp_path)
    assert after[1] != before[1]
    time.sleep(replay.RACY_NS / 1e9 + 0.2)
    _recorded_then_replayed(project, args, cache)
    (project / "pyproject.toml").write_text('[tool.jobdeps]\nignore = ["ENV"]\n')
    again = _run(project, *args, cache=cache)
    assert "replayed" not in again[3]
    assert again[:3] == _fresh(project, *args, tmp_path=tmp_path)


def test_an_upgrade_in_the_site_dir_is_never_replayed(projects: Path, tmp_path: Path) -> None:
    project = projects / "site"
    cache = tmp_path / "cache"
    args = ("analyze", "main.py", "--site-packages", "env", "--format", "json")
    before = _recorded_then_replayed(project, args, cache)
    assert b'"fakepkg"' in before[1]
    _dist(project / "env", "otherpkg", "2.0")  # an unresolved import now resolves
    after = _run(project, *args, cache=cache)
    assert "replayed" not in after[3]
    assert after[:3] == _fresh(project, *args, tmp_path=tmp_path)
    assert b'"unresolved": []' in after[1] and b'"unresolved": []' not in before[1]


def test_another_environment_or_command_line_is_another_run(
    projects: Path, tmp_path: Path
) -> None:
    project = projects / "env"
    cache = tmp_path / "cache"
    _recorded_then_replayed(project, ANALYZE, cache)
    assert _run(project, *ANALYZE, cache=cache, env={"JOBDEPS_X": "1"})[3][0] == (
        "run: no recorded run"
    )
    assert _run(project, "analyze", "main.py", cache=cache)[3][0] == "run: no recorded run"
    # --no-cache neither replays nor records
    assert _run(project, *ANALYZE, "--no-cache", cache=cache)[3] == []


def test_exit_code_and_findings_are_replayed(projects: Path, tmp_path: Path) -> None:
    project = projects / "damaged"
    cache = tmp_path / "cache"
    args = ("check", "main.py", "--format", "json")
    first = _recorded_then_replayed(project, args, cache)
    assert first[0] == 1  # helpers is local, yaml installed: the missing config fails
    # a damaged entry is a miss, never an error
    (entry,) = cache.glob("run-*.bin")
    import marshal
    import zlib

    fmt, tables, _chunks, code = marshal.loads(zlib.decompress(entry.read_bytes()))
    for damage in (
        b"\x00garbage",
        zlib.compress(marshal.dumps((fmt, tables, [(3, b"x")], code))),
        zlib.compress(marshal.dumps((fmt, tables, [], "1"))),
        zlib.compress(marshal.dumps((fmt, [("nosuchlook", [])], [], 0))),
    ):
        entry.write_bytes(damage)
        code, out, err, notes = _run(project, *args, cache=cache)
        assert notes[0] == "run: damaged entry"
        assert (code, out, err) == first[:3]


def test_a_run_that_ran_a_program_is_not_recorded(projects: Path, tmp_path: Path) -> None:
    project = projects / "taint"
    args = ("analyze", "main.py", "--python", sys.executable, "--format", "json")
    notes = _run(project, *args, cache=tmp_path / "cache")[3]
    assert notes[-1].startswith("not recorded: ran a program"), notes


def test_a_file_changed_just_before_the_run_is_not_trusted(
    projects: Path, tmp_path: Path
) -> None:
    project = projects / "racy"
    (project / "helpers.py").write_text("import json\nimport csv\n")
    notes = _run(project, *ANALYZE, cache=tmp_path / "cache")[3]
    assert notes[-1] == f"not recorded: {project / 'helpers.py'} changed too recently"


def test_commands_that_write_are_never_replayed() -> None:
    assert replay.eligible(["analyze", "main.py"])
    assert replay.eligible(["check"])
    assert not replay.eligible(["bundle", "main.py", "-o", "out"])
    assert not replay.eligible(["requirements", "main.py"])
    assert not replay.eligible(["--version"])
    assert not replay.eligible(["check", "--no-cache"])


def test_the_recorder_sees_reads_listings_probes_and_writes(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "cache").mkdir()
    recorder = observe.start(str(tmp_path / "cache"))
    try:
        (tmp_path / "a.py").read_text()
        assert not (tmp_path / "missing.py").exists()
        list((tmp_path / "sub").iterdir())
        os.path.realpath(tmp_path / "sub")
        (tmp_path / "cache" / "x").write_text("ours")  # the cache folder: allowed
        assert recorder.taint is None
        (tmp_path / "out.txt").write_text("no")
    finally:
        observe.stop()
    assert os.stat is observe._real_stat
    assert recorder.stats[str(tmp_path / "a.py")] == observe.stat_stamp(str(tmp_path / "a.py"))
    assert len(recorder.stats[str(tmp_path / "missing.py")]) == 1  # (ENOENT,)
    assert str(tmp_path / "sub") in recorder.stats
    assert len(recorder.lstats[str(tmp_path / "sub")]) == 3  # a folder's kind, not its times
    assert not any("cache" in p for p in recorder.stats)
    assert recorder.taint == f"wrote {tmp_path / 'out.txt'}"


def test_the_recorder_sees_a_path_change_under_it(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_text("x")
    recorder = observe.start(str(tmp_path / "cache"))
    try:
        os.stat(target)
        observe.stop()  # the change below is someone else's
        target.write_text("longer")
        observe.start(str(tmp_path / "cache"))
        observe._active = recorder
        os.stat(target)
    finally:
        observe.stop()
    assert recorder.taint == f"{target} changed during the run"


def test_code_that_ran_is_a_dependency(projects: Path, tmp_path: Path) -> None:
    project = projects / "code"
    cache = tmp_path / "cache"
    _recorded_then_replayed(project, ANALYZE, cache)
    import jobdeps.cli.app as app_module

    (entry,) = cache.glob("run-*.bin")
    import marshal
    import zlib

    _fmt, tables, _chunks, _code = marshal.loads(zlib.decompress(entry.read_bytes()))
    stats = dict(dict(tables)["stats"])
    assert app_module.__file__ in stats and sys.executable in stats


def test_only_the_runs_used_last_are_kept(tmp_path: Path) -> None:
    for index in range(replay.KEEP + 3):
        entry = tmp_path / f"{replay.PREFIX}{index:04d}{replay.SUFFIX}"
        entry.write_bytes(b"")
        os.utime(entry, ns=(index * 10**9, index * 10**9))
    (tmp_path / "notes.txt").write_text("not ours")
    replay._prune(str(tmp_path))
    left = sorted(p.name for p in tmp_path.glob(f"{replay.PREFIX}*"))
    assert len(left) == replay.KEEP and left[0] == f"{replay.PREFIX}0003{replay.SUFFIX}"
    assert (tmp_path / "notes.txt").exists()


def test_a_run_that_looks_at_too_many_paths_is_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(observe, "MAX_LOOKS", 3)
    for index in range(5):
        (tmp_path / f"m{index}.py").write_text("")
    recorder = observe.start(str(tmp_path / "cache"))
    try:
        for index in range(5):
            os.stat(tmp_path / f"m{index}.py")
    finally:
        observe.stop()
    assert recorder.taint == "looked at more than 3 paths"
    assert len(recorder.stats) == 4  # it stopped looking once tainted


def test_a_module_appearing_on_jobdeps_own_import_path_is_never_replayed(
    projects: Path, tmp_path: Path
) -> None:
    project = projects / "importpath"
    cache = tmp_path / "cache"
    folder = projects / "pythonpath"
    env = {"PYTHONPATH": str(folder)}
    first = _run(project, *ANALYZE, cache=cache, env=env)
    assert "recorded" in first[3], first
    assert _run(project, *ANALYZE, cache=cache, env=env)[3] == ["replayed"]
    # the interpreter listed pp/ before the recording started, and checks it unseen later
    _write(folder / "typer.py", 'raise SystemExit("a shadowing typer")\n')
    code, _out, err, notes = _run(project, *ANALYZE, cache=cache, env=env)
    assert notes[0] == f"run: {folder} changed", notes
    assert (code, err) == (1, b"a shadowing typer\n")
