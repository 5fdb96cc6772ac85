"""Reading one installed distribution's metadata folder, by file reading only.

A distribution is described by a ``*.dist-info`` folder (wheels, PEP 376/627)
or a ``*.egg-info`` folder or file (setuptools eggs, ``setup.py develop``).
Nothing here imports or executes anything from the environment being read.

Every reader tolerates damage: a missing or undecodable file reads as empty,
so one broken distribution never stops the analysis of the others.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from packaging.utils import canonicalize_name

DirectUrlKind = Literal["editable", "vcs", "archive", "dir"]

METADATA_SUFFIXES = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class DirectUrl:
    """PEP 610 ``direct_url.json``: where a distribution was installed from."""

    url: str
    kind: DirectUrlKind
    vcs: str | None = None
    commit_id: str | None = None
    requested_revision: str | None = None
    editable: bool = False
    archive_hash: str | None = None

    def pip_url(self) -> str:
        """The URL as pip takes it after ``name @`` (PEP 440 direct reference)."""
        if self.kind == "vcs" and self.vcs:
            rev = self.commit_id or self.requested_revision
            return f"{self.vcs}+{self.url}" + (f"@{rev}" if rev else "")
        if self.kind == "archive" and self.archive_hash:
            return f"{self.url}#{self.archive_hash}"
        return self.url

    def local_path(self) -> Path | None:
        """The local folder of a ``file://`` URL (editable or directory installs)."""
        if not self.url.startswith("file://"):
            return None
        from urllib.parse import unquote, urlparse

        return Path(unquote(urlparse(self.url).path))


@dataclass(frozen=True)
class Distribution:
    """One installed distribution, as its metadata folder describes it."""

    name: str
    canonical: str
    version: str
    metadata_path: Path
    site_dir: Path
    requires: tuple[str, ...] = ()
    requested: bool | None = None
    direct_url: DirectUrl | None = None
    is_metadata_only: bool = False
    local_version: str | None = None

    @property
    def is_egg_info(self) -> bool:
        return self.metadata_path.name.endswith(".egg-info")

    @property
    def is_editable(self) -> bool:
        return self.direct_url is not None and self.direct_url.editable

    def pin(self) -> str:
        """``name==version`` with the name as the metadata spells it."""
        return f"{self.name}=={self.version}"


# ---------------------------------------------------------------- folder names


def is_metadata_dir_name(name: str) -> bool:
    return name.endswith(METADATA_SUFFIXES)


def canonical_from_folder(folder_name: str) -> str:
    """The canonical project name from ``name-version.dist-info`` or ``name.egg-info``.

    Folder names escape ``-`` in names as ``_`` (PEP 427, setuptools'
    ``safe_name``), so the first ``-`` separates the name from the version.
    """
    stem = folder_name
    for suffix in METADATA_SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return canonicalize_name(stem.split("-", 1)[0])


# ---------------------------------------------------------------- small readers


