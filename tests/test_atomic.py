"""Atomic writes: complete or absent, never half; the previous content survives errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from jobdeps.bundler import atomic


def _leftovers(folder: Path, name: str) -> list[str]:
    prefix = "." + name.lstrip(".") + "."
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(prefix))


def test_write_text_creates_file_with_default_mode(tmp_path: Path) -> None:
    target = tmp_path / "requirements.txt"
    atomic.write_text(target, "numpy==1.26.4\n")
    assert target.read_text() == "numpy==1.26.4\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 & ~atomic.current_umask()
    assert _leftovers(tmp_path, "requirements.txt") == []


def test_write_text_keeps_bytes_exactly(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    atomic.write_text(target, "x\r\ny\n\u00e9")
    assert target.read_bytes() == b"x\r\ny\n\xc3\xa9"


def test_existing_permission_bits_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("old")
    os.chmod(target, 0o750)
    atomic.write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o750


def test_error_inside_write_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "requirements.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError, match="boom"), atomic.atomic_open(target) as fh:
        fh.write(b"half of the new cont")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path, "requirements.txt") == []


def test_failed_replace_removes_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(PermissionError):
        atomic.write_text(target, "new")
    assert target.read_text() == "old"
    assert _leftovers(tmp_path, "out.txt") == []


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic.write_text(tmp_path / "nope" / "x.txt", "x")
    assert list(tmp_path.iterdir()) == []


def test_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic.write_text(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_replace_dir_creates_target(tmp_path: Path) -> None:
    target = tmp_path / ".jobdeps"
    with atomic.replace_dir(target) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".jobdeps.tmp-")
        assert list(tmp.iterdir()) == []
        (tmp / "manifest.json").write_text("{}")
    assert (target / "manifest.json").read_text() == "{}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o755 & ~atomic.current_umask()
    assert _leftovers(tmp_path, ".jobdeps") == []


def test_replace_dir_swaps_out_old_content(tmp_path: Path) -> None:
    target = tmp_path / "out"
    (target / "local").mkdir(parents=True)
    (target / "local" / "stale.py").write_text("old")
    with atomic.replace_dir(target) as tmp:
        (tmp / "fresh.py").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["fresh.py"]
    assert _leftovers(tmp_path, "out") == []


def test_replace_dir_exception_keeps_old_bundle(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "requirements.txt").write_text("old==1\n")
    with pytest.raises(ValueError, match="analysis failed"), atomic.replace_dir(target) as tmp:
        (tmp / "requirements.txt").write_text("new==2\n")
        raise ValueError("analysis failed")
    assert (target / "requirements.txt").read_text() == "old==1\n"
    assert sorted(p.name for p in target.iterdir()) == ["requirements.txt"]
    assert _leftovers(tmp_path, "out") == []


def test_replace_dir_failed_swap_restores_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("old")
    real_rename = os.rename
    calls: list[str] = []

    def flaky_rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append(Path(src).name)
        if len(calls) == 2:  # moving the new folder in
            raise OSError("disk full")
        real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", flaky_rename)
    with pytest.raises(OSError, match="disk full"), atomic.replace_dir(target) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]
    assert _leftovers(tmp_path, "out") == []


def test_replace_dir_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("not a folder")
    with pytest.raises(NotADirectoryError), atomic.replace_dir(target):
        pytest.fail("the block must not run")
    assert target.read_text() == "not a folder"
    assert _leftovers(tmp_path, "out") == []
