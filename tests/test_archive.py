"""Deterministic zips: same files, same bytes; unsafe names refused both ways."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from pathlib import Path

import pytest

from jobdeps.bundler import archive

TREE = {
    "main.py": "from pkg import util\n\nif __name__ == '__main__':\n    util.run()\n",
    "pkg/__init__.py": "",
    "pkg/util.py": "def run():\n    print('hi')\n",
    "pkg/data/labels.txt": "cat\ndog\n" * 100,
    "pkg/\u00e9t\u00e9.py": "X = 1\n",
}


def _make_tree(root: Path, mtime: int) -> list[tuple[str, Path]]:
    files = []
    for name, text in TREE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (mtime, mtime))
        files.append((name, path))
    return files


def test_same_files_different_mtimes_and_order_give_same_bytes(tmp_path: Path) -> None:
    a = _make_tree(tmp_path / "a", mtime=1_000_000_000)
    b = _make_tree(tmp_path / "b", mtime=1_700_000_000)
    sha_a = archive.write_zip(tmp_path / "a.zip", a)
    sha_b = archive.write_zip(tmp_path / "b.zip", list(reversed(b)))
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert sha_a == sha_b
    assert sha_a == hashlib.sha256((tmp_path / "a.zip").read_bytes()).hexdigest()
    assert sha_a == archive.sha256_file(tmp_path / "a.zip")


def test_different_content_gives_different_hash(tmp_path: Path) -> None:
    files = _make_tree(tmp_path / "a", mtime=0)
    first = archive.write_zip(tmp_path / "x.zip", files)
    (tmp_path / "a" / "pkg" / "util.py").write_text("def run():\n    print('bye')\n")
    assert archive.write_zip(tmp_path / "x.zip", files) != first


def test_entry_metadata_is_fixed(tmp_path: Path) -> None:
    files = _make_tree(tmp_path / "src", mtime=1_600_000_000)
    script = tmp_path / "src" / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    os.chmod(script, 0o700)
    os.chmod(tmp_path / "src" / "main.py", 0o600)
    archive.write_zip(tmp_path / "out.zip", [*files, ("run.sh", script)])
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        assert names == sorted([*TREE, "run.sh"])
        assert not any(n.endswith("/") for n in names)
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.create_system == 3
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.extra == b""
            expected = 0o100755 if info.filename == "run.sh" else 0o100644
            assert info.external_attr >> 16 == expected
        assert zf.comment == b""
        assert zf.read("pkg/util.py").decode() == TREE["pkg/util.py"]


@pytest.mark.parametrize(
    "name",
    [
        "",
        "/etc/passwd",
        "../x.py",
        "pkg/../../x.py",
        "pkg\\x.py",
        "a//b.py",
        "./a.py",
        "C:/x.py",
        "pkg/",
        "a\x00b",
    ],
)
def test_unsafe_names_are_refused(tmp_path: Path, name: str) -> None:
    source = tmp_path / "f.py"
    source.write_text("x = 1\n")
    with pytest.raises(ValueError, match="archive entry"):
        archive.write_zip(tmp_path / "out.zip", [(name, source)])
    assert not (tmp_path / "out.zip").exists()


def test_duplicates_and_file_folder_clashes_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "f.py"
    source.write_text("x = 1\n")
    with pytest.raises(ValueError, match="duplicate"):
        archive.write_zip(tmp_path / "out.zip", [("a.py", source), ("a.py", source)])
    with pytest.raises(ValueError, match="both a file and a folder"):
        archive.write_zip(tmp_path / "out.zip", [("pkg", source), ("pkg/a.py", source)])


def test_failed_write_keeps_previous_zip(tmp_path: Path) -> None:
    files = _make_tree(tmp_path / "src", mtime=0)
    archive.write_zip(tmp_path / "local.zip", files)
    before = (tmp_path / "local.zip").read_bytes()
    with pytest.raises(FileNotFoundError):
        archive.write_zip(tmp_path / "local.zip", [*files, ("zz.py", tmp_path / "missing.py")])
    assert (tmp_path / "local.zip").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["local.zip", "src"]


def test_a_folder_is_not_a_source(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    with pytest.raises(ValueError, match="not a regular file"):
        archive.write_zip(tmp_path / "out.zip", [("pkg", tmp_path / "pkg")])


def test_collect_tree_and_round_trip(tmp_path: Path) -> None:
    _make_tree(tmp_path / "local", mtime=0)
    files = archive.collect_tree(tmp_path / "local")
    assert [name for name, _ in files] == sorted(TREE)
    archive.write_zip(tmp_path / "local.zip", files)
    names = archive.unpack_like_platform(tmp_path / "local.zip", tmp_path / "vm")
    assert names == sorted(TREE)
    for name, text in TREE.items():
        assert (tmp_path / "vm" / name).read_text() == text
        assert stat.S_IMODE((tmp_path / "vm" / name).stat().st_mode) == 0o644


def test_collect_tree_refuses_symlinks(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "link.py").symlink_to(tmp_path / "elsewhere.py")
    with pytest.raises(ValueError, match="not a regular file"):
        archive.collect_tree(tmp_path / "local")


def _hostile_zip(path: Path, name: str, mode: int = 0o100644) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ok.py", "x = 1\n")
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = mode << 16
        zf.writestr(info, "payload")


@pytest.mark.parametrize("name", ["../evil.py", "/tmp/evil.py", "a/../../evil.py", "a\\..\\evil"])
def test_unpack_refuses_traversal_before_writing(tmp_path: Path, name: str) -> None:
    _hostile_zip(tmp_path / "bad.zip", name)
    with pytest.raises(ValueError, match="archive entry"):
        archive.unpack_like_platform(tmp_path / "bad.zip", tmp_path / "vm" / "work")
    assert not (tmp_path / "vm").exists()
    assert not (tmp_path / "evil.py").exists()


def test_unpack_refuses_symlink_entries(tmp_path: Path) -> None:
    _hostile_zip(tmp_path / "bad.zip", "link", mode=stat.S_IFLNK | 0o777)
    with pytest.raises(ValueError, match="symbolic link"):
        archive.unpack_like_platform(tmp_path / "bad.zip", tmp_path / "vm")


def test_unpack_keeps_executable_bit_and_folder_entries(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "in.zip", "w") as zf:
        zf.writestr(zipfile.ZipInfo("empty/"), "")
        info = zipfile.ZipInfo("bin/run.sh")
        info.create_system = 3
        info.external_attr = 0o100775 << 16
        zf.writestr(info, "#!/bin/sh\n")
    assert archive.unpack_like_platform(tmp_path / "in.zip", tmp_path / "vm") == ["bin/run.sh"]
    assert (tmp_path / "vm" / "empty").is_dir()
    assert stat.S_IMODE((tmp_path / "vm" / "bin" / "run.sh").stat().st_mode) == 0o755
