"""Pinned requirements from an analysis: what goes in, how each dialect renders it."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from pathlib import Path

import pytest
from _wheels import build_wheel, pip_dry_run, wheels_from_environment
from packaging.utils import canonicalize_name

from jobdeps import __version__
from jobdeps.analyzer.analysis import Analysis, AnalysisOptions
from jobdeps.analyzer.jobconfig import PipOptions
from jobdeps.api import analyze_job, load_job
from jobdeps.bundler.requirements import build_requirements

REPO = Path(__file__).resolve().parent.parent
ENV = REPO / "fixtures" / "envs" / "mlenv"
CASES = REPO / "fixtures" / "requirements"
SITE_DIRS = [ENV / "site-packages", ENV / "user-site"]


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path / "cache"))


def analyse(
    job: Path,
    *entries: str,
    config: str | None = None,
    python_version: str | None = "3.11",
    site_dirs: list[Path] | None = None,
) -> Analysis:
    loaded = load_job(list(entries), config=config, root=job, cwd=job)
    options = AnalysisOptions(
        python_version=python_version,
        site_packages=SITE_DIRS if site_dirs is None else site_dirs,
        cache=False,
        jobs=1,
    )
    return analyze_job(loaded, options)


@pytest.fixture(scope="module")
def mlenv_job() -> Analysis:
    mp = pytest.MonkeyPatch()
    mp.setenv("JOBDEPS_NO_CACHE", "1")
    try:
        return analyse(CASES / "mlenv_job", "main.py")
    finally:
        mp.undo()


def codes(result) -> list[tuple[str, str | None, int | None]]:
    return [(f.code, f.path, f.line) for f in result.findings]


def golden(name: str) -> str:
    text = (CASES / name).read_text(encoding="utf-8")
    return text.replace("{version}", __version__)


# ------------------------------------------------------------------ what goes in


def test_pip_dialect_matches_golden(mlenv_job: Analysis) -> None:
    result = build_requirements(mlenv_job, dialect="pip")
    assert result.render() == golden("mlenv_job/expected.pip.txt")


def test_datasphere_dialect_matches_golden(mlenv_job: Analysis) -> None:
    result = build_requirements(mlenv_job, dialect="datasphere", include_optional=False)
    text = result.render()
    assert text == golden("mlenv_job/expected.datasphere.txt")
    assert "#" not in text and ";" not in text and "@" not in text


def test_names_as_metadata_spells_them_sorted_and_merged(mlenv_job: Analysis) -> None:
    result = build_requirements(mlenv_job, dialect="pip")
    names = [line.name for line in result.lines]
    assert names == sorted(names, key=canonicalize_name)
    assert len(names) == len({canonicalize_name(n) for n in names})
    assert "PyYAML" in names  # METADATA's spelling, not the import name or folder name
    numpy = next(line for line in result.lines if line.name == "numpy")
    assert numpy.provenance == ("helpers.py:1", "main.py:7")  # two files, one line


def test_optional_included_unless_asked_and_type_checking_never(mlenv_job: Analysis) -> None:
    with_optional = build_requirements(mlenv_job)
    six = next(line for line in with_optional.lines if line.name == "six")
    assert six.optional and "optional, from main.py:21" in six.comment()
    without = build_requirements(mlenv_job, include_optional=False)
    assert "six" not in [line.name for line in without.lines]
    for result in (with_optional, without):
        names = {line.canonical for line in result.lines}
        assert "pandas" not in names and "ujson" not in names


def test_umbrella_pinned_instead_of_its_payload(mlenv_job: Analysis) -> None:
    result = build_requirements(mlenv_job)
    names = [line.spec for line in result.lines]
    assert "tensorflow==2.15.0" in names and "tensorflow-intel==2.15.0" not in names
    assert ("ENV008", "main.py", 8) in codes(result)


def test_editable_install_is_local_code(mlenv_job: Analysis) -> None:
    result = build_requirements(mlenv_job)
    assert "mylib" not in [line.canonical for line in result.lines]
    editable = [f for f in result.findings if f.code == "ENV005"]
    assert [(f.path, f.line) for f in editable] == [("main.py", 14)]


def test_vcs_install_per_dialect(mlenv_job: Analysis) -> None:
    pip = build_requirements(mlenv_job, dialect="pip")
    spec = next(line.spec for line in pip.lines if line.name == "gitdep")
    assert spec == (
        "gitdep @ git+https://github.com/example/gitdep.git@0123456789abcdef0123456789abcdef01234567"
    )
    assert {f.severity.value for f in pip.findings if f.code == "ENV006"} == {"info"}
    platform = build_requirements(mlenv_job, dialect="datasphere")
    assert "gitdep==0.4.0" in [line.spec for line in platform.lines]
    assert {f.severity.value for f in platform.findings if f.code == "ENV006"} == {"error"}


def test_local_label_needs_an_index_that_serves_it(mlenv_job: Analysis) -> None:
    bare = build_requirements(mlenv_job)
    assert [(f.code, f.line) for f in bare.findings if f.code == "ENV007"] == [("ENV007", 9)]
    served = build_requirements(
        mlenv_job, pip=PipOptions(extra_index_urls=["https://download.pytorch.org/whl/cu121"])
    )
    assert not [f for f in served.findings if f.code == "ENV007"]
    assert "torch==2.1.0+cu121" in [line.spec for line in served.lines]


def test_not_installed_is_unpinned_and_guessed_is_left_out(mlenv_job: Analysis) -> None:
    result = build_requirements(mlenv_job)
    sklearn = next(line for line in result.lines if line.canonical == "scikit-learn")
    assert sklearn.spec == "scikit-learn" and sklearn.version is None
    assert "not installed: unpinned" in sklearn.comment()
    assert ("ENV001", "main.py", 16) in [(f.code, f.path, f.line) for f in mlenv_job.findings]
    assert "nosuchthing-xyz" not in [line.canonical for line in result.lines]
    guessed = [f for f in result.findings if f.code == "REQ006"]
    assert [(f.path, f.line, f.severity.value) for f in guessed] == [("main.py", 18, "error")]


@pytest.mark.parametrize(
    ("pin", "numpy", "torch"),
    [
        ("exact", "numpy==1.26.0", "torch==2.1.0+cu121"),
        ("compatible", "numpy~=1.26.0", "torch~=2.1.0"),
        ("none", "numpy", "torch"),
    ],
)
def test_pin_styles(mlenv_job: Analysis, pin: str, numpy: str, torch: str) -> None:
    specs = {line.canonical: line.spec for line in build_requirements(mlenv_job, pin=pin).lines}
    assert specs["numpy"] == numpy and specs["torch"] == torch


def test_compatible_pin_of_a_one_part_version(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "onepart-3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: onepart\nVersion: 3\n")
    (info / "RECORD").write_text("onepart.py,,\n")
    (site / "onepart.py").write_text("")
    (tmp_path / "main.py").write_text("import onepart\n")
    analysis = analyse(tmp_path, "main.py", site_dirs=[site])
    result = build_requirements(analysis, pin="compatible")
    assert [line.spec for line in result.lines] == ["onepart~=3.0"]


def test_unknown_dialect_or_pin_is_refused(mlenv_job: Analysis) -> None:
    with pytest.raises(ValueError, match="dialect"):
        build_requirements(mlenv_job, dialect="conda")
    with pytest.raises(ValueError, match="pin"):
        build_requirements(mlenv_job, pin="loose")


# ------------------------------------------------------------------ the closure


def test_transitive_closure_with_markers_for_the_target() -> None:
    analysis = analyse(CASES / "config_job", "train.py", python_version="3.10")
    result = build_requirements(analysis, transitive=True, dialect="pip")
    assert result.closure is not None
    assert set(result.closure.successors("richdeps")) == {"pyyaml", "typing-extensions"}
    lines = {line.canonical: line for line in result.lines}
    assert lines["pyyaml"].transitive and lines["pyyaml"].provenance == ("richdeps",)
    assert lines["tensorflow-intel"].transitive and lines["numpy"].provenance == (
        "tensorflow-intel",
    )
    missing = sorted(f.message for f in result.findings if f.code == "ENV003")
    assert missing == [
        "richdeps 1.0.0 requires typing-extensions>=4.0, which is not installed",
        "torch 2.1.0+cu121 requires triton==2.1.0, which is not installed",
    ]
    newer = build_requirements(
        analyse(CASES / "config_job", "train.py", python_version="3.12"), transitive=True
    )
    assert "typing-extensions" not in newer.closure


def test_not_transitive_has_no_closure(mlenv_job: Analysis) -> None:
    result = build_requirements(mlenv_job)
    assert result.closure is None
    assert not any(line.transitive for line in result.lines)


def test_config_options_and_no_deps() -> None:
    analysis = analyse(CASES / "config_job", config="config.yaml")
    assert analysis.entries
    job = load_job(config="config.yaml", root=CASES / "config_job", cwd=CASES / "config_job")
    pip = job.config.env.python.pip
    platform = build_requirements(analysis, pip=pip, dialect="datasphere")
    assert platform.render() == golden("config_job/expected.datasphere.txt")
    assert platform.closure is not None  # no-deps: the closure always
    assert ("REQ008", None, None) in codes(platform)
    pip_text = build_requirements(analysis, pip=pip, dialect="pip").render()
    assert "--index-url https://mirror.example.com/simple\n" in pip_text
    assert "--no-deps" not in pip_text.replace("`pip install --no-deps -r FILE`", "")


def test_output_is_byte_identical_across_runs() -> None:
    first = analyse(CASES / "mlenv_job", "main.py")
    second = analyse(CASES / "mlenv_job", "main.py")
    for dialect in ("pip", "datasphere"):
        a = build_requirements(first, dialect=dialect, transitive=True).render()
        b = build_requirements(second, dialect=dialect, transitive=True).render()
        assert a == b and a.endswith("\n") and "\r" not in a


# ------------------------------------------------------------------ the real environment


def test_real_installed_environment_pins_what_is_installed(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("import yaml\nimport packaging.version\nimport networkx\n")
    loaded = load_job(["main.py"], root=tmp_path, cwd=tmp_path)
    analysis = analyze_job(loaded, AnalysisOptions(cache=False, jobs=1))
    result = build_requirements(analysis, dialect="datasphere")
    expected = sorted(
        (
            f"{importlib.metadata.metadata(d)['Name']}=={importlib.metadata.version(d)}"
            for d in ("PyYAML", "packaging", "networkx")
        ),
        key=lambda s: canonicalize_name(s.split("==")[0]),
    )
    assert result.render() == "".join(f"{line}\n" for line in expected)


# ------------------------------------------------------------------ round trip through pip


def _pip_available() -> bool:
    return importlib.util.find_spec("pip") is not None


@pytest.mark.skipif(not _pip_available(), reason="pip is not installed in this interpreter")
@pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="pip judges markers for the interpreter running it; the fixture targets 3.11, "
    "where richdeps needs no typing-extensions",
)
@pytest.mark.parametrize("dialect", ["pip", "datasphere"])
def test_round_trip_installs_offline_with_pip(tmp_path: Path, dialect: str) -> None:
    analysis = analyse(CASES / "roundtrip_job", "main.py")
    result = build_requirements(analysis, dialect=dialect, transitive=True)
    assert not [f for f in result.findings if f.severity.value == "error"]
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(result.render(), encoding="utf-8")
    wheels = tmp_path / "wheels"
    wheels_from_environment(ENV / "site-packages", wheels)
    build_wheel(wheels, "numpy", "1.25.0")  # a decoy: the pin must pick 1.26.0
    installed = pip_dry_run(requirements, wheels, tmp_path)
    assert installed == {line.canonical: line.version for line in result.lines}
    assert installed["numpy"] == "1.26.0" and installed["pyyaml"] == "6.0.1"


@pytest.mark.skipif(not _pip_available(), reason="pip is not installed in this interpreter")
def test_round_trip_fails_when_a_pin_is_not_available(tmp_path: Path) -> None:
    """The check can fail: without numpy's wheel, pip cannot install the file."""
    analysis = analyse(CASES / "roundtrip_job", "main.py")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(build_requirements(analysis).render(), encoding="utf-8")
    wheels = tmp_path / "wheels"
    for wheel in wheels_from_environment(ENV / "site-packages", wheels):
        if wheel.name.startswith("numpy-"):
            wheel.unlink()
    with pytest.raises(AssertionError, match="numpy"):
        pip_dry_run(requirements, wheels, tmp_path)
