"""``Resolver``: where CPython's path finder would find a module, decided statically.

Local trees are built in ``tmp_path``; the environment is the fake one in
``fixtures/envs/mlenv`` (PyYAML, numpy, torch, the split ``google`` namespace).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jobdeps.analyzer.environment import Environment
from jobdeps.analyzer.resolver import (
    SITE,
    STDLIB,
    DirListing,
    LocalModule,
    Resolver,
    extension_suffixes,
    find_in_dir,
)

MLENV = Path(__file__).resolve().parent.parent / "fixtures" / "envs" / "mlenv"


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def env() -> Environment:
    return Environment.from_site_dirs([MLENV / "site-packages", MLENV / "user-site"])


def make(root: Path, *files: str) -> Path:
    """Create empty files (and their folders) under ``root``; a trailing ``/`` makes a folder."""
    for rel in files:
        path = root / rel
        if rel.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")
    return root


def resolver(env: Environment, root: Path, version: str = "3.11") -> Resolver:
    return Resolver(env, version, root)


def rels(modules: list[LocalModule], root: Path) -> list[tuple[str, str, str]]:
    return [(m.name, m.path.relative_to(root).as_posix(), m.kind) for m in modules]


# -- one folder ----------------------------------------------------------------------


def test_find_in_dir_precedence_package_module_extension_namespace(tmp_path: Path) -> None:
    make(tmp_path, "a/__init__.py", "a.py", "b.py", "b/", "c.cpython-311-x86_64-linux-gnu.so")
    make(tmp_path, "c/", "d/x.py")
    listing = DirListing()
    suffixes = extension_suffixes("3.11")
    found = {n: find_in_dir(listing, tmp_path, n, suffixes) for n in "abcde"}
    assert {n: (m.kind if m else None) for n, m in found.items()} == {
        "a": "package",
        "b": "module",
        "c": "extension",
        "d": "namespace",
        "e": None,
    }
    assert found["a"] is not None and found["a"].path == tmp_path / "a" / "__init__.py"


def test_only_regular_files_are_modules(tmp_path: Path) -> None:
    """As CPython's path finder: a folder named ``x.py`` or a FIFO is no module (a FIFO
    once hung the read), and a folder named ``__init__.py`` makes a namespace package.
    A link that leads nowhere stays a module, for the walk to report (IMP011)."""
    import os

    (tmp_path / "dangling.py").symlink_to(tmp_path / "gone.py")
    (tmp_path / "dirpy.py").mkdir()
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "pkg" / "__init__.py").mkdir(parents=True)
    (tmp_path / "pkg" / "mod.py").write_text("")
    (tmp_path / "linked.py").symlink_to(tmp_path / "pkg" / "mod.py")
    listing = DirListing()
    kinds = {
        name: getattr(find_in_dir(listing, tmp_path, name), "kind", None)
        for name in ("dangling", "dirpy", "fifo", "pkg", "linked")
    }
    assert kinds == {
        "dangling": "module",
        "dirpy": None,
        "fifo": None,
        "pkg": "namespace",
        "linked": "module",
    }


def test_linked_folders_are_packages_through_the_link(tmp_path: Path) -> None:
    """A link to a package folder is a package, a link to a plain folder a namespace
    portion: links are followed (one stat each), other entries typed by the listing."""
    make(tmp_path, "real/__init__.py", "plain/x.py")
    (tmp_path / "linkpkg").symlink_to(tmp_path / "real")
    (tmp_path / "linkdir").symlink_to(tmp_path / "plain")
    listing = DirListing()
    found = {n: find_in_dir(listing, tmp_path, n) for n in ("linkpkg", "linkdir", "real")}
    assert {n: getattr(m, "kind", None) for n, m in found.items()} == {
        "linkpkg": "package",
        "linkdir": "namespace",
        "real": "package",
    }


def test_a_folders_modules_are_told_apart_without_a_stat_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listing's entry types say which names are files: on a network file system a
    stat per module of a 5,000-module walk is a round trip each."""
    import os

    make(tmp_path, *(f"mod_{i}.py" for i in range(50)), "pkg/__init__.py")
    listing = DirListing()
    calls: list[str] = []
    real_stat = os.stat

    def counting_stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counting_stat)
    kinds = [getattr(find_in_dir(listing, tmp_path, f"mod_{i}"), "kind", None) for i in range(50)]
    assert kinds == ["module"] * 50
    assert getattr(find_in_dir(listing, tmp_path, "pkg"), "kind", None) == "package"
    assert calls == []


