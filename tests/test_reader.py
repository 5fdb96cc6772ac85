"""FactsReader: the contract the walk relies on, the cache, and the pool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobdeps.analyzer import pool
from jobdeps.analyzer.extract import extract_facts
from jobdeps.analyzer.reader import FactsReader, ReadResult

SOURCE = "import os\nimport yaml\nCONF = 'conf/a.yaml'\nif __name__ == '__main__':\n    main()\n"


def _age(path: Path, seconds: int = 10) -> None:
    """Move a file's mtime back (its ctime, which no call can set, stays now)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 10**9))


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache records its rows 10 s after now, as a run long after the files were
    written would: their stat entries are trusted (the racy window has its own test)."""
    from types import SimpleNamespace

    from jobdeps.analyzer import factcache

    monkeypatch.setattr(factcache, "time", SimpleNamespace(time_ns=lambda: time.time_ns() + 10**10))


def test_read_gives_reference_facts_and_source(tmp_path: Path) -> None:
    path = tmp_path / "job.py"
    path.write_text(SOURCE)
    with FactsReader(cache=False) as reader:
        result = reader.read(path)
        assert result.facts == extract_facts(SOURCE)
        assert result.problem is None
        assert result.source == SOURCE
        assert reader.read(path) is result  # memoised


def test_problems_are_results_not_exceptions(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * 100)
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"x = '\xff'\n")
    with FactsReader(max_bytes=100, cache=False) as reader:
        assert reader.read(big).problem.kind == "too-large"
        assert reader.read(bad).problem.kind == "undecodable"
        assert reader.read(tmp_path / "missing.py").problem.kind == "unreadable"


def test_warm_run_hits_by_stat_and_reads_source_lazily(tmp_path: Path, later: None) -> None:
    path = tmp_path / "job.py"
    path.write_text(SOURCE)
    _age(path)
    cache_dir = tmp_path / "cache"
    with FactsReader(cache_dir=cache_dir) as cold:
        expected = cold.read(path)
        assert cold.stats["parsed"] == 1
    with FactsReader(cache_dir=cache_dir) as warm:
        result = warm.read(path)
        assert warm.stats == {**warm.stats, "parsed": 0, "stat-hits": 1}
        assert result.facts == expected.facts
        assert result.source == SOURCE  # read on demand


def test_changed_file_is_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "job.py"
    path.write_text(SOURCE)
    _age(path, 20)
    cache_dir = tmp_path / "cache"
    with FactsReader(cache_dir=cache_dir) as cold:
        cold.read(path)
    path.write_text(SOURCE + "import requests\n")
    _age(path)
    with FactsReader(cache_dir=cache_dir) as warm:
        result = warm.read(path)
        assert warm.stats["parsed"] == 1
        assert "requests" in [i.module for i in result.facts.imports]


def test_edit_that_keeps_size_and_mtime_is_seen(tmp_path: Path, later: None) -> None:
    """`touch -d`, `cp -p` and `rsync -t` put an mtime back; with the size kept, the
    edit once went unseen and the old facts were used."""
    path = tmp_path / "job.py"
    path.write_text("import json\n")
    cache_dir = tmp_path / "cache"
    with FactsReader(cache_dir=cache_dir) as cold:
        assert [i.module for i in cold.read(path).facts.imports] == ["json"]
    before = path.stat()
    path.write_text("import yaml\n")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    with FactsReader(cache_dir=cache_dir) as warm:
        assert [i.module for i in warm.read(path).facts.imports] == ["yaml"]
        assert warm.stats["stat-hits"] == 0


def test_same_content_elsewhere_hits_by_content(tmp_path: Path) -> None:
    first, second = tmp_path / "a.py", tmp_path / "b.py"
    first.write_text(SOURCE)
    second.write_text(SOURCE)
    cache_dir = tmp_path / "cache"
    with FactsReader(cache_dir=cache_dir) as reader:
        reader.read(first)
        reader.read(second)
        assert reader.stats["parsed"] == 1
        assert reader.stats["content-hits"] == 1


def test_cache_dir_comes_from_environment_at_construction(monkeypatch, tmp_path: Path) -> None:
    path = tmp_path / "job.py"
    path.write_text(SOURCE)
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path / "envcache"))
    with FactsReader() as reader:
        reader.read(path)
    assert list((tmp_path / "envcache").glob("facts-*.sqlite"))


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_cache_can_be_turned_off(monkeypatch, tmp_path: Path, how: str) -> None:
    path = tmp_path / "job.py"
    path.write_text(SOURCE)
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path / "off"))
    if how == "environment":
        monkeypatch.setenv("JOBDEPS_NO_CACHE", "1")
    with FactsReader(cache=how != "argument") as reader:
        assert reader.cache is None
        reader.read(path)
    assert not (tmp_path / "off").exists()


def test_notebook_code_and_cache(tmp_path: Path) -> None:
    notebook = {
        "cells": [
            {"cell_type": "code", "source": ["%pip install torch\n", "import torch\n"]},
            {"cell_type": "markdown", "source": "import nothing"},
            {"cell_type": "code", "source": "from pathlib import Path\n"},
        ]
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook))
    cache_dir = tmp_path / "cache"
    with FactsReader(cache_dir=cache_dir) as reader:
        first = reader.read(path)
    with FactsReader(cache_dir=cache_dir) as reader:
        second = reader.read(path)
        assert reader.stats["parsed"] == 0
    assert first.notebook is not None and first.notebook.pip_installs
    assert first.facts == second.facts == extract_facts(first.notebook.text)
    assert [i.module for i in second.facts.imports] == ["torch", "pathlib"]


def test_prefetch_is_harmless_when_small_or_ignored(tmp_path: Path) -> None:
    path = tmp_path / "job.py"
    path.write_text(SOURCE)
    with FactsReader(cache=False) as reader:
        reader.prefetch([path, tmp_path / "missing.py"])
        assert reader._pool is None  # too little work for a pool
        assert reader.read(path).facts == extract_facts(SOURCE)


def _modules(folder: Path, count: int) -> list[Path]:
    """``count`` small modules, each importing a module of its own."""
    paths = []
    for i in range(count):
        path = folder / f"m{i}.py"
        path.write_text(SOURCE + f"import mod{i}\n")
        paths.append(path)
    return paths


@pytest.fixture(params=["fork", "spawn"])
def start(request, monkeypatch) -> str:
    """Each pool test with forked workers and with spawned ones (as on macOS, or in a
    process with threads)."""
    monkeypatch.setattr(pool, "MIN_POOL_BYTES", 0)
    monkeypatch.setattr(pool, "MIN_SPAWN_POOL_BYTES", 0)
    if request.param == "fork" and not pool.can_fork():
        pytest.skip("no fork here")
    if request.param == "spawn":
        if not pool.can_spawn():
            pytest.skip("no spawned workers here")
        monkeypatch.setattr(pool, "can_fork", lambda: False)
    return request.param


def test_pool_parses_the_same_facts(start: str, tmp_path: Path) -> None:
    paths = _modules(tmp_path, 12)
    (tmp_path / "bad.py").write_bytes(b"\xff\xfe\x00garbage")
    paths.append(tmp_path / "bad.py")
    cache_dir = tmp_path / "cache"
    with FactsReader(cache_dir=cache_dir, jobs=2) as reader:
        reader.prefetch(paths)
        assert reader._pool is not None
        assert reader._pool.method == start
        claims = reader._pool.claims
        deadline = time.monotonic() + 30
        while claims[5] == 0 and time.monotonic() < deadline:  # let the worker start
            time.sleep(0.01)
        results = [reader.read(p) for p in paths]
        # a file no worker has started when it is needed is parsed in the parent instead
        assert reader.stats["pooled"] >= 1
        assert reader.stats["pooled"] + reader.stats["parsed"] == 12
    for path, result in zip(paths[:-1], results, strict=False):
        assert result.facts == extract_facts(path.read_text())
        assert result.source == path.read_text()
    assert results[-1].problem is not None
    with FactsReader(cache_dir=cache_dir, jobs=2) as warm:  # the pool filled the cache
        for path in paths[:-1]:
            warm.read(path)
        assert warm.stats["parsed"] == 0


def test_jobs_one_never_starts_a_pool(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pool, "MIN_POOL_BYTES", 0)
    paths = [tmp_path / f"m{i}.py" for i in range(3)]
    for path in paths:
        path.write_text(SOURCE)
    with FactsReader(cache=False, jobs=1) as reader:
        reader.prefetch(paths)
        assert reader._pool is None


def test_read_result_keeps_positional_construction() -> None:
    facts = extract_facts("import os\n")
    result = ReadResult(facts, None, "import os\n")
    assert result.source == "import os\n"
    assert result == ReadResult(facts, None, "import os\n")


def test_warm_read_imports_no_parser(tmp_path: Path) -> None:
    path = tmp_path / "job.py"
    path.write_text(SOURCE)
    _age(path)
    cache_dir = tmp_path / "cache"
    with FactsReader(cache_dir=cache_dir) as reader:
        reader.read(path)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from jobdeps.analyzer.reader import FactsReader\n"
        f"r = FactsReader(cache_dir=Path({str(cache_dir)!r}))\n"
        f"assert r.read(Path({str(path)!r})).facts.imports\n"
        "print(sorted(m for m in ('libcst', 'networkx', 'ast') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert "libcst" not in out and "networkx" not in out


def test_pool_survives_a_dead_worker(start: str, tmp_path: Path) -> None:
    paths = _modules(tmp_path, 6)
    with FactsReader(cache=False, jobs=2) as reader:
        reader.prefetch(paths)
        assert reader._pool is not None
        for worker in reader._pool.workers:
            worker.process.kill()
            worker.process.join(timeout=10)
        results = [reader.read(p) for p in paths]  # read here, whatever the worker did
    for path, result in zip(paths, results, strict=True):
        assert result.facts == extract_facts(path.read_text())


def test_no_worker_can_start_parses_serially(monkeypatch, tmp_path: Path) -> None:
    """A process limit or a sandbox refusing new processes: no crash, no pool."""
    import subprocess

    if not pool.can_spawn():
        pytest.skip("no spawned workers here")
    monkeypatch.setattr(pool, "MIN_SPAWN_POOL_BYTES", 0)
    monkeypatch.setattr(pool, "can_fork", lambda: False)

    def refuse(*args, **kwargs):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    paths = _modules(tmp_path, 4)
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    with FactsReader(cache=False, jobs=2) as reader:
        reader.prefetch(paths)
        assert reader._pool is None
        assert not reader.takes_hints()
        results = [reader.read(p) for p in paths]
    assert [r.facts for r in results] == [extract_facts(p.read_text()) for p in paths]
    if before is not None:  # the pipes and the claim table were closed again
        assert len(os.listdir("/proc/self/fd")) == before


def test_reader_takes_no_hints_on_one_cpu() -> None:
    assert not FactsReader(cache=False, jobs=1).takes_hints()
    assert FactsReader(cache=False, jobs=2).takes_hints() == (pool.start_method() is not None)


def test_a_warm_run_stops_resolving_ahead(monkeypatch, tmp_path: Path, later: None) -> None:
    from jobdeps.analyzer import reader as reader_module

    monkeypatch.setattr(reader_module, "WARM_HINTS", 3)
    paths = _modules(tmp_path, 4)
    for path in paths:
        _age(path)
    cache_dir = tmp_path / "cache"
    with FactsReader(cache_dir=cache_dir, jobs=1) as cold:
        for path in paths:
            cold.read(path)
    with FactsReader(cache_dir=cache_dir, jobs=2) as warm:
        if not warm.takes_hints():
            pytest.skip("no fork here: the reader never takes hints")
        warm.prefetch(paths[:2])
        assert warm.takes_hints()  # two cached files say little yet
        warm.prefetch(paths[2:])
        assert not warm.takes_hints()  # four, all cached: a warm run
        assert [warm.read(p).facts for p in paths] == [
            extract_facts(SOURCE + f"import mod{i}\n") for i in range(4)
        ]


def test_no_fork_while_another_thread_runs(monkeypatch, tmp_path: Path) -> None:
    import threading

    monkeypatch.setattr(pool, "MIN_POOL_BYTES", 0)
    monkeypatch.setattr(pool, "MIN_SPAWN_POOL_BYTES", 0)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not pool.can_fork()  # forking now could deadlock the child
        paths = _modules(tmp_path, 3)
        with FactsReader(cache=False, jobs=2) as reader:
            assert reader.takes_hints() == pool.can_spawn()
            reader.prefetch(paths)
            if pool.can_spawn():  # a notebook kernel, say: fresh interpreters instead
                assert reader._pool is not None and reader._pool.method == "spawn"
            results = [reader.read(p) for p in paths]
        assert [r.facts for r in results] == [extract_facts(p.read_text()) for p in paths]
    finally:
        stop.set()
        thread.join()


def test_spawned_workers_never_import_the_callers_main(tmp_path: Path) -> None:
    """multiprocessing's ``spawn`` would import the caller's script again in each
    worker, and run it if it has no main guard; ours import jobdeps only."""
    if not pool.can_spawn():
        pytest.skip("no spawned workers here")
    project = tmp_path / "project"
    project.mkdir()
    _modules(project, 6)
    marker = tmp_path / "ran-again"
    script = tmp_path / "driver.py"
    script.write_text(
        "import sys, threading\n"
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).open('a').write('x')\n"
        "stop = threading.Event()\n"
        "threading.Thread(target=stop.wait, daemon=True).start()  # no fork: spawn\n"
        "from jobdeps.analyzer import pool\n"
        "from jobdeps.analyzer.reader import FactsReader\n"
        "pool.MIN_SPAWN_POOL_BYTES = 0\n"
        f"paths = sorted(Path({str(project)!r}).glob('*.py'))\n"
        "with FactsReader(cache=False, jobs=2) as reader:\n"
        "    reader.prefetch(paths)\n"
        "    assert reader._pool is not None and reader._pool.method == 'spawn'\n"
        "    print(len([reader.read(p) for p in paths]), reader.stats['pooled'] >= 0)\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=project, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["6", "True"]
    assert marker.read_text() == "x"  # the driver ran once, in its own process only


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_end_when_the_parent_is_killed(tmp_path: Path, method: str) -> None:
    """A forked worker held the write end of its own task pipe: after `kill -9` of
    jobdeps it never saw the pipe end and waited in recv() forever, an orphan."""
    import signal

    if method == "fork" and not pool.can_fork():
        pytest.skip("no fork here")
    if method == "spawn" and not pool.can_spawn():
        pytest.skip("no spawned workers here")
    script = (
        "import sys, time\n"
        "from jobdeps.analyzer import pool\n"
        f"pool.can_fork = (lambda: True) if {method == 'fork'!r} else (lambda: False)\n"
        "p = pool.ParsePool(1 << 20, 3, lambda *a: None)\n"
        "print(' '.join(str(w.process.pid) for w in p.workers), flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert parent.stdout is not None
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 2
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in pids if _running(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert alive == []


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie is reaped by init, soon or not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True


def test_a_parsed_file_keeps_no_text_until_a_rule_asks(tmp_path: Path) -> None:
    # the walk keeps every result to its end: the text of each cold file held there
    # was a third of sympy's 28 MB; it is read again for the few rules that need it
    path = tmp_path / "mod.py"
    path.write_text("import os\nX = 'é'\n", encoding="utf-8")
    reader = FactsReader(cache=False)
    result = reader.read(path)
    assert result.facts == extract_facts("import os\nX = 'é'\n")
    assert result._source is None
    assert result.source == "import os\nX = 'é'\n"
