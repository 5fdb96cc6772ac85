"""The environment index over the fake environments in fixtures/envs and the real .venv."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from jobdeps.analyzer import envcache
from jobdeps.analyzer.distchecks import (
    install_findings,
    local_label_served,
    requirement_line,
    unresolved_import,
)
from jobdeps.analyzer.distmeta import egg_requires, local_label
from jobdeps.analyzer.environment import Environment, umbrella_for
from jobdeps.analyzer.sitedirs import InterpreterError, select_site_dirs

ENV = Path(__file__).resolve().parent.parent / "fixtures" / "envs" / "mlenv"
SITE = ENV / "site-packages"
USER_SITE = ENV / "user-site"


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(cache))
    monkeypatch.delenv("JOBDEPS_NO_CACHE", raising=False)
    return cache


@pytest.fixture
def env() -> Environment:
    return Environment.from_site_dirs([SITE, USER_SITE])


def rel(path: Path) -> str:
    return path.relative_to(ENV).as_posix()


# ---------------------------------------------------------------- search paths


def test_search_paths_follow_pth_lines_in_order(env: Environment) -> None:
    assert [rel(p) for p in env.search_paths] == [
        "site-packages",
        "projects/mylib/src",  # __editable__.mylib-0.3.0.pth
        "projects/legacylib",  # easy-install.pth
        "user-site",
    ]


def test_pth_import_lines_are_never_run(env: Environment) -> None:
    # zz-never-run.pth would exit the interpreter if executed; reaching here is the proof,
    # and its line is not taken as a path either.
    assert all("never" not in p.name for p in env.search_paths)


# ---------------------------------------------------------------- find_module


@pytest.mark.parametrize(
    ("dotted", "path", "is_package", "is_extension"),
    [
        ("yaml", "site-packages/yaml/__init__.py", True, False),
        ("_yaml", "site-packages/_yaml/__init__.py", True, False),
        ("six", "site-packages/six.py", False, False),
        ("PIL.Image", "site-packages/PIL/Image.py", False, False),
        ("PIL._imaging", "site-packages/PIL/_imaging.cpython-311-x86_64-linux-gnu.so", False, True),
        (
            "numpy.linalg._umath_linalg",
            "site-packages/numpy/linalg/_umath_linalg.abi3.so",
            False,
            True,
        ),
        ("google.cloud.storage.blob", "site-packages/google/cloud/storage/blob.py", False, False),
        ("google.cloud.bigquery", "user-site/google/cloud/bigquery/__init__.py", True, False),
        ("mylib.core", "projects/mylib/src/mylib/core.py", False, False),
        ("legacylib", "projects/legacylib/legacylib/__init__.py", True, False),
    ],
)
def test_find_module(
    env: Environment, dotted: str, path: str, is_package: bool, is_extension: bool
) -> None:
    hit = env.find_module(dotted)
    assert hit is not None
    assert rel(hit.path) == path
    assert (hit.is_package, hit.is_extension, hit.is_namespace) == (is_package, is_extension, False)


def test_namespace_package_spans_site_dirs(env: Environment) -> None:
    hit = env.find_module("google.cloud")
    assert hit is not None and hit.is_namespace
    assert [rel(p) for p in hit.portions] == [
        "site-packages/google/cloud",
        "user-site/google/cloud",
    ]


@pytest.mark.parametrize(
    "dotted", ["nosuch", "stubonly", "six.moves", "google.cloud.nosuch", "1bad"]
)
def test_find_module_misses(env: Environment, dotted: str) -> None:
    assert env.find_module(dotted) is None


# ---------------------------------------------------------------- owner


@pytest.mark.parametrize(
    ("dotted", "owner"),
    [
        ("google.cloud.storage", "google-cloud-storage"),
        ("google.cloud.storage.blob.Blob", "google-cloud-storage"),  # attribute: deepest module
        ("google.api_core.exceptions", "google-api-core"),
        ("google.cloud.bigquery", "google-cloud-bigquery"),
        ("yaml", "PyYAML"),
        ("_yaml", "PyYAML"),
        ("PIL", "pillow"),
        ("PIL._imaging", "pillow"),
        ("numpy.core._multiarray_umath", "numpy"),
        ("tensorflow.python", "tensorflow-intel"),
        ("six", "six"),
        ("gitdep", "gitdep"),
        ("oldpkg.util", "oldpkg"),  # egg-info installed-files.txt
        ("legacylib", "legacylib"),  # develop egg-info in a .pth folder
        ("mylib.core", "mylib"),  # editable: the dist whose RECORD lists the .pth
    ],
)
def test_owner(env: Environment, dotted: str, owner: str) -> None:
    dist = env.owner(dotted)
    assert dist is not None
    assert dist.name == owner


@pytest.mark.parametrize("dotted", ["google", "google.cloud", "nosuch", "stubonly"])
def test_owner_is_none_when_ambiguous_or_absent(env: Environment, dotted: str) -> None:
    assert env.owner(dotted) is None


def test_namespace_with_one_owner_resolves(tmp_path: Path) -> None:
    env = Environment.from_site_dirs([SITE])  # without user-site only storage is under cloud
    dist = env.owner("google.cloud")
    assert dist is not None and dist.name == "google-cloud-storage"


# ---------------------------------------------------------------- distributions


def test_distribution_metadata(env: Environment) -> None:
    torch = env.distribution("Torch")
    assert torch is not None
    assert (torch.name, torch.canonical, torch.version) == ("torch", "torch", "2.1.0+cu121")
    assert torch.local_version == "+cu121"
    assert torch.requested is True
    assert torch.requires == (
        'triton==2.1.0; platform_system == "Linux" and platform_machine == "x86_64"',
    )
    assert torch.site_dir == SITE
    yaml = env.distribution("pyyaml")
    assert yaml is not None and yaml.name == "PyYAML" and yaml.requested is False


def test_distribution_lookup_any_spelling(env: Environment) -> None:
    for spelling in ("google_cloud_storage", "Google.Cloud-Storage", "google-cloud-storage"):
        dist = env.distribution(spelling)
        assert dist is not None and dist.canonical == "google-cloud-storage"
    assert env.distribution("not-installed") is None


def test_distributions_lists_everything_sorted(env: Environment) -> None:
    names = [d.canonical for d in env.distributions()]
    assert names == sorted(names)
    assert {"oldpkg", "legacylib", "google-cloud-bigquery", "tensorflow", "mylib"} <= set(names)


def test_egg_info_distribution(env: Environment) -> None:
    old = env.distribution("oldpkg")
    assert old is not None
    assert old.requested is None
    assert old.version == "1.2.3"
    assert old.requires == (
        "six>=1.10",
        'importlib-metadata; python_version < "3.8"',
        'PyYAML>=5; extra == "yaml"',
    )


def test_egg_requires_sections() -> None:
    text = "a\n[x]\nb>1\n[:sys_platform == 'win32']\nc\n[y:python_version < '3.9']\nd\n"
    assert egg_requires(text) == [
        "a",
        'b>1; extra == "x"',
        "c; sys_platform == 'win32'",
        "d; (python_version < '3.9') and extra == \"y\"",
    ]


def test_metadata_only_umbrella(env: Environment) -> None:
    tf = env.distribution("tensorflow")
    intel = env.distribution("tensorflow-intel")
    assert tf is not None and intel is not None
    assert tf.is_metadata_only is True
    assert intel.is_metadata_only is False
    # an editable install's files are only a .pth, yet it is not an umbrella
    mylib = env.distribution("mylib")
    assert mylib is not None and mylib.is_metadata_only is False


def test_umbrella_for(env: Environment) -> None:
    intel = env.owner("tensorflow")
    assert intel is not None and intel.name == "tensorflow-intel"
    umbrella = umbrella_for(env, intel)
    assert umbrella is not None and umbrella.name == "tensorflow"
    torch = env.distribution("torch")
    assert torch is not None and umbrella_for(env, torch) is None  # requested itself
    numpy = env.distribution("numpy")  # required by tensorflow-intel, which is no umbrella
    assert numpy is not None and umbrella_for(env, numpy) is None


def test_direct_url_kinds(env: Environment) -> None:
    git = env.distribution("gitdep")
    assert git is not None and git.direct_url is not None
    assert (git.direct_url.kind, git.direct_url.vcs, git.direct_url.editable) == (
        "vcs",
        "git",
        False,
    )
    assert git.direct_url.commit_id == "0123456789abcdef0123456789abcdef01234567"
    mylib = env.distribution("mylib")
    assert mylib is not None and mylib.direct_url is not None
    assert (mylib.direct_url.kind, mylib.direct_url.editable) == ("editable", True)
    assert mylib.direct_url.local_path() == Path("/home/user/projects/mylib")
    assert env.distribution("six").direct_url is None  # type: ignore[union-attr]


def test_requirement_lines_by_dialect(env: Environment) -> None:
    git = env.distribution("gitdep")
    mylib = env.distribution("mylib")
    six = env.distribution("six")
    assert git is not None and mylib is not None and six is not None
    assert requirement_line(git, "pip") == (
        "gitdep @ git+https://github.com/example/gitdep.git"
        "@0123456789abcdef0123456789abcdef01234567"
    )
    assert requirement_line(git, "platform") == "gitdep==0.4.0"
    assert requirement_line(mylib, "pip") is None
    assert requirement_line(six, "platform") == "six==1.16.0"


def test_install_findings(env: Environment) -> None:
    git = env.distribution("gitdep")
    mylib = env.distribution("mylib")
    torch = env.distribution("torch")
    assert git is not None and mylib is not None and torch is not None
    [vcs] = install_findings(git, dialect="platform", path="train.py", line=3)
    assert (vcs.code, vcs.severity.value, vcs.path, vcs.line) == ("ENV006", "error", "train.py", 3)
    [vcs_pip] = install_findings(git, dialect="pip")
    assert vcs_pip.severity.value == "info"
    # an editable install reached through site-packages ships nowhere (it passed as
    # "treated as local code", an info, while the job failed on its machine)
    [editable] = install_findings(mylib)
    assert (editable.code, editable.severity.value) == ("ENV005", "error")
    assert install_findings(mylib, dialect="pip")[0].severity.value == "warning"
    assert [f.code for f in install_findings(torch)] == ["ENV007"]
    served = ["https://download.pytorch.org/whl/cu121"]
    assert install_findings(torch, extra_index_urls=served) == []


@pytest.mark.parametrize(
    ("label", "urls", "served"),
    [
        ("+cu121", ["https://download.pytorch.org/whl/cu121"], True),
        ("+cu121", ["https://download.pytorch.org/whl/cu118"], False),
        ("+cu118", ["https://download.pytorch.org/whl"], True),
        ("+cpu", ["https://pypi.ngc.nvidia.com"], False),
        ("+cu121", [], False),
    ],
)
def test_local_label_served(label: str, urls: list[str], served: bool) -> None:
    assert local_label_served(label, urls) is served


@pytest.mark.parametrize(
    ("version", "label"),
    [("2.1.0+cu121", "+cu121"), ("1.0", None), ("0.1.dev0+g1234.d20240101", "+g1234.d20240101")],
)
def test_local_label(version: str, label: str | None) -> None:
    assert local_label(version) == label


def test_unresolved_import_findings() -> None:
    dist, source, findings = unresolved_import("cv2", "main.py", 1)
    assert (dist, source, [f.code for f in findings]) == ("opencv-python", "jobdeps", ["ENV001"])
    dist, source, findings = unresolved_import("zzunknownmod")
    assert (dist, source, [f.code for f in findings]) == (
        "zzunknownmod",
        "guessed",
        ["ENV001", "ENV002"],
    )


# ---------------------------------------------------------------- PEP 660 finders


def _pep660_env(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "proj"
    (project / "src" / "edpkg" / "sub").mkdir(parents=True)
    (project / "src" / "edpkg" / "__init__.py").write_text("")
    (project / "src" / "edpkg" / "sub" / "mod.py").write_text("")
    site = tmp_path / "site-packages"
    di = site / "edpkg-1.0.dist-info"
    di.mkdir(parents=True)
    (di / "METADATA").write_text("Metadata-Version: 2.1\nName: edpkg\nVersion: 1.0\n")
    (di / "REQUESTED").write_text("")
    (di / "direct_url.json").write_text(
        json.dumps({"url": project.as_uri(), "dir_info": {"editable": True}})
    )
    finder = "__editable___edpkg_1_0_finder.py"
    sub = project / "src" / "edpkg" / "sub"
    (site / finder).write_text(
        "import sys\n"
        "raise SystemExit('a finder must never be executed')\n"
        f"MAPPING: dict[str, str] = {{'edpkg': {str(project / 'src' / 'edpkg')!r}}}\n"
        f"NAMESPACES: dict[str, list[str]] = {{'edpkg.sub': [{str(sub)!r}]}}\n"
    )
    (site / "__editable__.edpkg-1.0.pth").write_text(
        f"import {finder[:-3]}; {finder[:-3]}.install()\n"
    )
    (di / "RECORD").write_text(
        f"{finder},,\n__editable__.edpkg-1.0.pth,,\nedpkg-1.0.dist-info/METADATA,,\n"
        "edpkg-1.0.dist-info/RECORD,,\n"
    )
    return site, project


def test_pep660_finder_mapping(tmp_path: Path) -> None:
    site, project = _pep660_env(tmp_path)
    env = Environment.from_site_dirs([site])
    hit = env.find_module("edpkg")
    assert hit is not None and hit.is_package
    assert hit.path == project / "src" / "edpkg" / "__init__.py"
    assert hit.via == site / "__editable___edpkg_1_0_finder.py"
    sub = env.find_module("edpkg.sub.mod")
    assert sub is not None and sub.path == project / "src" / "edpkg" / "sub" / "mod.py"
    owner = env.owner("edpkg.sub.mod")
    assert owner is not None and owner.name == "edpkg" and owner.is_editable
    assert project / "src" in env.search_paths


# ---------------------------------------------------------------- laziness and cache


def test_metadata_read_only_when_asked(env: Environment) -> None:
    assert env._dists == {}  # construction lists folder names only
    env.distribution("six")
    assert [p.name for p in env._dists] == ["six-1.16.0.dist-info"]


def test_records_read_only_for_candidates(env: Environment) -> None:
    env.owner("yaml")  # PyYAML's top_level.txt names yaml: no other RECORD is needed
    read = {p.name for p in env._files}
    assert read == {"PyYAML-6.0.1.dist-info"}


def test_cache_written_and_reused(_cache_in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Environment.from_site_dirs([SITE]).owner("google.cloud.storage")
    files = sorted(_cache_in_tmp.glob("tops-*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text())
    assert data["tops"]["google_cloud_storage-2.14.0.dist-info"] == ["google"]

    # a second environment answers candidate questions from the cache, not from RECORD
    env = Environment.from_site_dirs([SITE])
    calls: list[str] = []
    import jobdeps.analyzer.environment as module

    real = module.read_record_paths

    def spy(path: Path) -> list[str]:
        calls.append(path.name)
        return real(path)

    monkeypatch.setattr(module, "read_record_paths", spy)
    assert env.tops_of(SITE / "google_cloud_storage-2.14.0.dist-info") == ["google"]
    assert calls == []


def _spy(monkeypatch: pytest.MonkeyPatch, *names: str) -> list[str]:
    """Record the calls of the environment module's metadata readers ``names``."""
    import jobdeps.analyzer.environment as module

    calls: list[str] = []
    for name in names:
        real = getattr(module, name)

        def spy(path: Path, _real=real, _name=name):  # type: ignore[no-untyped-def]
            calls.append(f"{_name}:{path.name}")
            return _real(path)

        monkeypatch.setattr(module, name, spy)
    return calls


