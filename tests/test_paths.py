"""Paths against the project root: outside, symlink escapes, loops; and the BND catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobdeps.analyzer.findings import Severity, all_rules
from jobdeps.bundler.paths import Placement, check_inside_root, placement, safe_relpath


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "util.py").write_text("")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "lib.py").write_text("")
    return root


def test_inside_paths(project: Path) -> None:
    assert safe_relpath(project, project / "pkg" / "util.py") == "pkg/util.py"
    assert safe_relpath(project, Path("pkg/util.py")) == "pkg/util.py"
    assert safe_relpath(project, project) == "."
    assert placement(project, Path("pkg/util.py")) is Placement.INSIDE
    assert check_inside_root(project, Path("pkg/util.py"), "pkg/util.py") is None


def test_symlink_inside_the_root_is_fine(project: Path) -> None:
    (project / "alias.py").symlink_to(project / "pkg" / "util.py")
    assert safe_relpath(project, project / "alias.py") == "pkg/util.py"
    assert placement(project, Path("alias.py")) is Placement.INSIDE


def test_written_outside(project: Path) -> None:
    target = project.parent / "outside" / "lib.py"
    assert safe_relpath(project, target) is None
    assert placement(project, Path("../outside/lib.py")) is Placement.OUTSIDE
    f = check_inside_root(project, target, "../outside/lib.py", what="local import")
    assert f is not None
    assert (f.code, f.severity, f.path) == ("BND005", Severity.ERROR, "../outside/lib.py")
    assert f.message == "local import ../outside/lib.py is outside the project root"


@pytest.mark.parametrize("link", ["lib.py", "vendor"])
def test_symlink_escape(project: Path, link: str) -> None:
    outside = project.parent / "outside"
    (project / link).symlink_to(outside / "lib.py" if link == "lib.py" else outside)
    rel = "lib.py" if link == "lib.py" else "vendor/lib.py"
    assert safe_relpath(project, project / rel) is None
    assert placement(project, Path(rel)) is Placement.SYMLINK_ESCAPE
    f = check_inside_root(project, Path(rel), rel)
    assert f is not None
    assert (f.code, f.path) == ("BND006", rel)


def test_symlink_loop_is_not_inside(project: Path) -> None:
    (project / "a").symlink_to(project / "b")
    (project / "b").symlink_to(project / "a")
    assert safe_relpath(project, project / "a") is None
    assert placement(project, Path("a")) is Placement.SYMLINK_ESCAPE


def test_root_given_through_a_symlink(project: Path) -> None:
    via = project.parent / "via"
    via.symlink_to(project)
    assert safe_relpath(via, via / "pkg" / "util.py") == "pkg/util.py"
    assert placement(via, via / "pkg" / "util.py") is Placement.INSIDE
    assert placement(via, project / "pkg" / "util.py") is Placement.INSIDE


def test_bundle_rule_catalog() -> None:
    # BND001-BND099 are this catalog's; other groups may add bundle rules from BND100 on.
    mine = [r for r in all_rules() if r.group == "bundle" and r.code < "BND100"]
    bundle = {r.code: (r.name, r.severity) for r in mine}
    assert bundle == {
        "BND001": ("secret-file", Severity.ERROR),
        "BND002": ("file-too-large", Severity.ERROR),
        "BND003": ("bundle-too-large", Severity.ERROR),
        "BND004": ("large-file", Severity.WARNING),
        "BND005": ("outside-root", Severity.ERROR),
        "BND006": ("symlink-escape", Severity.ERROR),
        "BND007": ("unresolved-in-bundle", Severity.ERROR),
        "BND008": ("include-matched-nothing", Severity.WARNING),
        "BND009": ("unshippable-name", Severity.ERROR),
    }
    for r in mine:
        assert r.summary and r.hint and "\n" not in r.summary
