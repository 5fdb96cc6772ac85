"""The speed benchmark still runs end to end (a smoke test: no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_script_runs_on_a_small_generated_project() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_speed.py"),
         "--sizes", "30", "--trees", "", "--no-pipreqs"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    report = json.loads(result.stdout[result.stdout.index("{") :])
    (row,) = report["rows"]
    assert row["project"] == "generated-30"
    assert row["files"] == 32  # main.py, the package's __init__.py and its 30 modules
    assert "differs" not in result.stderr
    keys = ("cold", "warm", "touched", "ast", "ast_parse", "cold_analysis", "cold_analysis_1cpu")
    for key in keys:
        assert row[key] > 0
    assert report["warm_imports"] == ["IMPORTED ['ast']"]  # no libcst, no networkx
