"""Old cache files go after a month unused; files in use, and other files, stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

from jobdeps.analyzer import cachegc
from jobdeps.analyzer.reader import FactsReader

MONTH_AGO = time.time() - 40 * 86400


def _aged(path: Path, text: str = "") -> Path:
    path.write_text(text)
    os.utime(path, (MONTH_AGO, MONTH_AGO))
    return path


def test_prune_removes_only_old_files_of_ours(tmp_path: Path) -> None:
    old_db = _aged(tmp_path / "facts-0.0.9-f1-abc-py311.sqlite")
    old_wal = _aged(tmp_path / "facts-0.0.9-f1-abc-py311.sqlite-wal")
    old_tops = _aged(tmp_path / "tops-0123.json")
    old_run = _aged(tmp_path / "run-0123.bin")
    orphan_shm = _aged(tmp_path / "facts-gone-py311.sqlite-shm")
    fresh_tops = tmp_path / "tops-4567.json"
    fresh_tops.write_text("{}")
    fresh_run = tmp_path / "run-4567.bin"
    fresh_run.write_text("")
    fresh_db = tmp_path / "facts-0.1.0-f1-def-py311.sqlite"
    fresh_db.write_text("")
    old_wal_of_fresh_db = _aged(tmp_path / "facts-0.1.0-f1-def-py311.sqlite-wal")
    not_ours = _aged(tmp_path / "notes.txt")
    removed = cachegc.prune(tmp_path)
    assert sorted(removed) == sorted(
        [old_db.name, old_wal.name, old_tops.name, old_run.name, orphan_shm.name]
    )
    # a database in use keeps its write-ahead log, however old; other files stay
    assert fresh_tops.exists() and fresh_db.exists() and old_wal_of_fresh_db.exists()
    assert fresh_run.exists()
    assert not_ours.exists()
    # once a day at most
    _aged(tmp_path / "tops-89ab.json")
    assert cachegc.prune(tmp_path) == []
    assert cachegc.prune(tmp_path, now=time.time() + 2 * 86400) == ["tops-89ab.json"]


def test_a_run_keeps_the_files_it_uses(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    source = tmp_path / "job.py"
    source.write_text("import os\n")
    with FactsReader(cache_dir=cache) as reader:
        reader.read(source)
    [db] = cache.glob("facts-*.sqlite")
    os.utime(db, (MONTH_AGO, MONTH_AGO))  # used a month ago, and again now
    old_version = _aged(cache / "facts-0.0.1-f1-old-py311.sqlite")
    (cache / cachegc.STAMP).unlink(missing_ok=True)
    with FactsReader(cache_dir=cache) as reader:
        reader.read(source)
    assert db.exists() and db.stat().st_mtime > time.time() - 3600
    assert not old_version.exists()


def test_errors_are_ignored(tmp_path: Path) -> None:
    assert cachegc.prune(tmp_path / "missing") == []
    cachegc.touch_if_stale(tmp_path / "missing.json")


def test_an_environment_index_read_is_a_use(tmp_path: Path, monkeypatch) -> None:
    from jobdeps.analyzer import envcache

    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path))
    envcache.store("k1", envcache.Entry(tops={"six-1.16.0.dist-info": ["six"]}))
    path = tmp_path / "tops-k1.json"
    os.utime(path, (MONTH_AGO, MONTH_AGO))
    assert envcache.load("k1").tops == {"six-1.16.0.dist-info": ["six"]}
    assert path.stat().st_mtime > time.time() - 3600
