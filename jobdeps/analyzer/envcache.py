"""A small on-disk cache of what a site dir's metadata folders say.

For each site dir: which top-level names each distribution provides, which
distribution owns each module file asked about (so a warm run reads no RECORD),
and the headers of the distributions used (so it reads no METADATA). One JSON
file per site dir, named by a hash of the dir and of its metadata folders' names
and mtimes: installing, removing or upgrading anything changes the key (a file
added to or removed from a metadata folder, such as REQUESTED, changes its
mtime), so a stale entry is never read. A metadata file rewritten in place keeps
its folder's mtime: each folder's rows also keep the stamps of its metadata files
when they were made, and are made again when one differs. A corrupt or unreadable
entry is ignored, and so is any row of the wrong shape; a failed write is silent
(the cache only saves time).

``JOBDEPS_CACHE_DIR`` chooses the folder (default ``$XDG_CACHE_HOME/jobdeps``
or ``~/.cache/jobdeps``); ``JOBDEPS_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobdeps.analyzer import cachegc
from jobdeps.analyzer.cachedir import cache_folder

FORMAT = 3


@dataclass
class Entry:
    """One site dir's cached answers, by metadata folder name."""

    tops: dict[str, list[str]] = field(default_factory=dict)
    # module path relative to the site dir -> the folder that owns it ("" for none)
    owners: dict[str, str] = field(default_factory=dict)
    # folder -> its distribution's headers (see ``environment.Environment._load``)
    dists: dict[str, dict[str, Any]] = field(default_factory=dict)
    # folder -> the stamps of its metadata files when its rows were made (see
    # ``metadata_stamps``): an edit in place keeps the folder's mtime, not theirs
    stamps: dict[str, list[list[Any]]] = field(default_factory=dict)


#: The files of a metadata folder whose content the rows above come from.
METADATA_FILES = (
    "METADATA",
    "PKG-INFO",
    "RECORD",
    "top_level.txt",
    "installed-files.txt",
    "SOURCES.txt",
    "direct_url.json",
)


def metadata_stamps(folder: Path) -> list[list[Any]]:
    """``[name, size, mtime_ns, ctime_ns]`` of each metadata file ``folder`` holds (of
    ``folder`` itself, named ``"."``, when it is a file: an ``.egg-info`` file).

    A file added or removed changes the folder's mtime, which keys the entry; these
    catch a file rewritten in place, which does not."""
    stamps: list[list[Any]] = []
    try:
        st = os.stat(folder)
    except OSError:
        return stamps
    if not stat.S_ISDIR(st.st_mode):
        return [[".", st.st_size, st.st_mtime_ns, st.st_ctime_ns]]
    for name in METADATA_FILES:
        try:
            st = os.stat(folder / name)
        except OSError:
            continue
        stamps.append([name, st.st_size, st.st_mtime_ns, st.st_ctime_ns])
    return stamps


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when caching is disabled."""
    folder = cache_folder()
    return Path(folder) if folder is not None else None


def cache_key(site_dir: Path, folders: Mapping[str, int]) -> str:
    """Hash of the site dir and its ``{metadata folder name: mtime_ns}``."""
    payload = json.dumps([str(site_dir), sorted(folders.items())], separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def load(key: str) -> Entry:
    """The entry for ``key``; empty when absent or corrupt (rows of the wrong shape
    are dropped one by one)."""
    folder = cache_dir()
    if folder is None:
        return Entry()
    path = folder / f"tops-{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Entry()
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return Entry()
    cachegc.touch_if_stale(path)  # in use (see jobdeps.analyzer.cachegc)
    tops, owners, dists, stamps = (
        data.get(name) for name in ("tops", "owners", "dists", "stamps")
    )
    return Entry(
        tops={
            str(k): [str(n) for n in v]
            for k, v in (tops if isinstance(tops, dict) else {}).items()
            if isinstance(v, list) and all(isinstance(n, str) for n in v)
        },
        owners={
            str(k): v
            for k, v in (owners if isinstance(owners, dict) else {}).items()
            if isinstance(v, str)
        },
        dists={
            str(k): v
            for k, v in (dists if isinstance(dists, dict) else {}).items()
            if isinstance(v, dict)
        },
        stamps={
            str(k): v
            for k, v in (stamps if isinstance(stamps, dict) else {}).items()
            if isinstance(v, list) and all(isinstance(row, list) for row in v)
        },
    )


def store(key: str, entry: Entry) -> None:
    """Write the entry atomically (temp file + rename); errors are ignored."""
    folder = cache_dir()
    if folder is None:
        return
    data = {
        "format": FORMAT,
        "tops": {k: sorted(v) for k, v in sorted(entry.tops.items())},
        "owners": dict(sorted(entry.owners.items())),
        "dists": dict(sorted(entry.dists.items())),
        "stamps": dict(sorted(entry.stamps.items())),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tops-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, sort_keys=True)
            os.replace(tmp, folder / f"tops-{key}.json")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
