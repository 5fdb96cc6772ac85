"""Speed benchmark for jobdeps (issue 7): cold, warm, ast, pipreqs, deptry.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_speed.py [--sizes 100,1000,5000]
        [--trees rich,networkx,sympy] [--deptry /tmp/benchvenv/bin/deptry] [--repeat 1]

For each project it times, as separate processes, wall clock, median of
``--repeat`` runs:

- ``cold``: ``jobdeps analyze`` with an empty facts cache (``JOBDEPS_CACHE_DIR``
  pointing at a fresh folder; the environment index is warm, measured apart);
- ``warm``: the same again, unchanged files (a replay: ``jobdeps.cli.replay``);
- ``touched``: the same after touching the entry file: no replay, every other
  file's facts from the cache (what an edit-and-rerun costs);
- ``ast``: reading and ``ast.parse`` of exactly the files jobdeps reached, in one process;
- ``pipreqs``: ``pipreqs --print --use-local --mode no-pin`` on the project folder
  (it parses every file of the folder with ``ast``), each run right after a cold one,
  and ``cold/pipreqs`` the median of the ratios of those pairs;
- ``deptry``: when ``--deptry`` points at an installed deptry (Rust parser), on the folder.

and prints ``cold/ast`` (target <= 1.0), ``cold/warm`` (target >= 20), and the
peak RSS of each (the largest process of the run, pool workers included).

It also times the analysis alone, cold, inside its process (``analyze()`` after the
imports, with the pool and on one CPU), against the ``ast.parse`` loop's own
in-process time: the same comparison without either program's start-up, which
is measured on its own (``warm_tiny_run``).
Generated projects are written under a temporary folder; an installed package
tree is copied there as a project's local package, with a ``main.py`` that imports
every module of it (lazily, inside a function: jobdeps still follows them).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The environment this script runs in: its jobdeps, pipreqs and site-packages.
VENV_BIN = Path(sys.executable).parent
SYSTEM_SITE = Path("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages")

AST_SCRIPT = """
import ast, sys, time
files = [l for l in open(sys.argv[1]).read().split("\\n") if l]
t = time.perf_counter()
for f in files:
    with open(f, "rb") as fh:
        ast.parse(fh.read())
print(time.perf_counter() - t)
"""

# The analysis alone, cold, timed inside the process like AST_SCRIPT (start-up excluded):
# what the cold/ast target compares when start-up is measured on its own.
INPROCESS_SCRIPT = """
import sys, time
from pathlib import Path
from jobdeps.analyzer.analysis import AnalysisOptions, analyze
from jobdeps.analyzer.entries import EntrySpec
root, entry, jobs = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
options = AnalysisOptions(root=root, jobs=None if jobs == "auto" else int(jobs))
t = time.perf_counter()
analyze([EntrySpec(kind="script", target=entry)], options)
print(time.perf_counter() - t)
"""

MODULE_TEMPLATE = '''"""Module {i} of a generated project: helpers for stage {i}."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
{imports}
try:
    import ujson as fastjson
except ImportError:  # pragma: no cover
    fastjson = None

logger = logging.getLogger(__name__)
CONFIG = "configs/stage_{i}.yaml"


class Stage{i}:
    """A stage: loads its config and transforms records.

    Example:
        >>> import os
        >>> Stage{i}().run([{{"a": 1}}])
    """

    def __init__(self, scale: float = {i}.5) -> None:
        self.scale = scale
        self.cache: dict[str, float] = {{}}

    def run(self, records: list[dict]) -> list[dict]:
        out = []
        for record in records:
            value = sum(float(v) for v in record.values()) * self.scale
            if value > 10:
                logger.debug("big value %s in %s", value, record)
            out.append({{"value": value, "stage": {i}}})
        return out

    def describe(self) -> str:
        return f"stage {i} with scale {{self.scale:.2f}}"


def helper_{i}(x: int, y: int = 2) -> int:
    """Add and scale; a little arithmetic to parse."""
    total = 0
    for k in range(x):
        total += (k * y) % 7
        if total > 100:
            total -= 50
        elif total < -100:
            total += 50
    return total


def load_{i}(path: str | None = None) -> dict:
    path = path or os.path.join(os.path.dirname(__file__), "data.json")
    if not os.path.exists(path):
        return {{}}
    with open(path) as fh:
        return json.load(fh)


def lazy_{i}():
    import csv

    return csv.reader([])
