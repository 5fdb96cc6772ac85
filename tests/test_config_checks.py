"""Validation of the job config's content."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobdeps.analyzer.config_checks import (
    GIB,
    check_config_file,
    check_total_size,
    is_unsafe_path,
    parse_size_gb,
    validate_config,
)
from jobdeps.analyzer.findings import Severity
from jobdeps.analyzer.jobconfig import JobConfig, load_job_config


def _cfg(tmp_path: Path, text: str) -> JobConfig:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    cfg, findings = load_job_config(path)
    assert cfg is not None, findings
    return cfg


def _codes(cfg: JobConfig) -> list[tuple[str, int | None]]:
    return sorted((f.code, f.line) for f in validate_config(cfg))


def _sparse(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def test_clean_config_has_no_findings(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a\n")
    cfg = _cfg(tmp_path, "cmd: python main.py --data ${DATA}\ninputs:\n  - data.csv: DATA\n")
    assert validate_config(cfg) == []


def test_missing_cmd_has_no_line_and_empty_cmd_has_one(tmp_path: Path) -> None:
    assert _codes(_cfg(tmp_path, "name: x\n")) == [("CFG004", None)]
    assert _codes(_cfg(tmp_path, "name: x\ncmd:\n")) == [("CFG004", 2)]
    assert _codes(_cfg(tmp_path, "name: x\ncmd: '   '\n")) == [("CFG004", 2)]


def test_input_over_five_gib(tmp_path: Path) -> None:
    _sparse(tmp_path / "big.bin", 6 * GIB)
    cfg = _cfg(tmp_path, "cmd: ./run\ninputs:\n  - big.bin\n")
    (f,) = validate_config(cfg)
    assert (f.code, f.line, f.severity) == ("CFG026", 3, Severity.ERROR)


def test_folder_input_size_is_the_sum_of_its_files(tmp_path: Path) -> None:
    _sparse(tmp_path / "data" / "a.bin", 3 * GIB)
    _sparse(tmp_path / "data" / "sub" / "b.bin", 3 * GIB)
    cfg = _cfg(tmp_path, "cmd: ./run\ninputs:\n  - data/\n")
    assert _codes(cfg) == [("CFG026", 3)]


def test_total_size_counts_inputs_and_local_modules(tmp_path: Path) -> None:
    _sparse(tmp_path / "a.bin", 4 * GIB)
    _sparse(tmp_path / "b.bin", 4 * GIB)
    cfg = _cfg(tmp_path, "cmd: ./run\ninputs:\n  - a.bin\n  - b.bin\n")
    assert validate_config(cfg) == []
    assert check_total_size(cfg, 2 * GIB) == []
    (f,) = check_total_size(cfg, 2 * GIB + 1)
    assert (f.code, f.line) == ("CFG027", 2)  # the `inputs` key


@pytest.mark.parametrize(
    ("path", "unsafe"),
    [
        ("data.csv", False),
        ("dir/sub/x", False),
        ("./x..y", False),
        ("/etc/passwd", True),
        ("C:\\data\\x.csv", True),
        ("../x", True),
        ("a/../../x", True),
        ("a\\..\\x", True),
    ],
)
def test_is_unsafe_path(path: str, unsafe: bool) -> None:
    assert is_unsafe_path(path) is unsafe


def test_unsafe_path_is_allowed_with_a_variable(tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("x\n")
    (tmp_path / "job").mkdir()
    text = f"cmd: ./run ${{D}}\ninputs:\n  - {outside}: D\noutputs:\n  - ../out.txt\n"
    cfg = _cfg(tmp_path / "job", text)
    assert _codes(cfg) == [("CFG016", 5)]


def test_variables(tmp_path: Path) -> None:
    text = (
        "cmd: run ${A} ${B} ${C} ${S3} ${DS_PROJECT_HOME} ${A}\n"
        "args:\n  A: '1'\n  B: '2'\n"
        "outputs:\n  - out.txt: C\n"
        "s3-mounts:\n  - abcdefghij0123456789: S3\n"
        "flags:\n  - attach-project-disk\n"
    )
    assert validate_config(_cfg(tmp_path, text)) == []
    text = "cmd: run ${DS_PROJECT_HOME} ${X} ${X}\nargs:\n  DS_PROJECT_HOME: a\n  ok_name-1: b\n"
    assert _codes(_cfg(tmp_path, text)) == [("CFG017", 1), ("CFG018", 3), ("CFG020", 1)]
    long_name = "v" * 51
    assert _codes(_cfg(tmp_path, f"cmd: run\nargs:\n  {long_name}: x\n")) == [("CFG019", 3)]


@pytest.mark.parametrize(
    ("text", "gb"),
    [("150Gb", 150.0), ("100GB", 100.0), ("1Tb", 1000.0), ("2.5 TiB", 2500.0), ("abc", None)],
)
def test_parse_size_gb(text: str, gb: float | None) -> None:
    assert parse_size_gb(text) == gb


@pytest.mark.parametrize(
    ("size", "codes"), [("150Gb", []), ("100Gb", []), ("99Gb", ["CFG023"]), ("lots", ["CFG023"])]
)
def test_working_storage(tmp_path: Path, size: str, codes: list[str]) -> None:
    cfg = _cfg(tmp_path, f"cmd: run\nworking-storage:\n  type: SSD\n  size: {size}\n")
    assert [f.code for f in validate_config(cfg)] == codes


@pytest.mark.parametrize(
    ("signal", "ok"), [("SIGTERM", True), ("SIGUSR2", True), ("TERM", False), ("SIGKILL", False)]
)
def test_signals(tmp_path: Path, signal: str, ok: bool) -> None:
    cfg = _cfg(tmp_path, f"cmd: run\ngraceful-shutdown:\n  signal: {signal}\n")
    assert _codes(cfg) == ([] if ok else [("CFG024", 3)])


def test_docker(tmp_path: Path) -> None:
    good = "cmd: run\nenv:\n  docker: abcdefghij0123456789\n"
    assert validate_config(_cfg(tmp_path, good)) == []
    assert _codes(_cfg(tmp_path, "cmd: run\nenv:\n  docker: ubuntu:22.04\n")) == [("CFG021", 3)]
    secret = "cmd: run\nenv:\n  docker:\n    image: a/b\n    password:\n      secret-id: s\n"
    assert validate_config(_cfg(tmp_path, secret)) == []


def test_too_many_outputs(tmp_path: Path) -> None:
    items = "".join(f"  - out{i}.txt\n" for i in range(101))
    assert _codes(_cfg(tmp_path, f"cmd: run\noutputs:\n{items}")) == [("CFG025", 2)]
    items = "".join(f"  - out{i}.txt\n" for i in range(100))
    assert validate_config(_cfg(tmp_path, f"cmd: run\noutputs:\n{items}")) == []


@pytest.mark.parametrize(
    ("python", "codes"),
    [
        ("python:\n    type: manual\n", [("CFG011", 4)]),
        ("python:\n    type: hybrid\n", [("CFG011", 4)]),
        ("python:\n    root-paths: [main.py]\n", [("CFG011", 3)]),
        ("python:\n    type: manual\n    version: '3.11.2'\n", []),
        ("python:\n    type: manual\n    version: '3'\n", [("CFG010", 5)]),
        ("python:\n    type: manual\n    version: '2.7'\n", [("CFG010", 5)]),
        ("python:\n    type: manual\n    requirements-file: req.txt\n", [("CFG015", 5)]),
        ("python:\n    type: manual\n    local-paths: [nope/]\n", [("CFG015", 5)]),
        ("python:\n    type: auto\n    local-paths: []\n", [("CFG012", 5)]),
    ],
)
def test_python_env(tmp_path: Path, python: str, codes: list[tuple[str, int]]) -> None:
    assert _codes(_cfg(tmp_path, f"cmd: run\nenv:\n  {python}")) == codes


def test_requirements_file_present(tmp_path: Path) -> None:
    (tmp_path / "req.txt").write_text("requests==2.31.0\n")
    text = "cmd: run\nenv:\n  python:\n    type: manual\n    requirements-file: req.txt\n"
    assert validate_config(_cfg(tmp_path, text)) == []


def test_requirements_file_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "req").mkdir()
    text = "cmd: run\nenv:\n  python:\n    type: manual\n    requirements-file: req\n"
    found = validate_config(_cfg(tmp_path, text))
    assert [(f.code, f.line, f.message) for f in found] == [
        ("CFG015", 5, "requirements-file `req` is a folder")
    ]


def test_output_datasets(tmp_path: Path) -> None:
    text = (
        "cmd: run\noutput-datasets:\n"
        "  - {name: a, var: A, size: 10Gb}\n"
        "  - {name: a, var: B, size: 10Gb}\n"
        "  - {var: C}\n"
    )
    assert _codes(_cfg(tmp_path, text)) == [("CFG028", 4), ("CFG028", 5)]


def test_check_config_file_combines_load_and_validate(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("cmd: ''\ncmd-typo: 1\n", encoding="utf-8")
    cfg, findings = check_config_file(path)
    assert cfg is not None
    assert sorted((f.code, f.line) for f in findings) == [("CFG004", 1), ("CFG006", 2)]
    cfg, findings = check_config_file(tmp_path / "missing.yaml")
    assert cfg is None and [f.code for f in findings] == ["CFG001"]