def test_warm_owner_reads_no_record_and_no_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    # issue 7: a warm run asks about the same modules; RECORD and METADATA of a big
    # distribution cost milliseconds each, every run
    cold = Environment.from_site_dirs([SITE, USER_SITE])
    names = ["yaml", "six", "google.cloud.storage", "torch", "gitdep", "mylib", "oldpkg"]
    first = [cold.owner(n) for n in names]
    assert all(first)
    calls = _spy(monkeypatch, "read_record_paths", "read_headers", "read_direct_url")
    warm = Environment.from_site_dirs([SITE, USER_SITE])
    assert [warm.owner(n) for n in names] == first  # every field, from the cache
    assert calls == []


def _one_dist_site(tmp_path: Path) -> Path:
    site = tmp_path / "site-packages"
    di = site / "pkg-1.0.dist-info"
    di.mkdir(parents=True)
    (di / "METADATA").write_text("Metadata-Version: 2.1\nName: Pkg\nVersion: 1.0\n")
    (di / "RECORD").write_text(f"pkg/__init__.py,,\n{di.name}/RECORD,,\n")
    (site / "pkg").mkdir()
    (site / "pkg" / "__init__.py").write_text("")
    return site


def test_cached_distribution_follows_its_folder(tmp_path: Path) -> None:
    site = _one_dist_site(tmp_path)
    dist = Environment.from_site_dirs([site]).owner("pkg")
    assert dist is not None and dist.requested is False
    (site / "pkg-1.0.dist-info" / "REQUESTED").write_text("")  # the folder's mtime moves
    os.utime(site / "pkg-1.0.dist-info", ns=(1, 1))  # even on a coarse clock
    again = Environment.from_site_dirs([site]).owner("pkg")
    assert again is not None and again.requested is True
    # an upgrade renames the folder: a new key, nothing stale
    (site / "pkg-1.0.dist-info").rename(site / "pkg-2.0.dist-info")
    meta = site / "pkg-2.0.dist-info" / "METADATA"
    meta.write_text(meta.read_text().replace("1.0", "2.0"))
    upgraded = Environment.from_site_dirs([site]).owner("pkg")
    assert upgraded is not None and upgraded.version == "2.0"


