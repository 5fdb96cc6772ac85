"""Start-up: what a warm ``jobdeps analyze`` without a config must not import (issue 7).

Each of these costs milliseconds on every run: the YAML reader (10 ms, with the
config model 20 ms), requirement parsing (12 ms), libcst (290 ms), networkx.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

PROBE = """
import sys
sys.argv = ["jobdeps", "analyze", "main.py", "--format", "json"]
from jobdeps.cli.app import main
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = ("yaml", "libcst", "networkx", "packaging.requirements", "jobdeps.analyzer.jobconfig")
print("IMPORTED", sorted(m for m in heavy if m in sys.modules), code, file=sys.stderr)
"""


def _imported(project: Path, cache: Path) -> str:
    env = {**os.environ, "JOBDEPS_CACHE_DIR": str(cache)}
    res = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=project, env=env, capture_output=True, text=True
    )
    lines = [line for line in res.stderr.splitlines() if line.startswith("IMPORTED")]
    assert lines, res.stderr
    return lines[-1]


def test_warm_analyze_without_config_imports_no_heavy_module(tmp_path: Path) -> None:
    project = tmp_path / "job"
    project.mkdir()
    (project / "main.py").write_text("import os\nimport yaml\nimport helpers\n")
    (project / "helpers.py").write_text("import json\n")
    old = time.time() - 60  # older than the cache's racy window
    for name in ("main.py", "helpers.py"):
        os.utime(project / name, (old, old))
    cache = tmp_path / "cache"
    _imported(project, cache)  # cold: fills the facts cache and the environment index
    assert _imported(project, cache) == "IMPORTED [] 0"


def test_analyze_with_config_still_reads_it(tmp_path: Path) -> None:
    project = tmp_path / "job"
    project.mkdir()
    (project / "main.py").write_text('import os\n\nif __name__ == "__main__":\n    pass\n')
    (project / "config.yaml").write_text("cmd: python main.py\nenv:\n  python: auto\n")
    env = {**os.environ, "JOBDEPS_CACHE_DIR": str(tmp_path / "cache")}
    res = subprocess.run(
        [sys.executable, "-m", "jobdeps", "analyze", "--config", "config.yaml", "--format",
         "json"],
        cwd=project, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert '"main.py"' in res.stdout