def read_text(path: Path) -> str:
    """A text file's content, or ``""`` when it is missing or unreadable."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _metadata_file(metadata_path: Path) -> Path:
    if metadata_path.is_file():  # a single-file PKG-INFO named ``x.egg-info``
        return metadata_path
    if metadata_path.name.endswith(".egg-info"):
        return metadata_path / "PKG-INFO"
    return metadata_path / "METADATA"


def read_headers(metadata_path: Path) -> tuple[str, str, tuple[str, ...]]:
    """``(Name, Version, Requires-Dist...)`` from METADATA / PKG-INFO (+ requires.txt)."""
    from email.parser import HeaderParser  # 6 ms to import: only when an index is built

    text = read_text(_metadata_file(metadata_path))
    msg = HeaderParser().parsestr(text)
    name = (msg.get("Name") or "").strip()
    version = (msg.get("Version") or "").strip()
    requires = tuple(r.strip() for r in (msg.get_all("Requires-Dist") or []) if r.strip())
    if not requires and metadata_path.is_dir() and metadata_path.name.endswith(".egg-info"):
        requires = tuple(egg_requires(read_text(metadata_path / "requires.txt")))
    return name, version, requires


def egg_requires(text: str) -> list[str]:
    """Convert setuptools' ``requires.txt`` sections to Requires-Dist strings.

    ``[extra]``, ``[:marker]`` and ``[extra:marker]`` headers qualify the lines
    below them, as ``importlib.metadata`` reads them.
    """
    out: list[str] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        extra, _, marker = section.partition(":")
        conditions = []
        if marker.strip():
            conditions.append(f"({marker.strip()})" if extra.strip() else marker.strip())
        if extra.strip():
            conditions.append(f'extra == "{extra.strip()}"')
        out.append(f"{line}; {' and '.join(conditions)}" if conditions else line)
    return out


def read_direct_url(metadata_path: Path) -> DirectUrl | None:
    """Parse PEP 610 ``direct_url.json``; ``None`` when absent or malformed."""
    text = read_text(metadata_path / "direct_url.json") if metadata_path.is_dir() else ""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return None
    url = data["url"]
    vcs_info = data.get("vcs_info")
    if isinstance(vcs_info, dict):
        return DirectUrl(
            url=url,
            kind="vcs",
            vcs=str(vcs_info.get("vcs") or "") or None,
            commit_id=str(vcs_info.get("commit_id") or "") or None,
            requested_revision=str(vcs_info.get("requested_revision") or "") or None,
        )
    archive_info = data.get("archive_info")
    if isinstance(archive_info, dict):
        digest = archive_info.get("hash")
        if not digest and isinstance(archive_info.get("hashes"), dict):
            hashes = archive_info["hashes"]
            algo = sorted(hashes)[0] if hashes else None
            digest = f"{algo}={hashes[algo]}" if algo else None
        return DirectUrl(url=url, kind="archive", archive_hash=digest or None)
    dir_info = data.get("dir_info")
    editable = isinstance(dir_info, dict) and dir_info.get("editable") is True
    return DirectUrl(url=url, kind="editable" if editable else "dir", editable=editable)


def local_label(version: str) -> str | None:
    """The local version label with its ``+`` (``"+cu121"``), or ``None``."""
    from packaging.version import InvalidVersion, Version

    try:
        local = Version(version).local
    except InvalidVersion:
        _, plus, rest = version.partition("+")
        return f"+{rest}" if plus and rest else None
    return f"+{local}" if local else None


# ---------------------------------------------------------------- installed files


def read_record_paths(metadata_path: Path) -> list[str]:
    """Paths listed in RECORD (posix, relative to the site dir), in file order."""
    text = read_text(metadata_path / "RECORD")
    paths: list[str] = []
    try:
        for row in csv.reader(text.splitlines()):
            if row and row[0].strip():
                paths.append(row[0].strip().replace("\\", "/"))
    except csv.Error:
        return paths
    return paths


def read_egg_installed_files(metadata_path: Path) -> list[str] | None:
    """``installed-files.txt`` made relative to the site dir, or ``None`` if absent.

    Its lines are relative to the egg-info folder (``../pkg/__init__.py``).
    """
    path = metadata_path / "installed-files.txt"
    if not path.is_file():
        return None
    out = []
    for line in read_text(path).splitlines():
        line = line.strip().replace("\\", "/")
        if not line:
            continue
        rel = _normalize(PurePosixPath(metadata_path.name) / line)
        if rel is not None:
            out.append(rel)
    return out


def _normalize(path: PurePosixPath) -> str | None:
    parts: list[str] = []
    for part in path.parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return "../"  # outside the site dir: not importable
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def read_top_level(metadata_path: Path) -> list[str]:
    """Names in ``top_level.txt`` (dots or slashes kept as written; blanks dropped)."""
    if not metadata_path.is_dir():
        return []
    text = read_text(metadata_path / "top_level.txt")
    return [line.strip().replace("\\", "/") for line in text.splitlines() if line.strip()]


def read_egg_sources(metadata_path: Path) -> list[str]:
    """``SOURCES.txt`` lines: paths relative to the project that was built."""
    if not metadata_path.is_dir():
        return []
    text = read_text(metadata_path / "SOURCES.txt")
    return [line.strip().replace("\\", "/") for line in text.splitlines() if line.strip()]


_EXT_RE = re.compile(r"^(?P<stem>[A-Za-z_][A-Za-z0-9_]*)(\.[A-Za-z0-9_\-]+)?\.(so|pyd)$")
_PY_RE = re.compile(r"^(?P<stem>[A-Za-z_][A-Za-z0-9_]*)\.(py|pyc|pyw)$")


def top_name_of_path(rel: str) -> str | None:
    """The top-level import name a site-relative file path provides, if any."""
    if rel.startswith("../") or rel.startswith("/"):
        return None
    head, sep, _rest = rel.partition("/")
    if sep:
        if head.endswith((".dist-info", ".egg-info", ".data")) or head in ("__pycache__", "bin"):
            return None
        return head if head.isidentifier() else None
    match = _PY_RE.match(head) or _EXT_RE.match(head)
    return match.group("stem") if match else None


def is_importable_path(rel: str) -> bool:
    """Whether a site-relative path is a file Python could import (not metadata)."""
    if top_name_of_path(rel) is None:
        return False
    name = rel.rsplit("/", 1)[-1]
    return bool(_PY_RE.match(name) or _EXT_RE.match(name))
