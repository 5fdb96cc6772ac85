"""Deterministic zip archives, and a safe way to unpack them.

The same files give the same bytes, whatever their mtimes, owners or the order
they were listed in:

- entries sorted by name (posix, compared as text);
- every timestamp 1980-01-01 00:00:00 (the earliest a zip can hold);
- permissions fixed: ``0o100644``, or ``0o100755`` when the source is
  executable by its owner; ``create_system`` 3 (Unix) so they are honoured;
- ZIP_DEFLATED at a fixed level, no extra fields, no comment;
- no directory entries: unpackers (Python's zipfile, ``unzip``) create parent
  folders from the file names, and an empty folder is nothing to ship. This
  leaves one less thing (folder times and modes) that could vary.

Two caveats: a file too big for the classic format (over about 2 GiB) needs a
zip64 extra field, which is then written, deterministically; and deflate output
is only guaranteed identical for the same zlib build.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from jobdeps.bundler.atomic import atomic_open

__all__ = [
    "COMPRESS_LEVEL",
    "FIXED_DATE_TIME",
    "collect_tree",
    "sha256_file",
    "unpack_like_platform",
    "validate_entry_name",
    "write_zip",
]

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6
FILE_MODE = 0o100644
EXEC_MODE = 0o100755
_UNIX = 3
_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


def validate_entry_name(name: str) -> None:
    """Raise ``ValueError`` unless ``name`` is a safe relative posix file name.

    Refused: empty names, absolute paths, Windows drives, backslashes, NUL,
    ``.``/``..`` or empty components (``a//b``), and a trailing ``/``.
    """
    if not name:
        raise ValueError("empty archive entry name")
    if "\\" in name:
        raise ValueError(f"archive entry {name!r} contains a backslash")
    if "\x00" in name:
        raise ValueError(f"archive entry {name!r} contains a NUL character")
    if name.startswith("/") or _DRIVE.match(name):
        raise ValueError(f"archive entry {name!r} is an absolute path")
    parts = name.split("/")
    if any(p == ".." for p in parts):
        raise ValueError(f"archive entry {name!r} contains '..'")
    if any(p in ("", ".") for p in parts):
        raise ValueError(f"archive entry {name!r} has an empty or '.' component")


def _zipinfo(name: str, source: Path) -> zipfile.ZipInfo:
    st = source.stat()
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"archive entry {name!r}: {source} is not a regular file")
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    if hasattr(info, "compress_level"):  # Python 3.13+
        info.compress_level = COMPRESS_LEVEL
    else:
        info._compresslevel = COMPRESS_LEVEL
    info.create_system = _UNIX
    mode = EXEC_MODE if st.st_mode & stat.S_IXUSR else FILE_MODE
    info.external_attr = mode << 16
    info.extra = b""
    info.comment = b""
    # Known up front so that zipfile decides on zip64 from the size, not a flag.
    info.file_size = st.st_size
    return info


def write_zip(dest: Path, files: Iterable[tuple[str, Path]]) -> str:
    """Write ``files`` (archive name, source file) to ``dest``; return its sha256.

    Names are validated (see :func:`validate_entry_name`) and must be unique;
    a bad or duplicate name raises ``ValueError`` before anything is written.
    Sources are read in chunks (large files are fine) and symbolic links are
    followed: checking that they stay inside the project is the caller's job
    (:mod:`jobdeps.bundler.paths`). ``dest`` is written atomically.
    """
    entries: dict[str, Path] = {}
    for name, source in files:
        validate_entry_name(name)
        if name in entries:
            raise ValueError(f"duplicate archive entry {name!r}")
        entries[name] = Path(source)
    # Every entry is a file, so a name that is also a parent of another is a conflict.
    names = set(entries)
    for name in entries:
        for parent in PurePosixPath(name).parents:
            if str(parent) in names:
                raise ValueError(f"archive entry {str(parent)!r} is both a file and a folder")

    digest = hashlib.sha256()
    with atomic_open(Path(dest)) as fh:
        with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(entries):
                source = entries[name]
                info = _zipinfo(name, source)
                with source.open("rb") as src, zf.open(info, mode="w") as out:
                    while chunk := src.read(_CHUNK):
                        out.write(chunk)
        fh.flush()
        fh.seek(0)
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def collect_tree(folder: Path) -> list[tuple[str, Path]]:
    """Every regular file under ``folder`` as ``(posix name, path)``, sorted.

    Meant for a tree the bundler built itself (``local/``): symbolic links are
    not followed, and one found raises ``ValueError``.
    """
    folder = Path(folder)
    out: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        base = Path(dirpath)
        for d in dirnames:
            if (base / d).is_symlink():
                raise ValueError(f"{base / d} is a symbolic link")
        for f in filenames:
            path = base / f
            if path.is_symlink() or not path.is_file():
                raise ValueError(f"{path} is not a regular file")
            out.append((path.relative_to(folder).as_posix(), path))
    return sorted(out)


def unpack_like_platform(zip_path: Path, dest: Path) -> list[str]:
    """Extract ``zip_path`` into ``dest`` the way the platform unpacks a local path.

    Safe against hostile archives: every name is validated first (no absolute
    path, no ``..``), symbolic-link entries are refused, and each target is
    checked to stay under ``dest``. Folder entries are created; file modes keep
    only the owner-executable bit (``0o755`` or ``0o644``). Returns the file
    names extracted, sorted. Raises ``ValueError`` on an unsafe archive (before
    writing anything) and ``zipfile.BadZipFile`` on a broken one.
    """
    dest = Path(dest)
    real_dest = dest.resolve()
    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
        for info in infos:
            name = info.filename
            is_dir = name.endswith("/")
            validate_entry_name(name[:-1] if is_dir else name)
            mode = info.external_attr >> 16
            if info.create_system == _UNIX and stat.S_ISLNK(mode):
                raise ValueError(f"archive entry {name!r} is a symbolic link")
        dest.mkdir(parents=True, exist_ok=True)
        extracted: list[str] = []
        for info in infos:
            name = info.filename
            target = real_dest.joinpath(*name.rstrip("/").split("/"))
            if not target.resolve().is_relative_to(real_dest):
                raise ValueError(f"archive entry {name!r} would land outside {dest}")
            if name.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                while chunk := src.read(_CHUNK):
                    out.write(chunk)
            mode = info.external_attr >> 16
            executable = info.create_system == _UNIX and mode & stat.S_IXUSR
            os.chmod(target, 0o755 if executable else 0o644)
            extracted.append(name)
    return sorted(extracted)
