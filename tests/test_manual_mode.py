"""Manual mode: `local-paths` must deliver every reached file where the code imports it."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobdeps.api import check_job, load_job

MAIN = 'from src.utils import helpers\nif __name__ == "__main__":\n    helpers.go()\n'


@pytest.fixture
def job(tmp_path: Path) -> Path:
    (tmp_path / "src" / "utils").mkdir(parents=True)
    (tmp_path / "main.py").write_text(MAIN)
    (tmp_path / "src" / "__init__.py").write_text("")
    (tmp_path / "src" / "utils" / "__init__.py").write_text("")
    (tmp_path / "src" / "utils" / "helpers.py").write_text("def go():\n    pass\n")
    (tmp_path / "requirements.txt").write_text("")
    return tmp_path


def _cfg034(job: Path, local_paths: list[str]) -> list[str]:
    items = "".join(f"      - {p}\n" for p in local_paths)
    (job / "config.yaml").write_text(
        "cmd: python main.py\nenv:\n  python:\n    type: manual\n    version: '3.11'\n"
        f"    requirements-file: requirements.txt\n    local-paths:\n{items}"
    )
    result = check_job(load_job(config=job / "config.yaml", cwd=job))
    return [f.message.split(" (main.py")[0] for f in result.findings if f.code == "CFG034"]


def test_top_level_folder_delivers_the_package(job: Path) -> None:
    assert _cfg034(job, ["main.py", "src"]) == []
    assert _cfg034(job, ["main.py", "src/"]) == []


def test_nested_entries_arrive_under_their_own_names(job: Path) -> None:
    """`src/utils` unpacks as `utils/`, so `import src.utils` fails on the VM: this
    passed before, because a file under an entry counted as delivered."""
    assert _cfg034(job, ["main.py", "src/__init__.py", "src/utils"]) == [
        "`src/__init__.py` is imported, but `local-paths` entry `src/__init__.py` unpacks it "
        "as `__init__.py` (each entry arrives under its own name); list `src` instead",
        "`src/utils/__init__.py` is imported, but `local-paths` entry `src/utils` unpacks it "
        "as `utils/__init__.py` (each entry arrives under its own name); list `src` instead",
        "`src/utils/helpers.py` is imported, but `local-paths` entry `src/utils` unpacks it "
        "as `utils/helpers.py` (each entry arrives under its own name); list `src` instead",
    ]


def test_missing_folder_is_not_under_any_entry(job: Path) -> None:
    assert _cfg034(job, ["main.py"]) == [
        f"`{rel}` is imported but not under any `local-paths` entry"
        for rel in ("src/__init__.py", "src/utils/__init__.py", "src/utils/helpers.py")
    ]


def test_src_layout_entry_arrives_where_the_import_looks(tmp_path: Path) -> None:
    """`lib/src/pkg` ships as `pkg/`, which is where `import pkg` looks on the VM: no
    finding (the nested-entry rule must not flag a src layout)."""
    (tmp_path / "lib" / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "lib" / "src" / "pkg" / "__init__.py").write_text("")
    (tmp_path / "lib" / "src" / "pkg" / "x.py").write_text("")
    (tmp_path / "main.py").write_text(
        "import os, sys\n"
        "sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'lib', 'src'))\n"
        "import pkg.x\n"
        'if __name__ == "__main__":\n    pass\n'
    )
    (tmp_path / "requirements.txt").write_text("")
    assert _cfg034(tmp_path, ["main.py", "lib/src/pkg"]) == []
