"""PYTHONPATH set by the job's command is part of the entry's search path."""

from __future__ import annotations

from pathlib import Path

from jobdeps.api import analyze_job, load_job


def _job(tmp_path: Path, cmd: str) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "common").mkdir()
    (tmp_path / "src" / "main.py").write_text(
        "from common import helpers\n\nif __name__ == '__main__':\n    pass\n"
    )
    (tmp_path / "common" / "__init__.py").write_text("")
    (tmp_path / "common" / "helpers.py").write_text("")
    (tmp_path / "config.yaml").write_text(f"cmd: {cmd}\nenv:\n  python: auto\n")
    return tmp_path


def test_pythonpath_prefix_resolves_without_the_root_fallback(tmp_path: Path) -> None:
    root = _job(tmp_path, "PYTHONPATH=. python src/main.py")
    analysis = analyze_job(load_job(cwd=root))
    assert sorted(analysis.local_files) == [
        "common/__init__.py",
        "common/helpers.py",
        "src/main.py",
    ]
    assert [f.code for f in analysis.findings] == []


def test_without_pythonpath_the_root_fallback_is_reported(tmp_path: Path) -> None:
    root = _job(tmp_path, "python src/main.py")
    analysis = analyze_job(load_job(cwd=root))
    assert "common/helpers.py" in analysis.local_files
    assert [f.code for f in analysis.findings] == ["IMP012"]