def test_find_in_dir_needs_an_exact_extension_name(tmp_path: Path) -> None:
    make(tmp_path, "fastx.abi3.so", "fast.txt")
    suffixes = extension_suffixes("3.11")
    assert find_in_dir(DirListing(), tmp_path, "fast", suffixes) is None
    assert find_in_dir(DirListing(), tmp_path, "fastx", suffixes) is not None


def test_extensions_in_the_target_interpreters_order(tmp_path: Path) -> None:
    """CPython tries its own tag, then abi3, then plain .so, all before source; another
    version's build is never loaded. The choice must not depend on listing order."""
    make(
        tmp_path,
        "m.cpython-310-x86_64-linux-gnu.so",
        "m.abi3.so",
        "m.cpython-311-x86_64-linux-gnu.so",
        "m.py",
        "old.cpython-310-x86_64-linux-gnu.so",
    )
    found = find_in_dir(DirListing(), tmp_path, "m", extension_suffixes("3.11"))
    assert found is not None and found.path.name == "m.cpython-311-x86_64-linux-gnu.so"
    found = find_in_dir(DirListing(), tmp_path, "m", extension_suffixes("3.12"))
    assert found is not None and found.path.name == "m.abi3.so"
    assert find_in_dir(DirListing(), tmp_path, "old", extension_suffixes("3.11")) is None


# -- local, stdlib, site -------------------------------------------------------------


def test_local_module_and_package_chain(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "helper.py", "pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/leaf.py")
    r = resolver(env, tmp_path)
    search = [tmp_path, STDLIB, SITE]
    assert rels(r.resolve("helper", search).modules, tmp_path) == [
        ("helper", "helper.py", "module")
    ]
    res = r.resolve("pkg.sub.leaf", search)
    assert res.kind == "local"
    assert rels(res.modules, tmp_path) == [
        ("pkg", "pkg/__init__.py", "package"),
        ("pkg.sub", "pkg/sub/__init__.py", "package"),
        ("pkg.sub.leaf", "pkg/sub/leaf.py", "module"),
    ]
    assert res.shadows is None and not res.root_fallback


def test_missing_submodule_of_a_local_package(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "pkg/__init__.py", "mod.py")
    r = resolver(env, tmp_path)
    res = r.resolve("pkg.nothere.deeper", [tmp_path, STDLIB, SITE])
    assert (res.kind, res.missing_part) == ("unresolved", "pkg.nothere")
    assert [m.name for m in res.modules] == ["pkg"]
    # a module is not a package: `import mod.x` fails
    res = r.resolve("mod.x", [tmp_path, STDLIB, SITE])
    assert (res.kind, res.missing_part) == ("unresolved", "mod.x")


def test_stdlib_and_the_target_version(env: Environment, tmp_path: Path) -> None:
    search = [tmp_path, STDLIB, SITE]
    assert resolver(env, tmp_path, "3.11").resolve("tomllib", search).kind == "stdlib"
    assert resolver(env, tmp_path, "3.10").resolve("tomllib", search).kind == "missing-stdlib"
    # removed in 3.12
    assert resolver(env, tmp_path, "3.11").resolve("distutils.util", search).kind == "stdlib"
    assert resolver(env, tmp_path, "3.12").resolve("distutils", search).kind == "missing-stdlib"


