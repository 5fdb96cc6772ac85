"""The Requires-Dist closure over fixtures/envs/mlenv, with target markers and extras."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobdeps.analyzer.environment import Environment
from jobdeps.bundler.closure import TargetSpec, requirement_closure

ENV = Path(__file__).resolve().parent.parent / "fixtures" / "envs" / "mlenv"


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def env() -> Environment:
    return Environment.from_site_dirs([ENV / "site-packages", ENV / "user-site"])


def codes(findings: list) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in findings]


def test_markers_evaluated_for_target_python(env: Environment) -> None:
    graph, findings = requirement_closure(env, ["richdeps"], TargetSpec(python_version="3.10"))
    assert set(graph.nodes) == {"richdeps", "pyyaml", "typing-extensions"}
    assert graph.nodes["typing-extensions"]["dist"] is None
    assert codes(findings) == [
        ("ENV003", "richdeps 1.0.0 requires typing-extensions>=4.0, which is not installed")
    ]
    graph, findings = requirement_closure(env, ["richdeps"], TargetSpec(python_version="3.11"))
    assert set(graph.nodes) == {"richdeps", "pyyaml"}
    assert findings == []


def test_platform_markers_use_linux_not_the_host(env: Environment) -> None:
    graph, _ = requirement_closure(env, ["richdeps"], TargetSpec(python_version="3.12"))
    assert "colorama" not in graph  # sys_platform == "win32"
    graph, findings = requirement_closure(env, ["torch"], TargetSpec())
    assert list(graph.successors("torch")) == ["triton"]
    assert [f.code for f in findings] == ["ENV003"]
    graph, findings = requirement_closure(env, ["torch"], TargetSpec(platform_machine="aarch64"))
    assert list(graph.successors("torch")) == [] and findings == []


def test_extras_followed_only_when_asked(env: Environment) -> None:
    graph, findings = requirement_closure(env, ["richdeps[images]"], TargetSpec())
    assert set(graph.successors("richdeps")) == {"pyyaml", "pillow"}
    assert graph.nodes["richdeps"]["extras"] == ("images",)
    assert graph.edges["richdeps", "pillow"]["requirement"] == 'Pillow>=10; extra == "images"'
    assert graph.nodes["pillow"]["dist"].version == "10.2.0"
    assert findings == []  # pillow's own "tests" extra was not asked for


def test_extra_conflict_and_missing(env: Environment) -> None:
    _, findings = requirement_closure(env, ["richdeps[old,fast]"], TargetSpec())
    assert [(f.code, f.severity.value) for f in findings] == [
        ("ENV003", "error"),
        ("ENV004", "warning"),
    ]
    assert "uvloop" in findings[0].message
    assert (
        findings[1].message == "richdeps 1.0.0 requires numpy<1.20, but numpy 1.26.0 is installed"
    )


def test_extras_added_by_a_later_parent(env: Environment, tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    for name, requires in [
        ("base", ["lib"]),
        ("wants-extra", ["lib[speed]"]),
        ("lib", ['fastpath; extra == "speed"']),
        ("fastpath", []),
    ]:
        di = site / f"{name.replace('-', '_')}-1.0.dist-info"
        di.mkdir(parents=True)
        lines = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0"]
        lines += [f"Requires-Dist: {r}" for r in requires]
        (di / "METADATA").write_text("\n".join(lines) + "\n")
    local = Environment.from_site_dirs([site])
    graph, findings = requirement_closure(local, ["base", "wants-extra"], TargetSpec())
    assert graph.has_edge("lib", "fastpath")
    assert graph.edges["wants-extra", "lib"]["extras"] == ("speed",)
    assert graph.nodes["lib"]["extras"] == ("speed",)
    graph, _ = requirement_closure(local, ["base"], TargetSpec())
    assert "fastpath" not in graph
    assert findings == []


def test_umbrella_and_namespace_closure(env: Environment) -> None:
    graph, findings = requirement_closure(
        env, ["tensorflow", "google-cloud-storage"], TargetSpec(python_version="3.11.7")
    )
    assert sorted(graph.edges) == [
        ("google-api-core", "protobuf"),
        ("google-cloud-storage", "google-api-core"),
        ("google-cloud-storage", "google-auth"),
        ("tensorflow", "tensorflow-intel"),
        ("tensorflow-intel", "numpy"),
    ]
    assert sorted(f.message for f in findings) == [
        "google-api-core 2.15.0 requires protobuf>=3.19.5, which is not installed",
        "google-cloud-storage 2.14.0 requires google-auth>=2.23.3, which is not installed",
    ]
    assert graph.nodes["tensorflow"]["root"] and not graph.nodes["numpy"]["root"]


def test_egg_info_requires_txt(env: Environment) -> None:
    graph, findings = requirement_closure(env, ["oldpkg[yaml]"], TargetSpec())
    assert set(graph.successors("oldpkg")) == {"six", "pyyaml"}  # importlib-metadata: < 3.8
    assert findings == []


def test_missing_root_is_a_node_without_finding(env: Environment) -> None:
    graph, findings = requirement_closure(env, ["not-installed-anywhere"], TargetSpec())
    assert graph.nodes["not-installed-anywhere"]["dist"] is None
    assert findings == []


def test_root_spellings_and_junk(env: Environment) -> None:
    graph, _ = requirement_closure(env, ["PyYAML", "this is not a requirement"], TargetSpec())
    assert list(graph.nodes) == ["pyyaml"]


def test_marker_environment() -> None:
    env = TargetSpec(python_version="3.10.13").marker_environment()
    assert env["python_version"] == "3.10"
    assert env["python_full_version"] == "3.10.13"
    assert (env["sys_platform"], env["platform_system"], env["platform_machine"]) == (
        "linux",
        "Linux",
        "x86_64",
    )
    assert env["os_name"] == "posix" and env["implementation_name"] == "cpython"
    assert TargetSpec(python_version="3.12").marker_environment()["python_full_version"] == "3.12.0"


def test_result_is_deterministic(env: Environment) -> None:
    roots = ["richdeps[images,old,fast]", "torch", "google-cloud-storage", "oldpkg"]
    first = requirement_closure(env, roots, TargetSpec())
    second = requirement_closure(env, list(reversed(roots)), TargetSpec())
    assert sorted(first[0].edges) == sorted(second[0].edges)
    assert first[1] == second[1]
