"""A small on-disk cache of which top-level names each distribution provides.

One JSON file per site dir, named by a hash of the dir and of its metadata
folders' names and mtimes: installing, removing or upgrading anything changes
the key, so a stale entry is never read. A corrupt or unreadable entry is
ignored; a failed write is silent (the cache only saves time).

``JOBDEPS_CACHE_DIR`` chooses the folder (default ``$XDG_CACHE_HOME/jobdeps``
or ``~/.cache/jobdeps``); ``JOBDEPS_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

FORMAT = 1


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when caching is disabled."""
    if os.environ.get("JOBDEPS_NO_CACHE", "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get("JOBDEPS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "jobdeps"


def cache_key(site_dir: Path, folders: Mapping[str, int]) -> str:
    """Hash of the site dir and its ``{metadata folder name: mtime_ns}``."""
    payload = json.dumps([str(site_dir), sorted(folders.items())], separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def load(key: str) -> dict[str, list[str]]:
    """``{folder name: [top-level names]}`` for ``key``; empty when absent or corrupt."""
    folder = cache_dir()
    if folder is None:
        return {}
    try:
        data = json.loads((folder / f"tops-{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    tops = data.get("tops")
    if not isinstance(tops, dict):
        return {}
    return {
        str(k): [str(n) for n in v]
        for k, v in tops.items()
        if isinstance(v, list) and all(isinstance(n, str) for n in v)
    }


def store(key: str, tops: Mapping[str, list[str]]) -> None:
    """Write the entry atomically (temp file + rename); errors are ignored."""
    folder = cache_dir()
    if folder is None:
        return
    data = {"format": FORMAT, "tops": {k: sorted(v) for k, v in sorted(tops.items())}}
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