def test_installed_distribution_and_its_owner(env: Environment, tmp_path: Path) -> None:
    r = resolver(env, tmp_path)
    res = r.resolve("yaml.loader", [tmp_path, STDLIB, SITE])
    assert res.kind == "dist"
    assert res.dist is not None and res.dist.name == "PyYAML"
    res = r.resolve("PIL", [tmp_path, STDLIB, SITE])
    assert res.dist is not None and res.dist.name.lower() == "pillow"


def test_split_namespace_resolves_each_part_to_its_distribution(
    env: Environment, tmp_path: Path
) -> None:
    r = resolver(env, tmp_path)
    owners = {
        name: r.resolve(name, [tmp_path, STDLIB, SITE]).dist
        for name in ("google.cloud.storage", "google.api_core", "google.cloud.bigquery")
    }
    assert {n: d.name if d else None for n, d in owners.items()} == {
        "google.cloud.storage": "google-cloud-storage",
        "google.api_core": "google-api-core",
        "google.cloud.bigquery": "google-cloud-bigquery",
    }


def test_nothing_anywhere_is_unresolved(env: Environment, tmp_path: Path) -> None:
    res = resolver(env, tmp_path).resolve("surely_not_a_module", [tmp_path, STDLIB, SITE])
    assert (res.kind, res.modules) == ("unresolved", [])


# -- shadowing -----------------------------------------------------------------------


def test_local_file_shadows_stdlib(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "random.py")
    res = resolver(env, tmp_path).resolve("random", [tmp_path, STDLIB, SITE])
    assert (res.kind, res.shadows) == ("local", "stdlib")


def test_preloaded_modules_cannot_be_shadowed(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "sys.py", "os.py")
    r = resolver(env, tmp_path)
    assert r.resolve("sys", [tmp_path, STDLIB, SITE]).kind == "stdlib"
    assert r.resolve("os", [tmp_path, STDLIB, SITE]).kind == "stdlib"


def test_local_file_shadows_installed_distribution(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "yaml.py", "torch/__init__.py")
    r = resolver(env, tmp_path)
    assert r.resolve("yaml", [tmp_path, STDLIB, SITE]).shadows == "PyYAML"
    assert r.resolve("torch", [tmp_path, STDLIB, SITE]).shadows == "torch"


def test_local_shadowing_only_matters_when_it_comes_first(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "yaml.py")
    assert resolver(env, tmp_path).resolve("yaml", [SITE, tmp_path]).kind == "dist"


# -- namespace packages --------------------------------------------------------------


