"""The on-disk facts cache: round trips, damaged entries, and the stat shortcut."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from jobdeps.analyzer.extract import extract_facts
from jobdeps.analyzer.factcache import (
    RACY_NS,
    FactCache,
    content_key,
    decode_facts,
    default_cache_dir,
    encode_facts,
)

SOURCE = (
    "import os, sys\n"
    "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n"
    "sys.path.insert(0, os.path.dirname(__file__))\n"
    "CONF = 'conf/app.yaml'\n"
    "match x:\n    case _:\n        pass\n"
    "if __name__ == '__main__':\n    import cli  # jobdeps: ignore[JD101]\n"
)


def test_encode_decode_round_trip() -> None:
    facts = extract_facts(SOURCE)
    assert facts.imports and facts.syspath and facts.path_literals and facts.features
    assert decode_facts(encode_facts(facts)) == facts


def test_syntax_error_round_trips() -> None:
    facts = extract_facts("def f(:\n")
    assert facts.syntax_error is not None
    assert decode_facts(encode_facts(facts)) == facts


def test_damaged_blob_is_a_miss() -> None:
    blob = bytearray(encode_facts(extract_facts(SOURCE)))
    blob[-3] ^= 0xFF
    assert decode_facts(bytes(blob)) is None
    assert decode_facts(b"") is None
    assert decode_facts(b"\0" * 8 + b"garbage") is None


def test_put_get_across_instances(tmp_path: Path) -> None:
    facts = extract_facts(SOURCE)
    key = content_key(SOURCE.encode())
    cache = FactCache(tmp_path)
    cache.put(key, facts)
    assert cache.get(key) == facts  # pending, before any flush
    cache.close()
    again = FactCache(tmp_path)
    assert again.get(key) == facts
    assert again.get(content_key(b"other")) is None
    again.close()


def test_stat_entry_trusted_only_when_not_racy(tmp_path: Path) -> None:
    cache = FactCache(tmp_path)
    key = content_key(b"x")
    cache.remember("/p/a.py", 10, 1_000, key)  # recorded long after the mtime
    now = time.time_ns()
    cache.remember("/p/b.py", 10, now, key)  # mtime "now": may change again unseen
    cache.close()
    again = FactCache(tmp_path)
    assert again.known_key("/p/a.py", 10, 1_000) == key
    assert again.known_key("/p/a.py", 11, 1_000) is None  # size changed
    assert again.known_key("/p/a.py", 10, 1_000 + RACY_NS) is None  # mtime changed
    assert again.known_key("/p/b.py", 10, now) is None
    assert again.known_key("/p/c.py", 10, 1_000) is None


def test_damaged_file_row_is_a_miss_not_a_crash(tmp_path: Path) -> None:
    """A NULL in a `files` row once raised TypeError on every later run."""
    import sqlite3

    cache = FactCache(tmp_path)
    key = content_key(b"x")
    cache.remember("/p/a.py", 10, 1_000, key)
    cache.remember("/p/b.py", 10, 1_000, key)
    cache.close()
    db = sqlite3.connect(str(cache.db_path))
    db.execute("UPDATE files SET recorded_ns = NULL WHERE path = '/p/a.py'")
    db.execute("UPDATE files SET key = 'text' WHERE path = '/p/b.py'")
    db.commit()
    db.close()
    again = FactCache(tmp_path)
    assert again.known_key("/p/a.py", 10, 1_000) is None
    assert again.known_key("/p/b.py", 10, 1_000) is None
    again.close()


def test_corrupt_entry_in_database_is_ignored(tmp_path: Path) -> None:
    cache = FactCache(tmp_path)
    key = content_key(SOURCE.encode())
    cache.put(key, extract_facts(SOURCE))
    cache.close()
    db = sqlite3.connect(cache.db_path)
    db.execute("UPDATE facts SET data = ?", (b"\x00\x01broken",))
    db.commit()
    db.close()
    assert FactCache(tmp_path).get(key) is None


def test_corrupt_database_file_turns_cache_off(tmp_path: Path) -> None:
    cache = FactCache(tmp_path)
    cache.db_path.write_bytes(b"this is not a database" * 100)
    key = content_key(b"x")
    assert cache.get(key) is None
    cache.put(key, extract_facts("import os\n"))
    cache.close()  # no exception: the cache only saves time
    assert cache.get(key) is None


def test_unwritable_folder_is_silent(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = FactCache(blocker / "cache")
    cache.put(content_key(b"x"), extract_facts("import os\n"))
    cache.close()
    assert cache.get(content_key(b"x")) is None


def test_default_dir_follows_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("JOBDEPS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "jobdeps"
    monkeypatch.setenv("JOBDEPS_NO_CACHE", "1")
    assert default_cache_dir() is None


def test_every_fact_type_has_a_row_reader() -> None:
    # rows are read with attrgetter of several names, which gives a tuple; a fact
    # type of one field would give the bare value and be encoded wrongly
    from jobdeps.analyzer import factcache

    assert set(factcache._ROW) == set(factcache._FIELDS)


def test_the_cache_key_covers_every_module_the_facts_depend_on() -> None:
    """Facts are cached by content and by a hash of the extractor's own source. A
    module the extractor imports but the hash leaves out (``codetext.py``, split out
    of the scanner) could change the facts while cached ones were still trusted."""
    import ast

    from jobdeps.analyzer import factcache

    folder = Path(factcache.__file__).parent
    # the reader turns a file's bytes into text (sources) and the text into facts
    todo, seen = ["fastpath.py", "sources.py"], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):  # ``from jobdeps.analyzer[.x] import y``, ``import ...``
            if isinstance(node, ast.ImportFrom) and node.module == "jobdeps.analyzer":
                dotted = [f"jobdeps.analyzer.{a.name}" for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                dotted = [node.module or ""]
            elif isinstance(node, ast.Import):
                dotted = [a.name for a in node.names]
            else:
                continue
            for name in dotted:
                parts = name.split(".")
                if parts[:2] == ["jobdeps", "analyzer"] and len(parts) > 2:
                    todo.append(parts[2] + ".py")
    assert seen <= set(factcache._EXTRACTOR_MODULES)
