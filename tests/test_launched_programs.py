"""Programs the job's code starts (``subprocess.run([sys.executable, "x.py"])``,
``os.system("python -m pkg.tool")``): walked as programs of their own, shipped as
local files, never taken for the job's entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobdeps.analyzer.analysis import AnalysisOptions, analyze
from jobdeps.analyzer.entries import EntrySpec
from jobdeps.api import check_job, load_job


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path / "cache"))


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def run(root: Path, *entries: str):
    return analyze([EntrySpec("script", e) for e in entries], AnalysisOptions(root=root, jobs=1))


def findings(analysis) -> list[tuple[str, str, int]]:
    return [(f.code, f.path, f.line) for f in analysis.findings]


def test_a_started_script_is_walked_from_its_own_folder_and_is_not_an_entry(
    tmp_path: Path,
) -> None:
    """In a process of its own, ``tools/prep.py`` finds ``util`` beside itself (its
    folder is first on ``sys.path``), not beside the script that started it."""
    root = write(
        tmp_path / "job",
        {
            "main.py": "import subprocess, sys\n"
            "subprocess.run([sys.executable, 'tools/prep.py'], check=True)\n",
            "tools/prep.py": "import util\nimport yaml\n",
            "tools/util.py": "import json\n",
            "util.py": "import networkx\n",  # what runpy would have found instead
        },
    )
    analysis = run(root, "main.py")
    assert sorted(analysis.local_files) == ["main.py", "tools/prep.py", "tools/util.py"]
    assert [r.canonical for r in analysis.requirements] == ["pyyaml"]
    assert list(analysis.entry_files) == ["main.py"]
    assert [e.target for e in analysis.entries] == ["main.py"]
    assert ("file:main.py", "file:tools/prep.py") in analysis.edges
    assert findings(analysis) == []


def test_each_program_is_walked_once_and_a_cycle_ends(tmp_path: Path) -> None:
    root = write(
        tmp_path / "job",
        {
            "a.py": "import os\nos.system('python b.py')\nos.system('python b.py --again')\n",
            "b.py": "import os\nos.system('python a.py')\nimport c\n",
            "c.py": "",
        },
    )
    analysis = run(root, "a.py")
    assert sorted(analysis.local_files) == ["a.py", "b.py", "c.py"]
    assert list(analysis.entry_files) == ["a.py"]  # a.py started again is still the entry
    assert findings(analysis) == []


def test_a_script_that_starts_itself_again_is_no_finding(tmp_path: Path) -> None:
    """``[sys.executable, __file__, "--child"]`` is the file itself: walked once."""
    root = write(
        tmp_path / "job",
        {
            "main.py": "import subprocess, sys\n"
            "if sys.argv[1:] != ['--child']:\n"
            "    subprocess.run([sys.executable, __file__, '--child'])\n",
        },
    )
    analysis = run(root, "main.py")
    assert sorted(analysis.local_files) == ["main.py"]
    assert findings(analysis) == []


def test_a_module_started_with_dash_m_and_a_shell_script(tmp_path: Path) -> None:
    root = write(
        tmp_path / "job",
        {
            "main.py": "import os\nos.system('python -m pkg.tool && bash run.sh')\n",
            "pkg/__init__.py": "",
            "pkg/tool.py": "from pkg import helper\n",
            "pkg/helper.py": "",
            "run.sh": "#!/bin/sh\ncd stages && python last.py\n",
            "stages/last.py": "import yaml\n",
        },
    )
    analysis = run(root, "main.py")
    assert sorted(analysis.local_files) == [
        "main.py",
        "pkg/__init__.py",
        "pkg/helper.py",
        "pkg/tool.py",
        "stages/last.py",
    ]
    assert findings(analysis) == []


def test_what_cannot_be_followed_is_reported_where_it_is_started(tmp_path: Path) -> None:
    root = write(
        tmp_path / "job",
        {
            "main.py": "import subprocess, sys\n"
            "subprocess.run([sys.executable, 'missing.py'])\n"
            "subprocess.run([sys.executable, sys.argv[1]])\n"
            "subprocess.run([sys.executable, sys.argv[2]])  # jobdeps: ignore[IMP009]\n"
            "subprocess.run(['git', 'status'])\n"
            "subprocess.run(cmd)\n",
        },
    )
    analysis = run(root, "main.py")
    assert findings(analysis) == [("IMP014", "main.py", 2), ("IMP009", "main.py", 3)]
    messages = [f.message for f in analysis.findings]
    assert messages == [
        "`python missing.py` is started here: Python script `missing.py` does not exist",
        "a program is started with a command computed at run time (`python ${computed}`): "
        "jobdeps cannot follow it",
    ]


def test_a_path_built_from_file_starts_at_the_files_folder(tmp_path: Path) -> None:
    root = write(
        tmp_path / "job",
        {
            "src/main.py": "import os, subprocess, sys\n"
            "HERE = os.path.dirname(os.path.abspath(__file__))\n"
            "subprocess.run([sys.executable, os.path.join(HERE, 'stage.py')], cwd=HERE)\n",
            "src/stage.py": "import yaml\n",
        },
    )
    analysis = run(root, "src/main.py")
    assert sorted(analysis.local_files) == ["src/main.py", "src/stage.py"]
    assert findings(analysis) == []


def test_manual_mode_must_ship_a_started_script(tmp_path: Path) -> None:
    """The platform runs only ``cmd``: a script the code starts is a file like any other,
    which ``local-paths`` must deliver (an entry would be exempt)."""
    root = write(
        tmp_path / "job",
        {
            "main.py": "import subprocess, sys\n"
            "if __name__ == '__main__':\n"
            "    subprocess.run([sys.executable, 'stage.py'], check=True)\n",
            "stage.py": "print('stage')\n",
            "requirements.txt": "",
            "config.yaml": "cmd: python main.py\nenv:\n  python:\n    type: manual\n"
            "    version: '3.11'\n    requirements-file: requirements.txt\n"
            "    local-paths:\n      - main.py\n",
        },
    )
    result = check_job(load_job(config=root / "config.yaml", cwd=root))
    assert [f.message.split(" (")[0] for f in result.findings if f.code == "CFG034"] == [
        "`stage.py` is imported but not under any `local-paths` entry"
    ]


def test_why_leads_through_the_line_that_starts_the_program(tmp_path: Path) -> None:
    from jobdeps.analyzer.why import shortest_chain

    root = write(
        tmp_path / "job",
        {
            "main.py": "import os\nos.system('python -m pkg')\n",
            "pkg/__init__.py": "",
            "pkg/__main__.py": "import yaml\n",
        },
    )
    analysis = run(root, "main.py")
    steps = shortest_chain(analysis, "dist:pyyaml")
    assert [(s.rel, s.line, s.verb, s.module) for s in steps] == [
        ("main.py", 2, "starts", "pkg"),
        ("pkg/__main__.py", 1, "imports", "yaml"),
    ]


def test_started_programs_are_listed_with_the_line_that_starts_them(tmp_path: Path) -> None:
    from jobdeps.cli.render import render_analysis

    root = write(
        tmp_path / "job",
        {
            "main.py": "import os\nos.system('python a.py')\nos.system('python a.py')\n"
            "os.system('python -m pkg')\n",
            "a.py": "",
            "pkg/__main__.py": "",
        },
    )
    analysis = run(root, "main.py")
    assert analysis.to_json()["started_programs"] == [
        {"kind": "script", "target": "a.py", "origin": "main.py:2", "origin_line": None},
        {"kind": "module", "target": "pkg", "origin": "main.py:4", "origin_line": None},
    ]
    text = render_analysis(analysis)
    assert "Started by the code (2)\n  a.py  <- main.py:2\n  -m pkg  <- main.py:4\n" in text
    assert run(root / "pkg", "__main__.py").to_json()["started_programs"] == []


def test_a_pythonpath_given_in_env_is_the_started_programs_own(tmp_path: Path) -> None:
    """``env={**os.environ, "PYTHONPATH": ...}`` puts folders first on the started
    program's ``sys.path``: its imports resolve there, as they will on the VM."""
    root = write(
        tmp_path / "job",
        {
            "main.py": "import os, subprocess, sys\n"
            "HERE = os.path.dirname(os.path.abspath(__file__))\n"
            "subprocess.run([sys.executable, 'tools/a.py'],\n"
            "               env={**os.environ, 'PYTHONPATH': 'src'})\n"
            "subprocess.run([sys.executable, 'tools/b.py'],\n"
            "               env=dict(os.environ, PYTHONPATH=os.path.join(HERE, 'lib')))\n",
            "tools/a.py": "import shared\n",
            "tools/b.py": "import other\n",
            "src/shared.py": "",
            "lib/other.py": "",
        },
    )
    analysis = run(root, "main.py")
    assert sorted(analysis.local_files) == [
        "lib/other.py",
        "main.py",
        "src/shared.py",
        "tools/a.py",
        "tools/b.py",
    ]
    assert [e.pythonpath for e in analysis.started] == [("src",), ("lib",)]
    assert findings(analysis) == []
