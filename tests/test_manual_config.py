"""The manual config: env.python rewritten, everything else kept (comments too, when possible)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jobdeps.bundler.manual_config import ManualConfigError, make_manual_config

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bundle" / "manual_config"
ARGS = {"version": "3.10", "requirements_file": "requirements.txt", "local_paths": ["src", "x.py"]}
MANUAL = {
    "type": "manual",
    "version": "3.10",
    "requirements-file": "requirements.txt",
    "local-paths": ["src", "x.py"],
}


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def _expected(original: str) -> dict:
    """The original data with env.python replaced: what every output must load to."""
    data = yaml.safe_load(original) or {}
    env = data.get("env") or {}
    data["env"] = {**env, "python": MANUAL}
    return data


def _ordered(value: object) -> object:
    """Dicts as lists of pairs, so comparisons see key order too."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def _check(original: str) -> str:
    out = make_manual_config(original, **ARGS)
    assert _ordered(yaml.safe_load(out)) == _ordered(_expected(original))
    return out


def test_commented_config_keeps_comments_and_layout() -> None:
    original = _fixture("commented.yaml")
    out = _check(original)
    for kept in [
        "# Train the model on one GPU.\n",
        "name: train-resnet   # shown in the UI\n",
        "  # Values for the job's environment.\n",
        "  # Base image for the VM.\n  docker: b1g00000000000000000\n",
        "working-storage:\n  type: SSD\n  size: 150Gb\n",
    ]:
        assert kept in out
    assert "root-paths" not in out
    assert "pip:" not in out
    assert "no-deps" not in out
    assert (
        "  python:\n"
        "    type: manual\n"
        "    version: '3.10'\n"
        "    requirements-file: requirements.txt\n"
        "    local-paths:\n"
        "      - src\n"
        "      - x.py\n"
    ) in out
    # Only the python entry changed: the text before and after it is identical.
    head = original[: original.index("  python:")]
    tail = original[original.index("  # Base image") :]
    assert out.startswith(head)
    assert out.endswith(tail)


def test_string_auto_with_four_space_indent() -> None:
    out = _check(_fixture("string_auto.yaml"))
    assert out.startswith(
        "cmd: python main.py   # entry point\nenv:\n    python:\n        type: manual\n"
    )
    assert list(yaml.safe_load(out)["env"]) == ["python", "vars"]


def test_env_missing_is_added_at_the_end() -> None:
    original = _fixture("no_env.yaml")
    out = _check(original)
    assert out.startswith(original)
    assert list(yaml.safe_load(out)) == ["name", "cmd", "env"]


def test_env_without_python_gets_it_last() -> None:
    original = "cmd: python main.py\nenv:\n  vars:\n    - A\n  docker: b1g00000000000000000\n"
    out = _check(original)
    assert list(yaml.safe_load(out)["env"]) == ["vars", "docker", "python"]
    assert out.startswith(original)


def test_empty_env_value() -> None:
    out = _check("cmd: python main.py\nenv:   # to fill in\nflags: [attach-project-disk]\n")
    assert out.endswith("flags: [attach-project-disk]\n")


def test_flow_style_env_is_rewritten_alone() -> None:
    original = _fixture("flow_env.yaml")
    out = _check(original)
    assert out.startswith("# flow-style env, the rest in block style\ncmd: python -m pkg.train\n")
    assert out.endswith("outputs:\n  - result.json\n")
    assert list(yaml.safe_load(out)["env"]) == ["vars", "python", "docker"]


def test_flow_style_root_falls_back_to_a_dump() -> None:
    out = _check(_fixture("flow_root.yaml"))
    assert list(yaml.safe_load(out)) == ["cmd", "env", "args"]


def test_aliases_fall_back_to_a_dump_with_the_same_data() -> None:
    out = _check(_fixture("aliases.yaml"))
    assert yaml.safe_load(out)["env"]["vars"] == ["A"]


def test_crlf_line_endings_are_kept() -> None:
    original = "cmd: python main.py\r\nenv:\r\n  python: auto\r\n  vars:\r\n    - A\r\n"
    out = _check(original)
    assert "\n" not in out.replace("\r\n", "")


def test_empty_and_comment_only_configs() -> None:
    assert yaml.safe_load(_check("")) == {"env": {"python": MANUAL}}
    out = _check("# nothing yet\n")
    assert out.startswith("# nothing yet\n")


def test_no_local_paths_leaves_the_key_out() -> None:
    """`local-paths: []` crashes the 0.10.0 client (CFG014, our own check): a job with no
    local file at all (`cmd: python -c ...`) gets no key rather than an empty list."""
    out = make_manual_config("cmd: python -c 'print(1)'\n", **{**ARGS, "local_paths": []})
    assert "local-paths" not in out
    assert yaml.safe_load(out)["env"]["python"] == {
        "type": "manual",
        "version": "3.10",
        "requirements-file": "requirements.txt",
    }


def test_applying_twice_changes_nothing() -> None:
    once = make_manual_config(_fixture("commented.yaml"), **ARGS)
    assert make_manual_config(once, **ARGS) == once


def test_odd_scalars_are_quoted() -> None:
    out = make_manual_config(
        "cmd: x\n", version="3.12", requirements_file="req: odd #.txt", local_paths=["a b", "yes"]
    )
    python = yaml.safe_load(out)["env"]["python"]
    assert python["requirements-file"] == "req: odd #.txt"
    assert python["local-paths"] == ["a b", "yes"]
    assert python["version"] == "3.12"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cmd: [unclosed\n", "not valid YAML"),
        ("- a\n- b\n", "not a YAML mapping"),
        ("cmd: x\nenv: auto\n", "'env' is not a mapping"),
    ],
)
def test_bad_configs_give_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(ManualConfigError, match=message) as info:
        make_manual_config(text, **ARGS)
    assert "\n" not in str(info.value)
