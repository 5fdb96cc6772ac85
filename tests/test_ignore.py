"""Ignore rules: built-in exclusions plus .gitignore files with git's precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobdeps.bundler.ignore import IgnoreRules


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize(
    "rel",
    [
        "pkg/__pycache__/util.cpython-311.pyc",
        "old.pyc",
        "pkg/mod.pyo",
        ".git/config",
        ".hg/store/data",
        ".venv/lib/python3.11/site-packages/numpy/__init__.py",
        ".jobdeps/local.zip",
        "sub/.pytest_cache/v/cache",
        "nb/.ipynb_checkpoints/a-checkpoint.ipynb",
    ],
)
def test_builtin_exclusions(tmp_path: Path, rel: str) -> None:
    rules = IgnoreRules.for_root(tmp_path)
    assert rules.is_ignored(rel)


def test_plain_project_files_are_kept(tmp_path: Path) -> None:
    rules = IgnoreRules.for_root(tmp_path)
    for rel in ["main.py", "pkg/util.py", "configs/a.yaml", "git_helpers.py", "venv_tools.py"]:
        assert not rules.is_ignored(rel)
    assert not rules.is_ignored("pkg", is_dir=True)
    assert not rules.is_ignored("")


def test_any_folder_with_pyvenv_cfg_is_a_venv(tmp_path: Path) -> None:
    _tree(tmp_path, {"env/pyvenv.cfg": "home = /usr/bin\n", "env/lib/x.py": "", "envs/x.py": ""})
    rules = IgnoreRules.for_root(tmp_path)
    assert rules.is_ignored("env", is_dir=True)
    assert rules.is_ignored("env/lib/x.py")
    assert not rules.is_ignored("envs/x.py")


def test_root_and_nested_gitignore_with_precedence(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "*.log\ndata/\n/build\nsecret_*.py\n",
            "app/.gitignore": "!keep.log\n*.tmp\n/local_only.py\n",
            "app/deep/.gitignore": "*.log\n",
            "main.py": "",
        },
    )
    rules = IgnoreRules.for_root(tmp_path)
    assert rules.is_ignored("run.log")
    assert rules.is_ignored("data/train.csv")
    assert rules.is_ignored("app/data/x.csv")  # `data/` matches at any depth
    assert rules.is_ignored("build/out.py")
    assert not rules.is_ignored("app/build/out.py")  # `/build` is anchored to the root
    assert rules.is_ignored("secret_token.py")
    assert not rules.is_ignored("app/keep.log")  # re-included by the deeper file
    assert rules.is_ignored("app/other.log")
    assert rules.is_ignored("app/deep/keep.log")  # deeper still: excluded again
    assert rules.is_ignored("app/x.tmp")
    assert not rules.is_ignored("x.tmp")  # app/.gitignore only applies under app/
    assert rules.is_ignored("app/local_only.py")
    assert not rules.is_ignored("app/sub/local_only.py")
    assert not rules.is_ignored("main.py")


def test_nothing_under_an_excluded_folder_comes_back(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "data/\n!data/keep.txt\n"})
    rules = IgnoreRules.for_root(tmp_path)
    assert rules.is_ignored("data/keep.txt")


def test_gitignore_inside_an_ignored_folder_is_not_read(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "vendor/\n", "vendor/.gitignore": "!*\n", "vendor/a.py": ""})
    rules = IgnoreRules.for_root(tmp_path)
    assert "vendor" not in rules.specs
    assert rules.is_ignored("vendor/a.py")


def test_git_info_exclude_is_read(tmp_path: Path) -> None:
    _tree(tmp_path, {".git/info/exclude": "scratch.py\n", ".gitignore": "!keep_me.py\n"})
    rules = IgnoreRules.for_root(tmp_path)
    assert rules.is_ignored("scratch.py")
    assert not rules.is_ignored("keep_me.py")


def test_extra_patterns_for_a_custom_outdir(tmp_path: Path) -> None:
    rules = IgnoreRules.for_root(tmp_path, extra_patterns=["/bundle-out/"])
    assert rules.is_ignored("bundle-out/local.zip")
    assert not rules.is_ignored("pkg/bundle-out/x.py")


def test_iter_files_lists_what_ships(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "*.ckpt\noutputs/\n",
            "main.py": "",
            "pkg/__init__.py": "",
            "pkg/__pycache__/__init__.cpython-311.pyc": "",
            "model.ckpt": "",
            "outputs/run1/metrics.json": "",
            ".git/HEAD": "",
            "configs/base.yaml": "",
        },
    )
    rules = IgnoreRules.for_root(tmp_path)
    assert list(rules.iter_files()) == [
        ".gitignore",
        "configs/base.yaml",
        "main.py",
        "pkg/__init__.py",
    ]
