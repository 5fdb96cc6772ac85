"""Entry-point discovery from ``cmd`` and the shell scripts it runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobdeps.analyzer.cmdline import (
    discover_entries,
    entries_from_command,
    expand,
    merge_entries,
    normalize_target,
    script_lines,
    split_commands,
    split_words,
)
from jobdeps.analyzer.entries import EntrySpec
from jobdeps.analyzer.jobconfig import load_job_config

GUARDED = 'if __name__ == "__main__":\n    pass\n'


@pytest.fixture
def job(tmp_path: Path) -> Path:
    """A job folder with scripts, a package with a module and a runnable package."""
    for rel in (
        "main.py",
        "other.py",
        "train.py",
        "src/app.py",
        "pkg/__init__.py",
        "pkg/train.py",
        "runnable/__main__.py",
    ):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(GUARDED)
    (tmp_path / "notes.txt").write_text("x\n")
    return tmp_path


def _targets(cmd: str, base: Path, **kw) -> list[tuple[str, str]]:
    entries, findings = entries_from_command(cmd, base, "cmd", 1, **kw)
    assert findings == []
    return [(e.kind, e.target) for e in entries]


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ("python main.py --lr 0.1", [("script", "main.py")]),
        ("python3 -u main.py", [("script", "main.py")]),
        ("python3.10 -B -O -X dev -W ignore main.py", [("script", "main.py")]),
        ("python -Xdev -Wignore -uB main.py", [("script", "main.py")]),
        ("/usr/bin/python3 ./src/app.py", [("script", "src/app.py")]),
        ("PYTHONPATH=. A='x y' python src/app.py", [("script", "src/app.py")]),
        ("python -m pkg.train --epochs 3", [("module", "pkg.train")]),
        ("python -um pkg.train", [("module", "pkg.train")]),
        ("python -m pip install x", []),
        ("python -m http.server", []),
        ("python -c 'import main' other.py", []),
        ("python", []),
        ("python - < main.py", []),
        ("python runnable", [("package", "runnable")]),
        ("python main.py other.py notes.txt", [("script", "main.py"), ("script", "other.py")]),
        ("python main.py --extra=other.py", [("script", "main.py"), ("script", "other.py")]),
        ("python main.py && python main.py", [("script", "main.py")]),
        (
            "python main.py; python3 train.py || echo failed",
            [("script", "main.py"), ("script", "train.py")],
        ),
        ("python main.py 2>&1 | tee log.txt > /dev/null &", [("script", "main.py")]),
        ("(cd . && python train.py)", [("script", "train.py")]),
        (
            "deepspeed main.py --num_gpus=1 --deepspeed_stage 2 --apply_lora True",
            [("script", "main.py")],
        ),
        ("deepspeed --num_gpus 2 --include localhost:0,1 train.py", [("script", "train.py")]),
        ("deepspeed --module pkg.train", [("module", "pkg.train")]),
        ("torchrun --nproc_per_node 8 --standalone train.py", [("script", "train.py")]),
        ("torchrun --nnodes=2 -m pkg.train --lr 1", [("module", "pkg.train")]),
        ("torchrun --no-python python3 train.py", [("script", "train.py")]),
        ("python -m torch.distributed.run --nproc_per_node=2 train.py", [("script", "train.py")]),
        ("python -m torch.distributed.launch --use_env train.py", [("script", "train.py")]),
        ("accelerate launch --multi_gpu --num_processes 2 train.py", [("script", "train.py")]),
        ("accelerate config", []),
        ("horovodrun -np 4 -H localhost:4 python train.py", [("script", "train.py")]),
        ("mpirun -np 2 --allow-run-as-root -x A=1 python train.py", [("script", "train.py")]),
        ("mpiexec -n 2 python3 train.py", [("script", "train.py")]),
        ("srun --ntasks=2 -N 1 python train.py", [("script", "train.py")]),
        ("nohup python train.py &", [("script", "train.py")]),
        ("time -p python train.py", [("script", "train.py")]),
        ("env -i A=B python train.py", [("script", "train.py")]),
        ("timeout -s INT 1h python train.py", [("script", "train.py")]),
        (
            "bash -c 'python main.py && python train.py'",
            [("script", "main.py"), ("script", "train.py")],
        ),
        (
            "if python main.py; then python train.py; fi",
            [("script", "main.py"), ("script", "train.py")],
        ),
        ("echo main.py && ls && pip install -r requirements.txt", []),
        ("python main.py  # python train.py", [("script", "main.py")]),
    ],
)
def test_entries_from_command(job: Path, cmd: str, expected: list[tuple[str, str]]) -> None:
    assert _targets(cmd, job) == expected


def test_entries_remember_origin(job: Path) -> None:
    entries, _ = entries_from_command("python main.py", job, "cmd", 7)
    assert entries == [EntrySpec("script", "main.py", "cmd", 7)]


def test_missing_script_is_an_error(job: Path) -> None:
    entries, findings = entries_from_command(
        "python absent.py && python runnable/../pkg", job, "cmd", 3, finding_path="config.yaml"
    )
    assert entries == []
    assert [(f.code, f.path, f.line) for f in findings] == [
        ("CFG029", "config.yaml", 3),
        ("CFG029", "config.yaml", 3),  # a folder without __main__.py
    ]


def test_missing_argument_py_is_not_reported(job: Path) -> None:
    assert _targets("python main.py --out generated.py", job) == [("script", "main.py")]


def test_known_variables_are_substituted(job: Path) -> None:
    entries, findings = entries_from_command(
        "python ${SCRIPT} ${OTHER}", job, "cmd", 1, {"SCRIPT": "main.py", "OTHER": "other.py"}
    )
    assert findings == []
    assert [e.target for e in entries] == ["main.py", "other.py"]


@pytest.mark.parametrize(
    "cmd", ["python ${SCRIPT}", "${PY} train.py", "python -m ${MOD}", "deepspeed ${S}"]
)
def test_unknown_variable_hiding_an_entry_is_reported(job: Path, cmd: str) -> None:
    entries, findings = entries_from_command(cmd, job, "cmd", 2)
    assert entries == []
    assert [(f.code, f.line) for f in findings] == [("CFG030", 2)]
    assert "root-paths" in findings[0].message


def test_unbalanced_quote_is_reported(job: Path) -> None:
    entries, findings = entries_from_command("python 'main.py", job, "cmd", 1)
    assert entries == [] and [f.code for f in findings] == ["CFG030"]


def test_shell_script_is_read_line_by_line(job: Path) -> None:
    (job / "run.sh").write_text(
        "#!/bin/bash\n"
        "# python commented.py\n"
        "set -e\n"
        "SCRIPT=train.py\n"
        'python "$SCRIPT" \\\n'
        "    --epochs 3\n"
        "python -c 'import x\n"
        "print(x)'\n"
        "cat <<EOF > gen.py\n"
        "python main.py\n"
        "EOF\n"
        "./inner.sh\n"
    )
    (job / "inner.sh").write_text("source run.sh\npython3 -m pkg.train\n")
    entries, findings = entries_from_command("bash -e run.sh", job, "cmd", 4)
    assert findings == []
    assert entries == [
        EntrySpec("script", "train.py", "run.sh:5", 4),
        EntrySpec("module", "pkg.train", "inner.sh:2", 4),
    ]


def test_shell_script_problems_point_at_the_script(job: Path) -> None:
    (job / "run.sh").write_text("echo hi\nfor f in a b; do python $f; done\nsh missing.sh\n")
    _, findings = entries_from_command("sh run.sh", job, "cmd", 1)
    assert [(f.code, f.path, f.line) for f in findings] == [
        ("CFG030", "run.sh", 2),
        ("CFG029", "run.sh", 3),
    ]


def test_executable_found_by_shebang(job: Path) -> None:
    (job / "tool").write_text("#!/usr/bin/env python3\n" + GUARDED)
    (job / "wrapper").write_text("#!/bin/sh\npython main.py\n")
    assert _targets("./tool && ./wrapper", job) == [("script", "tool"), ("script", "main.py")]


def test_scripts_must_be_inputs_when_inputs_are_known(job: Path) -> None:
    (job / "scripts").mkdir()
    (job / "scripts" / "run.sh").write_text("python main.py\n")
    _, findings = entries_from_command("./scripts/run.sh", job, "cmd", 1, inputs=["scripts/"])
    assert findings == []
    _, findings = entries_from_command("./scripts/run.sh", job, "cmd", 1, inputs=["other/"])
    assert [f.code for f in findings] == ["CFG031"]
    _, findings = entries_from_command("python main.py", job, "cmd", 1, inputs=[], plain_env=True)
    assert [f.code for f in findings] == ["CFG031"]


def test_split_words_and_commands() -> None:
    words = split_words("A=1 python -u 'a b.py' 2>&1 | tee log && echo x; y # c")
    assert split_commands(words) == [
        ["A=1", "python", "-u", "a b.py"],
        ["tee", "log"],
        ["echo", "x"],
        ["y"],
    ]


def test_expand() -> None:
    assert expand("${A}/b", {"A": "x"}) == "x/b"
    assert expand("$A.py", {"A": "x"}) == "x.py"
    assert expand("${B}", {"A": "x"}) is None
    assert expand("$(cat f)", {}) is None
    assert expand("plain", {}) == "plain"


def test_normalize_target(tmp_path: Path) -> None:
    assert normalize_target("./a/../b.py", tmp_path) == "b.py"
    assert normalize_target(str(tmp_path / "x" / "y.py"), tmp_path) == "x/y.py"
    assert normalize_target("../b.py", tmp_path) is None
    assert normalize_target("/opt/elsewhere.py", tmp_path) is None


def test_script_lines() -> None:
    text = "a \\\n  b\n\n# c\necho 'x\ny'\ncat <<-'END'\nz\nEND\nlast\n"
    assert script_lines(text) == [
        (1, "a    b"),
        (5, "echo 'x\ny'"),
        (7, "cat <<-'END'"),
        (10, "last"),
    ]


def test_merge_entries_keeps_first_origin_and_marks_root_paths() -> None:
    discovered = [
        EntrySpec("script", "main.py", "cmd", 1),
        EntrySpec("script", "main.py", "cmd", 1),
    ]
    declared = [
        EntrySpec("script", "main.py", "root-paths", 5),
        EntrySpec("script", "other.py", "root-paths", 5),
    ]
    assert merge_entries(discovered, declared) == [
        EntrySpec("script", "main.py", "cmd+root-paths", 1),
        EntrySpec("script", "other.py", "root-paths", 5),
    ]


def test_discover_entries_from_config(job: Path) -> None:
    (job / "config.yaml").write_text(
        "cmd: python main.py\n"
        "env:\n"
        "  python:\n"
        "    type: auto\n"
        "    root-paths:\n"
        "      - other.py\n"
        "      - runnable/\n"
        "      - gone.py\n"
        "      - ../outside.py\n"
        "      - src\n"
    )
    cfg, _ = load_job_config(job / "config.yaml")
    assert cfg is not None
    entries, findings = discover_entries(cfg)
    assert entries == [
        EntrySpec("script", "main.py", "cmd", 1),
        EntrySpec("script", "other.py", "root-paths", 5),
        EntrySpec("package", "runnable", "root-paths", 5),
    ]
    # a folder without __main__.py is a finding on its line, not an abort of the run
    assert [(f.code, f.line) for f in findings] == [("CFG029", 8), ("CFG016", 9), ("CFG029", 10)]


def test_no_python_program_with_python_env(job: Path) -> None:
    (job / "config.yaml").write_text("cmd: ./bin/tool --x\nenv:\n  python: auto\n")
    cfg, _ = load_job_config(job / "config.yaml")
    assert cfg is not None
    entries, findings = discover_entries(cfg)
    assert entries == [] and [(f.code, f.line) for f in findings] == [("CFG030", 1)]


def test_pythonpath_prefix_and_export_reach_the_entry(tmp_path) -> None:
    """`PYTHONPATH=. python src/main.py` puts the job folder on the path: the walk uses it."""
    from jobdeps.analyzer.cmdline import entries_from_command

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("")
    (tmp_path / "lib").mkdir()
    entries, _ = entries_from_command("PYTHONPATH=. python src/main.py", tmp_path, "cmd", 1)
    assert [e.pythonpath for e in entries] == [(".",)]
    entries, _ = entries_from_command(
        "export PYTHONPATH=$PYTHONPATH:$PWD/lib && python src/main.py; python src/main.py",
        tmp_path,
        "cmd",
        1,
    )
    assert [e.pythonpath for e in entries] == [("lib",)]
    entries, _ = entries_from_command("python src/main.py", tmp_path, "cmd", 1)
    assert [e.pythonpath for e in entries] == [()]


def _found(cmd: str, base: Path) -> tuple[list[tuple[str, str, tuple[str, ...]]], list[str]]:
    entries, findings = entries_from_command(cmd, base, "cmd", 1)
    return [(e.kind, e.target, e.pythonpath) for e in entries], [
        f"{f.code} {f.message}" for f in findings
    ]


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        # a YAML `|` block: one command a line, as the shell runs it
        ("python main.py\npython -m pkg.train\n", [("script", "main.py"), ("module", "pkg.train")]),
        (
            "python main.py \\\n  --lr 1\npython train.py",
            [("script", "main.py"), ("script", "train.py")],
        ),
        ("python -c 'x = 1\ny = 2'\npython train.py", [("script", "train.py")]),
        ("# setup\npython train.py", [("script", "train.py")]),
        # `cd`: later relative paths start from the new folder
        ("cd src && python app.py", [("script", "src/app.py")]),
        ("cd src; python ../main.py", [("script", "main.py")]),
        ("cd src\npython app.py", [("script", "src/app.py")]),
        ("cd ./src/ && cd .. && python main.py", [("script", "main.py")]),
        (
            "(cd src && python app.py) && python main.py",
            [("script", "src/app.py"), ("script", "main.py")],
        ),
        (
            "pushd src && python app.py && popd && python main.py",
            [("script", "src/app.py"), ("script", "main.py")],
        ),
        ("bash -c 'cd src' && python main.py", [("script", "main.py")]),
        ("cd $PWD/src && python app.py", [("script", "src/app.py")]),
        ("cd /opt/app && python /opt/app/main.py", []),
    ],
)
def test_multiline_cmd_and_cd(job: Path, cmd: str, expected: list[tuple[str, str]]) -> None:
    assert _targets(cmd, job) == expected


def test_python_m_looks_in_the_working_folder_then_pythonpath(job: Path) -> None:
    """`PYTHONPATH=src python -m app` and `cd src && python -m app` once lost their entry."""
    assert _found("PYTHONPATH=src python -m app", job) == ([("module", "app", ("src",))], [])
    assert _found("cd src && python -m app", job) == ([("module", "app", ("src",))], [])
    assert _found("python -m pkg.train", job) == ([("module", "pkg.train", ())], [])


def test_lost_working_folder_is_reported_not_guessed(job: Path) -> None:
    entries, messages = _found("cd ${DATA} && python main.py", job)
    assert entries == []
    assert messages == [
        "CFG030 `main.py` runs in `${DATA}`, which jobdeps cannot resolve; "
        "add its Python entry scripts to `root-paths`"
    ]
    entries, messages = _found("cd && python -m pkg.train", job)
    assert entries == []
    assert [m.split(";")[0] for m in messages] == ["CFG030 `-m pkg.train` runs in the home folder"]
    # a missing script after `cd` is named from the job folder
    assert _found("cd src && python nope.py", job)[1] == [
        "CFG029 Python script `src/nope.py` does not exist"
    ]
