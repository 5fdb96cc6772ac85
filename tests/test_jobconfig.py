"""The job config model and loader, and the fixture jobs under ``fixtures/config/``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobdeps.analyzer.cmdline import discover_entries
from jobdeps.analyzer.config_checks import check_config_file
from jobdeps.analyzer.entry_guard import check_entry_guard, find_guard_line
from jobdeps.analyzer.findings import Finding, get_rule
from jobdeps.analyzer.jobconfig import DataPath, EnvVar, ResourceRef, load_job_config

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "config"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "config.yaml").is_file())


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _codes(findings: list[Finding]) -> list[tuple[str, int | None]]:
    return sorted((f.code, f.line) for f in findings)


# -- fixture jobs: config, entries and guards end to end ------------------------------------


def _run_job(folder: Path) -> tuple[list[dict], list[dict]]:
    cfg, findings = check_config_file(folder / "config.yaml")
    entries = []
    if cfg is not None:
        entries, more = discover_entries(cfg)
        findings += more
        for entry in entries:
            if entry.kind == "script":
                source = (folder / entry.target).read_text(encoding="utf-8")
                findings += check_entry_guard(source, entry.target, find_guard_line(source))
    found = sorted(
        ({"code": f.code, "path": f.path, "line": f.line} for f in findings),
        key=lambda d: (d["path"] or "", d["line"] or 0, d["code"]),
    )
    return [e.to_dict() for e in entries], found


def test_fixture_cases_exist() -> None:
    assert len(CASES) >= 20
    for name in CASES:
        assert (FIXTURES / name / "expected.json").is_file(), name


@pytest.mark.parametrize("name", CASES)
def test_fixture_job(name: str) -> None:
    folder = FIXTURES / name
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    entries, findings = _run_job(folder)
    assert entries == expected["entries"]
    want = sorted(expected["findings"], key=lambda d: (d["path"] or "", d["line"] or 0, d["code"]))
    assert findings == want
    for item in want:  # every expected code is a registered config rule
        assert get_rule(item["code"]).group == "config"


# -- the model -------------------------------------------------------------------------------

FULL = """\
name: full
desc: every key
cmd: python main.py --data ${DATA}
args:
  LR: "0.1"
  EPOCHS: 3
inputs:
  - plain.txt
  - data.csv: DATA
  - model.bin:
      var: MODEL
outputs:
  - result.txt: RESULT
s3-mounts:
  - abcdefghij0123456789
  - bcdefghij0123456789a: S3
datasets:
  - cdefghij0123456789ab: DS
output-datasets:
  - name: out
    var: OUTDS
    size: 100Gb
    description: results
    labels:
      team: ml
env:
  vars:
    - HOME
    - LEVEL: debug
  docker:
    image: cr.yandex/crp/image:1
    username: json_key
    password:
      secret-id: registry-key
  python:
    type: manual
    version: 3.10.13
    requirements-file: requirements.txt
    local-paths:
      - main.py
      - lib/
    pip:
      index-url: https://pypi.org/simple
      extra-index-urls:
        - https://pypi.ngc.nvidia.com
      trusted-hosts:
        - nvidia.com
      no-deps: true
flags:
  - attach-project-disk
cloud-instance-type: g1.1
working-storage:
  type: SSD
  size: 150Gb
graceful-shutdown:
  signal: SIGTERM
  timeout: 15s
spark:
  connector: defghij0123456789abc