def test_regular_package_later_on_the_path_beats_a_namespace_portion(
    env: Environment, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make(first, "pkg/mod.py")
    make(second, "pkg/__init__.py", "pkg/mod.py")
    res = resolver(env, tmp_path).resolve("pkg.mod", [first, second, STDLIB, SITE])
    assert res.modules[0].path == second / "pkg" / "__init__.py"


def test_a_data_folder_named_like_a_distribution_does_not_hide_it(
    env: Environment, tmp_path: Path
) -> None:
    make(tmp_path, "yaml/config.yaml", "numpy/")
    r = resolver(env, tmp_path)
    for name in ("yaml", "numpy"):
        res = r.resolve(name, [tmp_path, STDLIB, SITE])
        assert res.kind == "dist", name
        assert res.shadows is None


def test_local_namespace_package_needs_the_submodule(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "ns/tool.py", "ns/data.csv")
    r = resolver(env, tmp_path)
    res = r.resolve("ns.tool", [tmp_path, STDLIB, SITE])
    assert res.kind == "local"
    assert rels(res.modules, tmp_path) == [
        ("ns", "ns", "namespace"),
        ("ns.tool", "ns/tool.py", "module"),
    ]
    assert r.resolve("ns.missing", [tmp_path, STDLIB, SITE]).kind == "unresolved"


@pytest.mark.parametrize("first", ["holds", "lacks"])
def test_from_import_of_a_data_folder_depends_on_the_names_in_either_order(
    env: Environment, tmp_path: Path, first: str
) -> None:
    # ``from datasets import x``: a folder without __init__.py is local only when it
    # holds x; a resolution that judged the names is never reused for other names
    make(tmp_path, "datasets/local_mod.py", "datasets/train.csv")
    r = resolver(env, tmp_path)
    search = [tmp_path, STDLIB, SITE]
    names = {"holds": ("local_mod",), "lacks": ("load_dataset",)}
    order = [first, "lacks" if first == "holds" else "holds"]
    kinds = {which: r.resolve("datasets", search, names[which]).kind for which in order}
    assert kinds == {"holds": "local", "lacks": "unresolved"}


def test_a_package_is_resolved_once_whatever_is_imported_from_it(
    env: Environment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(tmp_path, "app/__init__.py", "app/a.py", "app/b.py")
    r = resolver(env, tmp_path)
    search = [tmp_path, STDLIB, SITE]
    calls: list[str] = []
    original = r._resolve
    monkeypatch.setattr(r, "_resolve", lambda name, *a: calls.append(name) or original(name, *a))
    first = r.resolve("app", search, ("a",))
    assert r.resolve("app", search, ("b",)) is first
    assert r.resolve("app", search) is first
    assert calls == ["app"]


def test_namespace_portions_from_two_folders(env: Environment, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    make(first, "ns/one.py")
    make(second, "ns/two.py")
    r = resolver(env, tmp_path)
    search = [first, second, STDLIB, SITE]
    assert r.resolve("ns.one", search).modules[-1].path == first / "ns" / "one.py"
    assert r.resolve("ns.two", search).modules[-1].path == second / "ns" / "two.py"


def test_module_file_beats_a_folder_without_init(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "data.py", "data/loader.py", "data/train.csv")
    res = resolver(env, tmp_path).resolve("data", [tmp_path, STDLIB, SITE])
    assert rels(res.modules, tmp_path) == [("data", "data.py", "module")]


# -- the project root ----------------------------------------------------------------


def test_root_fallback_when_only_the_root_finds_it(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "common/__init__.py", "scripts/train.py")
    r = resolver(env, tmp_path)
    res = r.resolve("common", [tmp_path / "scripts", STDLIB, SITE])
    assert res.kind == "local" and res.root_fallback
    res = r.resolve("common", [tmp_path, STDLIB, SITE])
    assert res.kind == "local" and not res.root_fallback


def test_submodule_of_a_package_or_namespace(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "pkg/__init__.py", "pkg/sub.py", "ns/leaf.py", "mod.py")
    r = resolver(env, tmp_path)
    pkg = LocalModule("pkg", tmp_path / "pkg" / "__init__.py", "package")
    ns = LocalModule("ns", tmp_path / "ns", "namespace")
    mod = LocalModule("mod", tmp_path / "mod.py", "module")
    sub = r.submodule(pkg, "sub")
    assert sub is not None and (sub.name, sub.kind) == ("pkg.sub", "module")
    assert r.submodule(pkg, "CONST") is None
    leaf = r.submodule(ns, "leaf")
    assert leaf is not None and leaf.name == "ns.leaf"
    assert r.submodule(mod, "anything") is None


def test_resolution_is_memoised_per_search_path(env: Environment, tmp_path: Path) -> None:
    make(tmp_path, "helper.py")
    r = resolver(env, tmp_path)
    search = [tmp_path, STDLIB, SITE]
    assert r.resolve("helper", search) is r.resolve("helper", list(search))
    assert r.resolve("helper", [STDLIB, SITE]) is not r.resolve("helper", search)


@pytest.mark.parametrize("version", ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"])
def test_a_local_lib_package_shadows_nothing(tmp_path: Path, version: str) -> None:
    """stdlib-list's 3.9 data holds ``lib.libpython3``, a build folder: a user's ``lib``
    package was reported as shadowing the standard library (IMP003) for 3.9."""
    from jobdeps.analyzer.analysis import AnalysisOptions, analyze
    from jobdeps.analyzer.entries import EntrySpec
    from jobdeps.analyzer.stdlib import stdlib_top_level

    assert "lib" not in stdlib_top_level(version)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "main.py").write_text("import lib\n")
    result = analyze(
        [EntrySpec("script", "main.py")], AnalysisOptions(root=tmp_path, python_version=version)
    )
    assert [f.code for f in result.findings] == []
    assert "lib/__init__.py" in result.local_files


def test_cpython_test_package_is_stdlib_not_pytabix(tmp_path: Path) -> None:
    """`from test.support import os_helper` was pinned as `pytabix` (pipreqs' mapping);
    a project's own `test/` still comes first and shadows nothing."""
    from jobdeps.analyzer.analysis import AnalysisOptions, analyze
    from jobdeps.analyzer.entries import EntrySpec

    (tmp_path / "main.py").write_text("from test.support import os_helper\n")
    result = analyze([EntrySpec("script", "main.py")], AnalysisOptions(root=tmp_path))
    assert "test" in result.stdlib
    assert not result.requirements and result.findings == []
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "__init__.py").write_text("")
    (tmp_path / "test" / "support.py").write_text("os_helper = None\n")
    result = analyze([EntrySpec("script", "main.py")], AnalysisOptions(root=tmp_path))
    assert "test/support.py" in result.local_files and result.findings == []


def test_windows_only_stdlib_is_missing_on_the_jobs_linux(tmp_path: Path) -> None:
    """`import msvcrt` passed `check`; CPython on Linux raises ModuleNotFoundError."""
    from jobdeps.analyzer.analysis import AnalysisOptions, analyze
    from jobdeps.analyzer.entries import EntrySpec

    (tmp_path / "main.py").write_text(
        "import sys\nimport msvcrt\nif sys.platform == 'win32':\n    import winreg\n"
        "try:\n    import winsound\nexcept ImportError:\n    winsound = None\n"
    )
    result = analyze([EntrySpec("script", "main.py")], AnalysisOptions(root=tmp_path))
    assert [(f.code, f.line, f.severity.value) for f in result.findings] == [
        ("IMP002", 2, "error"),
        ("IMP002", 6, "warning"),
    ]
    assert "Windows only" in result.findings[0].message


def test_distutils_on_312_comes_from_the_setuptools_shim(tmp_path: Path) -> None:
    """setuptools' distutils-precedence.pth makes `import distutils` load
    setuptools._distutils on 3.12+: it was a false IMP002 error, setuptools unlisted."""
    site = tmp_path / "site-packages"
    files = [
        "setuptools/__init__.py",
        "setuptools/_distutils/__init__.py",
        "_distutils_hack/__init__.py",
        "distutils-precedence.pth",
    ]
    make(site, *files)
    info = site / "setuptools-70.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: setuptools\nVersion: 70.0.0\n")
    record = [*files, "setuptools-70.0.0.dist-info/METADATA", "setuptools-70.0.0.dist-info/RECORD"]
    (info / "RECORD").write_text("".join(f"{f},,\n" for f in record))
    with_shim = Environment.from_site_dirs([site])
    search = [tmp_path, STDLIB, SITE]
    res = resolver(with_shim, tmp_path, "3.12").resolve("distutils.util", search)
    assert res.kind == "dist" and res.dist is not None and res.dist.name == "setuptools"
    assert resolver(with_shim, tmp_path, "3.11").resolve("distutils", search).kind == "stdlib"
    (site / "_distutils_hack" / "__init__.py").unlink()
    (site / "_distutils_hack").rmdir()
    without = Environment.from_site_dirs([site])
    assert resolver(without, tmp_path, "3.12").resolve("distutils", search).kind == "missing-stdlib"
