"""Every sample job under ``fixtures/analyze/`` through ``load_job`` + ``analyze_job``.

Each folder holds a tiny project, ``args.json`` (what to analyse, paths relative
to the folder) and ``expected.json`` (the parts of ``Analysis.to_json()`` the case
is about, written by hand from what Python really does). ``expected.json`` may
also say:

- ``xfail``: jobdeps differs from Python here (a known bug); the test is a
  strict xfail with that reason;
- ``runs``: commands that run the fixture with this interpreter, proving the
  expected import behaviour is real (``argv`` after the interpreter, ``env``,
  ``returncode``, ``stdout``, ``stderr_contains``, ``only_python``).

``args.json`` may ask for ``symlinks`` (``{"a.py": "b.py"}``): the fixture is
then copied to a temporary folder where the links are made, since a link loop
is not something to keep in the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from jobdeps.api import AnalysisOptions, analyze_job, load_job

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "analyze"
NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file())
RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path / "cache"))


def _load(name: str) -> tuple[dict, dict]:
    folder = FIXTURES / name
    args = json.loads((folder / "args.json").read_text())
    expected = json.loads((folder / "expected.json").read_text())
    return args, expected


def _params(kind: str) -> list:
    params = []
    for name in NAMES:
        _args, expected = _load(name)
        marks = []
        if kind == "analysis" and expected.get("xfail"):
            marks.append(pytest.mark.xfail(strict=True, reason=expected["xfail"]))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def _materialise(name: str, args: dict, tmp_path: Path) -> Path:
    """The folder to work in: the fixture itself, or a copy with the symlinks it asks for."""
    folder = FIXTURES / name
    links = args.get("symlinks")
    if not links:
        return folder
    copy = tmp_path / name
    shutil.copytree(folder, copy)
    for link, target in links.items():
        (copy / link).symlink_to(target)
    return copy


def _analyse(folder: Path, args: dict) -> dict:
    fixture_dir = FIXTURES / folder.name
    job = load_job(
        entries=args.get("entries", []),
        modules=args.get("modules", []),
        root=args.get("root", "."),
        cwd=folder,
    )
    options = AnalysisOptions(
        python_version=args.get("python_version"),
        site_packages=[(fixture_dir / p).resolve() for p in args.get("site_packages", [])],
        extra_paths=[(folder / p).resolve() for p in args.get("paths", [])],
        cache=False,
        jobs=1,
    )
    return analyze_job(job, options).to_json()


def _finding_key(item: dict) -> tuple[str, int, str]:
    return (item["path"] or "", item["line"] or 0, item["code"])


@pytest.mark.parametrize("name", _params("analysis"))
def test_fixture_analysis(name: str, tmp_path: Path) -> None:
    args, expected = _load(name)
    folder = _materialise(name, args, tmp_path)
    result = _analyse(folder, args)

    assert result["local_files"] == expected["local_files"]

    got_reqs = {canonicalize_name(r["name"]): r for r in result["requirements"]}
    want_reqs = {canonicalize_name(r["name"]): r for r in expected["requirements"]}
    assert sorted(got_reqs) == sorted(want_reqs)
    for canonical, want in want_reqs.items():
        got = got_reqs[canonical]
        for key in ("version", "imports", "optional"):
            if key in want:
                assert got[key] == want[key], f"{canonical}: {key}"

    if "stdlib" in expected:
        assert result["stdlib"] == expected["stdlib"]
    if "stdlib_includes" in expected:
        assert set(expected["stdlib_includes"]) <= set(result["stdlib"])

    assert sorted({u["name"] for u in result["unresolved"]}) == sorted(expected["unresolved"])

    got_findings = sorted(
        ({"code": f["code"], "path": f["path"], "line": f["line"]} for f in result["findings"]),
        key=_finding_key,
    )
    assert got_findings == sorted(expected["findings"], key=_finding_key)


def _runs() -> list:
    params = []
    for name in NAMES:
        _args, expected = _load(name)
        for index, run in enumerate(expected.get("runs", [])):
            marks = []
            only = run.get("only_python")
            if only and only != RUNNING:
                marks.append(pytest.mark.skip(reason=f"needs Python {only}"))
            params.append(pytest.param(name, index, marks=marks, id=f"{name}-{index}"))
    return params


@pytest.mark.parametrize(("name", "index"), _runs())
def test_fixture_really_runs_so(name: str, index: int, tmp_path: Path) -> None:
    """The expected local-import behaviour is what the interpreter really does."""
    args, expected = _load(name)
    run = expected["runs"][index]
    folder = _materialise(name, args, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(run.get("env", {}))
    proc = subprocess.run(
        [sys.executable, "-B", *run["argv"]],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == run.get("returncode", 0), proc.stderr
    if "stdout" in run:
        assert proc.stdout == run["stdout"]
    if "stderr_contains" in run:
        assert run["stderr_contains"] in proc.stderr


def test_every_fixture_is_complete() -> None:
    """A fixture folder without its expectations would silently test nothing."""
    folders = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    assert folders == NAMES
    for name in NAMES:
        args, expected = _load(name)
        assert args.get("entries") or args.get("modules"), name
        for key in ("local_files", "requirements", "unresolved", "findings"):
            assert key in expected, f"{name}: {key}"
        assert "stdlib" in expected or "stdlib_includes" in expected, name


def test_source_files_decode_as_python_decodes_them() -> None:
    """The encodings fixture: the latin-1 file compiles, the undecodable one does not."""
    folder = FIXTURES / "encodings"
    compile((folder / "latin.py").read_bytes(), "latin.py", "exec")
    with pytest.raises(SyntaxError):
        compile((folder / "badbytes.py").read_bytes(), "badbytes.py", "exec")


def test_walk_goes_on_past_a_syntax_error(tmp_path: Path) -> None:
    """Independent of the IMP010 line bug (see the syntax_error fixture's xfail)."""
    args, _expected = _load("syntax_error")
    result = _analyse(FIXTURES / "syntax_error", args)
    assert [(f["code"], f["path"]) for f in result["findings"]] == [("IMP010", "broken.py")]
    assert "good.py" in result["local_files"]
    assert result["stdlib"] == ["json"]