def test_metadata_rewritten_in_place_is_read_again(tmp_path: Path) -> None:
    # an edit in place keeps the folder's mtime, which keys the cache entry
    site = _one_dist_site(tmp_path)
    folder = site / "pkg-1.0.dist-info"
    before = os.stat(folder).st_mtime_ns
    dist = Environment.from_site_dirs([site]).owner("pkg")
    assert dist is not None and dist.requires == ()
    with open(folder / "METADATA", "a") as fh:  # same file, same folder entry
        fh.write("Requires-Dist: dep1\n")
    os.utime(folder, ns=(before, before))
    again = Environment.from_site_dirs([site]).owner("pkg")
    assert again is not None and again.requires == ("dep1",)
    # RECORD rewritten in place: the module's owner is asked again
    (site / "other").mkdir()
    (site / "other" / "__init__.py").write_text("")
    assert Environment.from_site_dirs([site]).owner("other") is None
    with open(folder / "RECORD", "a") as fh:
        fh.write("other/__init__.py,,\n")
    os.utime(folder, ns=(before, before))
    owner = Environment.from_site_dirs([site]).owner("other")
    assert owner is not None and owner.name == "Pkg"


def test_cached_rows_of_the_wrong_shape_are_ignored(
    _cache_in_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _one_dist_site(tmp_path)
    dist = Environment.from_site_dirs([site]).owner("pkg")
    [entry] = _cache_in_tmp.glob("tops-*.json")
    data = json.loads(entry.read_text())
    data["dists"]["pkg-1.0.dist-info"]["requires"] = "not a list"
    data["dists"]["pkg-1.0.dist-info"]["direct_url"] = {"url": 1}
    data["owners"]["pkg/__init__.py"] = "gone-1.0.dist-info"
    entry.write_text(json.dumps(data))
    calls = _spy(monkeypatch, "read_record_paths", "read_headers")
    again = Environment.from_site_dirs([site]).owner("pkg")
    assert again == dist
    folder = "pkg-1.0.dist-info"
    assert sorted(calls) == [f"read_headers:{folder}", f"read_record_paths:{folder}"]


def test_corrupt_cache_is_ignored(_cache_in_tmp: Path) -> None:
    Environment.from_site_dirs([SITE]).owner("six")
    [entry] = _cache_in_tmp.glob("tops-*.json")
    entry.write_text("{not json")
    dist = Environment.from_site_dirs([SITE]).owner("six")
    assert dist is not None and dist.name == "six"
    assert json.loads(entry.read_text())["format"] == envcache.FORMAT  # rewritten


def test_cache_disabled(_cache_in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBDEPS_NO_CACHE", "1")
    Environment.from_site_dirs([SITE]).owner("six")
    assert not _cache_in_tmp.exists()


def test_cache_key_changes_with_folders() -> None:
    a = envcache.cache_key(SITE, {"six-1.16.0.dist-info": 1})
    assert a != envcache.cache_key(SITE, {"six-1.16.0.dist-info": 2})
    assert a != envcache.cache_key(SITE, {"six-1.17.0.dist-info": 1})


def test_many_distributions_read_few_records(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    for i in range(300):
        di = site / f"pkg{i}-1.0.dist-info"
        di.mkdir(parents=True)
        (di / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pkg{i}\nVersion: 1.0\n")
        (di / "RECORD").write_text(f"pkg{i}/__init__.py,,\n{di.name}/RECORD,,\n")
        (site / f"pkg{i}").mkdir()
        (site / f"pkg{i}" / "__init__.py").write_text("")
    env = Environment.from_site_dirs([site])
    dist = env.owner("pkg123")
    assert dist is not None and dist.name == "pkg123"
    assert len(env._files) == 1 and len(env._dists) == 1


# ---------------------------------------------------------------- real environments


def test_current_environment_owns_our_dependencies() -> None:
    env = Environment.current()
    expected = {"yaml": "pyyaml", "_yaml": "pyyaml", "typer": "typer", "networkx": "networkx"}
    for module, dist_name in expected.items():
        dist = env.owner(module)
        assert dist is not None, module
        assert dist.canonical == dist_name
        assert dist.version
    assert env.owner("json") is None  # stdlib is not a search path
    stdlib = Path(json.__file__).parent.parent
    assert stdlib not in env.search_paths


def test_from_python_uses_the_interpreter_sys_path() -> None:
    env = Environment.from_python(Path(sys.executable))
    current = Environment.current()
    assert set(current.search_paths) <= set(env.search_paths)
    assert env.python_version == ".".join(str(n) for n in sys.version_info[:3])
    dist = env.owner("networkx")
    assert dist is not None and dist.canonical == "networkx"


def test_from_python_with_a_relative_path(tmp_path: Path, monkeypatch) -> None:
    """`--python venv/bin/python` failed: the query ran from `/`, the path relative."""
    (tmp_path / "venv").symlink_to(sys.prefix, target_is_directory=True)  # this venv
    monkeypatch.chdir(tmp_path)
    name = Path(sys.executable).name
    env = Environment.from_python(Path("venv") / Path(sys.executable).parent.name / name)
    assert env.python_version == ".".join(str(n) for n in sys.version_info[:3])
    assert env.owner("networkx") is not None


def test_from_python_bad_interpreter(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError):
        Environment.from_python(tmp_path / "no-python")


def test_select_site_dirs_drops_stdlib(tmp_path: Path) -> None:
    stdlib = tmp_path / "lib" / "python3.11"
    for sub in ("site-packages", "lib-dynload"):
        (stdlib / sub).mkdir(parents=True)
    extra = tmp_path / "extra"
    extra.mkdir()
    paths = ["", str(tmp_path / "python311.zip"), str(stdlib), str(stdlib / "lib-dynload")]
    paths += [str(stdlib / "site-packages"), str(extra)]
    assert select_site_dirs(paths, {stdlib}) == [stdlib / "site-packages", extra]