'''


def generate(folder: Path, count: int) -> Path:
    """A package of ``count`` modules in a binary tree of imports, plus main.py."""
    pkg = folder / "app"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Generated app."""\n')
    third_party = ["yaml", "requests", "rich", "packaging", "networkx"]
    for i in range(count):
        children = [c for c in (2 * i + 1, 2 * i + 2) if c < count]
        imports = [f"from app import mod_{c}" for c in children]
        imports.append(f"import {third_party[i % len(third_party)]}")
        text = MODULE_TEMPLATE.format(i=i, imports="\n".join(imports))
        (pkg / f"mod_{i}.py").write_text(text)
    (folder / "main.py").write_text(
        "import sys\nfrom app import mod_0\n\nif __name__ == '__main__':\n"
        "    print(mod_0.helper_0(3))\n"
    )
    return folder / "main.py"


def copy_tree(package: Path, folder: Path) -> Path:
    """An installed package copied as a project's local package, with a main.py that
    imports every one of its modules (a whole-tree analysis, like pipreqs and deptry)."""
    shutil.copytree(package, folder / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    modules = []
    for path in sorted((folder / package.name).rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if all(p.isidentifier() for p in parts):
            modules.append(".".join(parts))
    lines = [f"    import {m}" for m in modules]
    (folder / "main.py").write_text("def load_all():\n" + "\n".join(lines) + "\n")
    return folder / "main.py"


#: GNU time, when installed: see ``timed``
GNU_TIME = "/usr/bin/time"
_RSS_MARK = "JOBDEPS-BENCH-MAXRSS"


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB, largest process of the tree) and stdout.

    A child's ``ru_maxrss`` starts at its parent's peak: the kernel records the
    address space it had before ``exec`` (this script's, tens of MiB once it has read
    sympy's report). So where GNU time is installed it starts each command from its
    own small process and reports the command's peak; otherwise the figure is the
    child's ``ru_maxrss`` (``wait4``), which is then at least this script's.
    """
    via_time = os.path.exists(GNU_TIME)
    if via_time:
        cmd = [GNU_TIME, "-f", f"{_RSS_MARK} %M", *cmd]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    # the waited child's ru_maxrss covers it and the descendants it waited for
    peak = _child_peak(proc.pid)
    if via_time:
        lines = err.decode("utf-8", "replace").splitlines()
        marks = [line for line in lines if line.startswith(_RSS_MARK)]
        if marks:
            peak = int(marks[-1].split()[1])
            err = "\n".join(line for line in lines if not line.startswith(_RSS_MARK)).encode()
    if proc.returncode not in (0, 1):
        sys.stderr.write(f"! {' '.join(cmd[:3])}... exited {proc.returncode}: {err[-500:]!r}\n")
    return wall, peak, out.decode("utf-8", "replace")


_peaks: dict[int, int] = {}


def _child_peak(pid: int) -> int:
    return _peaks.get(pid, 0)


def _install_wait4_hook() -> None:
    """Record each child's peak RSS (``os.wait4``) where subprocess reaps it."""
    original = os.waitpid

    def waitpid(pid: int, options: int) -> tuple[int, int]:
        if pid > 0:
            reaped, status, usage = os.wait4(pid, options)
            if reaped:
                _peaks[reaped] = usage.ru_maxrss
            return reaped, status
        return original(pid, options)

    os.waitpid = waitpid  # type: ignore[assignment]


def median_run(cmd, env, cwd, repeat, before=None) -> tuple[float, int, str]:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(timed(cmd, env, cwd))
    walls = [r[0] for r in runs]
    return statistics.median(walls), max(r[1] for r in runs), runs[-1][2]


def bench_project(name: str, root: Path, entry: Path, args: argparse.Namespace) -> dict:
    cache = Path(tempfile.mkdtemp(prefix="jobdeps-bench-cache-"))
    env = {**os.environ, "JOBDEPS_CACHE_DIR": str(cache)}
    env.pop("JOBDEPS_NO_CACHE", None)
    cmd = [
        str(VENV_BIN / "jobdeps"),
        "analyze",
        str(entry),
        "--root",
        str(root),
        "--format",
        "json",
    ]

    def clear_facts() -> None:
        for db in [*cache.glob("facts-*"), *cache.glob("run-*")]:
            db.unlink()

    def touch_entry() -> None:
        os.utime(entry)  # one file changed: no replay, every other file's facts cached

    # the environment index is warmed first: it is measured on its own
    subprocess.run(cmd, env=env, cwd=root, capture_output=True)
    pip_cmd = None if args.no_pipreqs else [
        str(VENV_BIN / "pipreqs"), "--print", "--use-local", "--mode", "no-pin", str(root),
    ]  # fmt: skip
    # Cold runs alternate with pipreqs runs: on a shared machine the load drifts over
    # minutes, and the "faster than pipreqs" target is a few percent either way.
    colds, pips = [], []
    for _ in range(args.repeat):
        clear_facts()
        colds.append(timed(cmd, env, root))
        if pip_cmd is not None:
            pips.append(timed(pip_cmd, env, root))
    cold = statistics.median(run[0] for run in colds)
    cold_rss, out = max(run[1] for run in colds), colds[-1][2]
    touched, touched_rss, _ = median_run(cmd, env, root, args.repeat, touch_entry)
    # the run after the last touch is outside the racy window: recorded, then replayed
    time.sleep(2.1)
    subprocess.run(cmd, env=env, cwd=root, capture_output=True)
    warm, warm_rss, warm_out = median_run(cmd, env, root, args.repeat)
    if warm_out != out:
        sys.stderr.write(f"! {name}: the warm output differs from the cold one\n")
    try:
        reached = [str(root / f) for f in json.loads(out)["local_files"]]
    except (ValueError, KeyError):
        reached = []
    reached = [f for f in reached if f.endswith(".py")]
    size = sum(Path(f).stat().st_size for f in reached)
    listing = cache / "reached.txt"
    listing.write_text("\n".join(reached))
    ast_cmd = [sys.executable, "-c", AST_SCRIPT, str(listing)]
    ast_wall, ast_rss, _ = median_run(ast_cmd, env, root, args.repeat)
    ast_time = statistics.median(
        float(timed(ast_cmd, env, root)[2]) for _ in range(max(1, args.repeat))
    )
    inner: dict[str, float] = {}
    for jobs in ("auto", "1"):
        inner_cmd = [str(VENV_BIN / "python"), "-c", INPROCESS_SCRIPT, str(root),
                     entry.relative_to(root).as_posix(), jobs]  # fmt: skip
        runs = []
        for _ in range(max(1, args.repeat)):
            clear_facts()
            runs.append(float(timed(inner_cmd, env, root)[2] or "nan"))
        inner[jobs] = statistics.median(runs)
    row = {
        "project": name,
        "files": len(reached),
        "MB": size / 1e6,
        "cold": cold,
        "warm": warm,
        "touched": touched,
        "ast": ast_wall,
        "ast_parse": ast_time,
        "cold_analysis": inner["auto"],
        "cold_analysis_1cpu": inner["1"],
        "cold_rss": cold_rss,
        "warm_rss": warm_rss,
        "touched_rss": touched_rss,
        "ast_rss": ast_rss,
    }
    if pips:
        row["pipreqs"] = statistics.median(run[0] for run in pips)
        row["pipreqs_rss"] = max(run[1] for run in pips)
        # each cold run against the pipreqs run right after it
        ratios = [c[0] / p[0] for c, p in zip(colds, pips, strict=True)]
        row["cold_vs_pipreqs"] = statistics.median(ratios)
    if args.deptry:
        # deptry needs a dependency specification to start: an empty one
        spec = root / "pyproject.toml"
        if not spec.exists():
            spec.write_text('[project]\nname = "bench"\nversion = "0"\ndependencies = []\n')
        deptry_cmd = [args.deptry, str(root), "--no-ansi"]
        row["deptry"], row["deptry_rss"], _ = median_run(deptry_cmd, env, root, args.repeat)
    shutil.rmtree(cache, ignore_errors=True)
    return row


def bench_environment() -> dict:
    """The environment index (another engineer's), cold and warm, in its own process."""
    script = (
        "import time; t = time.perf_counter()\n"
        "from jobdeps.analyzer.analysis import AnalysisOptions, build_environment\n"
        "build_environment(AnalysisOptions())\n"
        "print(time.perf_counter() - t)\n"
    )
    cache = Path(tempfile.mkdtemp(prefix="jobdeps-bench-env-"))
    env = {**os.environ, "JOBDEPS_CACHE_DIR": str(cache)}
    python = str(VENV_BIN / "python")
    cold = float(subprocess.run([python, "-c", script], env=env, capture_output=True, text=True,
                                check=True).stdout)  # fmt: skip
    warm = float(subprocess.run([python, "-c", script], env=env, capture_output=True, text=True,
                                check=True).stdout)  # fmt: skip
    shutil.rmtree(cache, ignore_errors=True)
    return {"environment_cold": cold, "environment_warm": warm}


def bench_startup() -> dict:
    """Fixed cost: a warm run on a one-file project, and what it imports."""
    folder = Path(tempfile.mkdtemp(prefix="jobdeps-bench-tiny-"))
    (folder / "main.py").write_text("import os\nimport yaml\n")
    env = {**os.environ, "JOBDEPS_CACHE_DIR": str(folder / ".cache")}
    cmd = [str(VENV_BIN / "jobdeps"), "analyze", "main.py", "--format", "json"]
    subprocess.run(cmd, env=env, cwd=folder, capture_output=True)
    time.sleep(2.1)  # out of the racy window: this run is recorded
    subprocess.run(cmd, env=env, cwd=folder, capture_output=True)
    walls = [timed(cmd, env, folder)[0] for _ in range(5)]  # replayed

    def touched() -> float:
        os.utime(folder / "main.py")
        return timed(cmd, env, folder)[0]

    touched_walls = [touched() for _ in range(5)]
    probe = (
        "import sys, runpy; sys.argv = ['jobdeps', 'analyze', 'main.py', '--format', 'json']\n"
        "try:\n    from jobdeps.cli.app import main; main()\nexcept SystemExit:\n    pass\n"
        "print('IMPORTED', sorted(m for m in ('libcst', 'networkx', 'ast') if m in sys.modules),"
        " file=sys.stderr)\n"
    )
    res = subprocess.run([str(VENV_BIN / "python"), "-c", probe], env=env, cwd=folder,
                         capture_output=True, text=True)  # fmt: skip
    imported = [line for line in res.stderr.splitlines() if line.startswith("IMPORTED")]
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "warm_tiny_run": statistics.median(walls),
        "warm_tiny_touched": statistics.median(touched_walls),
        "warm_imports": imported,
    }


def _compile_jobdeps() -> None:
    """Byte-compile jobdeps as ``pip install`` does for a regular install.

    In an editable checkout under ``PYTHONDONTWRITEBYTECODE`` (set on some CI and
    sandbox machines), every run would otherwise compile the modules it imports
    again, 40 to 50 ms that an installed jobdeps never pays, while pipreqs and
    deptry, installed by pip, start from their byte-code.
    """
    subprocess.run(  # a read-only checkout only makes the figures a little worse
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "jobdeps")],
        check=False,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--trees", default="rich,networkx,sympy")
    parser.add_argument("--deptry", default="")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-pipreqs", action="store_true")
    args = parser.parse_args()
    _install_wait4_hook()
    _compile_jobdeps()
    rows = []
    work = Path(tempfile.mkdtemp(prefix="jobdeps-bench-"))
    for size in [int(s) for s in args.sizes.split(",") if s]:
        entry = generate(work / f"gen{size}", size)
        rows.append(bench_project(f"generated-{size}", entry.parent, entry, args))
        print(_format(rows[-1]), flush=True)
    for name in [t for t in args.trees.split(",") if t]:
        site = Path(sysconfig.get_paths()["purelib"])
        folder = site / name if (site / name).is_dir() else SYSTEM_SITE / name
        if not (folder / "__init__.py").is_file():
            print(f"skip {name}: not installed", flush=True)
            continue
        entry = copy_tree(folder, work / f"tree-{name}")
        rows.append(bench_project(name, entry.parent, entry, args))
        print(_format(rows[-1]), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    extra = {**bench_environment(), **bench_startup()}
    print(json.dumps({"rows": rows, **extra}, indent=1))


def _format(row: dict) -> str:
    text = (
        f"{row['project']:>16}: {row['files']:5d} files {row['MB']:6.2f} MB | "
        f"cold {row['cold']:6.2f}s warm {row['warm']:5.2f}s (one file touched "
        f"{row['touched']:5.2f}s) ast {row['ast']:5.2f}s | "
        f"cold/ast {row['cold'] / max(row['ast'], 1e-9):4.2f} "
        f"cold/warm {row['cold'] / max(row['warm'], 1e-9):5.1f} | "
        f"RSS MiB cold {row['cold_rss'] / 1024:.0f} warm {row['warm_rss'] / 1024:.0f} "
        f"ast {row['ast_rss'] / 1024:.0f}"
    )
    text += (
        f" | analysis only: cold {row['cold_analysis']:.2f}s"
        f" (1 CPU {row['cold_analysis_1cpu']:.2f}s)"
        f" vs ast.parse {row['ast_parse']:.2f}s = {row['cold_analysis'] / row['ast_parse']:.2f}"
        f" ({row['cold_analysis_1cpu'] / row['ast_parse']:.2f})"
    )
    if "pipreqs" in row:
        text += f" | pipreqs {row['pipreqs']:.2f}s (cold/pipreqs {row['cold_vs_pipreqs']:.2f})"
    if "deptry" in row:
        text += f" | deptry {row['deptry']:.2f}s"
    return text


if __name__ == "__main__":
    main()