"""


def test_full_config_model(tmp_path: Path) -> None:
    cfg, findings = load_job_config(_write(tmp_path, FULL))
    assert findings == []
    assert cfg is not None
    assert cfg.base_dir == tmp_path
    assert cfg.display_path == "config.yaml"
    assert (cfg.name, cfg.desc, cfg.cmd) == ("full", "every key", "python main.py --data ${DATA}")
    assert cfg.args == {"LR": "0.1", "EPOCHS": "3"}
    assert cfg.inputs == [
        DataPath("plain.txt", None, 8),
        DataPath("data.csv", "DATA", 9),
        DataPath("model.bin", "MODEL", 10),
    ]
    assert cfg.outputs == [DataPath("result.txt", "RESULT", 13)]
    assert cfg.s3_mounts == [
        ResourceRef("abcdefghij0123456789", None, 15),
        ResourceRef("bcdefghij0123456789a", "S3", 16),
    ]
    assert cfg.datasets == [ResourceRef("cdefghij0123456789ab", "DS", 18)]
    (ds,) = cfg.output_datasets
    assert (ds.name, ds.var, ds.size, ds.description, ds.labels) == (
        "out",
        "OUTDS",
        "100Gb",
        "results",
        {"team": "ml"},
    )
    assert cfg.env.vars == [EnvVar("HOME", None, 28), EnvVar("LEVEL", "debug", 29)]
    docker = cfg.env.docker
    assert docker is not None
    assert (docker.image, docker.username, docker.password, docker.password_secret_id) == (
        "cr.yandex/crp/image:1",
        "json_key",
        None,
        "registry-key",
    )
    py = cfg.env.python
    assert py is not None
    assert (py.type, py.version, py.requirements_file) == ("manual", "3.10.13", "requirements.txt")
    assert py.local_paths == ["main.py", "lib/"]
    assert py.root_paths == []
    assert py.pip.index_url == "https://pypi.org/simple"
    assert py.pip.extra_index_urls == ["https://pypi.ngc.nvidia.com"]
    assert py.pip.trusted_hosts == ["nvidia.com"]
    assert py.pip.no_deps is True
    assert cfg.flags == ["attach-project-disk"]
    assert cfg.cloud_instance_types == ["g1.1"]
    assert cfg.working_storage is not None and cfg.working_storage.size == "150Gb"
    assert cfg.graceful_shutdown is not None and cfg.graceful_shutdown.signal == "SIGTERM"
    assert cfg.spark is not None and cfg.spark.connector == "defghij0123456789abc"
    assert cfg.line_of("env", "python", "local-paths") == 39
    assert cfg.line_of("env", "python", "local-paths", 1) == 41
    assert cfg.line_of("spark", "connector") == 59
    assert cfg.line_of("nope") is None
    assert list(cfg.raw) == [
        "name", "desc", "cmd", "args", "inputs", "outputs", "s3-mounts", "datasets",
        "output-datasets", "env", "flags", "cloud-instance-type", "working-storage",
        "graceful-shutdown", "spark",
    ]  # fmt: skip
    assert cfg.text == FULL


def test_python_string_form_and_plain_env(tmp_path: Path) -> None:
    cfg, _ = load_job_config(_write(tmp_path, "cmd: python a.py\nenv:\n  python: auto\n"))
    assert cfg is not None and cfg.env.python is not None
    assert (cfg.env.python.type, cfg.env.python.form) == ("auto", "string")
    cfg, _ = load_job_config(_write(tmp_path, "cmd: ./run.sh\n"))
    assert cfg is not None and cfg.env.python is None


def test_local_paths_none_versus_empty(tmp_path: Path) -> None:
    text = "cmd: python a.py\nenv:\n  python:\n    type: manual\n    local-paths: []\n"
    cfg, _ = load_job_config(_write(tmp_path, text))
    assert cfg is not None and cfg.env.python is not None
    assert cfg.env.python.local_paths == []
    cfg, _ = load_job_config(_write(tmp_path, "cmd: x\nenv:\n  python:\n    type: manual\n"))
    assert cfg is not None and cfg.env.python is not None
    assert cfg.env.python.local_paths is None


def test_scalars_are_kept_as_written(tmp_path: Path) -> None:
    text = "cmd: python a.py\nenv:\n  python:\n    type: manual\n    version: 3.10\n"
    cfg, findings = load_job_config(_write(tmp_path, text))
    assert cfg is not None and cfg.env.python is not None
    assert cfg.env.python.version == "3.10"  # what the client reads, not the float 3.1
    assert cfg.raw["env"]["python"]["version"] == 3.1
    assert _codes(findings) == [("CFG008", 5)]


@pytest.mark.parametrize(
    ("written", "no_deps", "codes"),
    [("true", True, []), ("'true'", True, []), ("false", False, []), ("True", False, ["CFG013"])],
)
def test_no_deps_is_true_only_for_exact_text(
    tmp_path: Path, written: str, no_deps: bool, codes: list[str]
) -> None:
    from jobdeps.analyzer.config_checks import validate_config

    text = (
        f"cmd: python a.py\nenv:\n  python:\n    type: auto\n    pip:\n      no-deps: {written}\n"
    )
    cfg, findings = load_job_config(_write(tmp_path, text))
    assert cfg is not None and cfg.env.python is not None
    assert cfg.env.python.pip.no_deps is no_deps
    assert [f.code for f in findings + validate_config(cfg)] == codes


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("root-path", "root-paths"),
        ("requirement-file", "requirements-file"),
        ("verison", "version"),
    ],
)
def test_misspelled_python_keys_get_a_suggestion(tmp_path: Path, key: str, suggestion: str) -> None:
    text = f"cmd: python a.py\nenv:\n  python:\n    type: auto\n    {key}: x\n"
    _, findings = load_job_config(_write(tmp_path, text))
    (f,) = findings
    assert (f.code, f.line) == ("CFG006", 5)
    assert f"did you mean `{suggestion}`?" in f.message


def test_unknown_key_without_close_match_lists_known_keys(tmp_path: Path) -> None:
    _, findings = load_job_config(_write(tmp_path, "cmd: a\nzzz: 1\n"))
    (f,) = findings
    assert f.code == "CFG006" and "did you mean" not in f.message
    assert "`cmd`" in f.hint


def test_duplicate_key(tmp_path: Path) -> None:
    cfg, findings = load_job_config(_write(tmp_path, "cmd: python a.py\ncmd: python b.py\n"))
    assert cfg is not None and cfg.cmd == "python b.py"
    assert _codes(findings) == [("CFG007", 2)]


def test_missing_file(tmp_path: Path) -> None:
    cfg, findings = load_job_config(tmp_path / "config.yaml")
    assert cfg is None
    assert [(f.code, f.path) for f in findings] == [("CFG001", "config.yaml")]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"cmd: python \xff.py\n")
    cfg, findings = load_job_config(path)
    assert cfg is None and [f.code for f in findings] == ["CFG001"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("cmd: python a.py\nargs:\n  A: [1\n", 4),
        ("cmd: 'unclosed\n", 2),
        ("cmd: a\n---\ncmd: b\n", 2),  # two documents
        ("cmd: python a.py\nenv:\n  python: auto\x07\n", 3),  # a control character
        ("cmd: python a.py\x00\n", 1),
    ],
)
def test_yaml_errors_are_findings_with_lines(tmp_path: Path, text: str, line: int) -> None:
    cfg, findings = load_job_config(_write(tmp_path, text))
    assert cfg is None
    assert _codes(findings) == [("CFG002", line)]


def test_unsafe_tags_are_refused_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"cmd: !!python/object/apply:os.system ['touch {marker}']\n"
    cfg, findings = load_job_config(_write(tmp_path, text))
    assert cfg is None and [f.code for f in findings] == ["CFG002"]
    assert not marker.exists()


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- a\n- b\n", "just text\n"])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    cfg, findings = load_job_config(_write(tmp_path, text))
    assert cfg is None and [f.code for f in findings] == ["CFG003"]


def test_display_path_relative_to_root(tmp_path: Path) -> None:
    (tmp_path / "job").mkdir()
    path = tmp_path / "job" / "config.yaml"
    path.write_text("cmd: a\nbogus: 1\n", encoding="utf-8")
    cfg, findings = load_job_config(path, root=tmp_path)
    assert cfg is not None and cfg.display_path == "job/config.yaml"
    assert findings[0].location() == "job/config.yaml:2"
