"""``__all__`` as ``from pkg import *`` reads it (see ``jobdeps.analyzer.dunder_all``)."""

from __future__ import annotations

import pytest

from jobdeps.analyzer.dunder_all import all_names


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("__all__ = ['a', 'b']\n", ("a", "b")),
        ("__all__ = ('a',)\n__all__ += ['b']\n__all__.extend(['c'])\n__all__.append('d')\n",
         ("a", "b", "c", "d")),
        ("__all__: list[str] = ['a']\n", ("a",)),
        ("__all__ = ['a'] + ['b']\n", ("a", "b")),
        ("__all__ = other.__all__ + ['b']\n", ("b",)),  # the computed part adds nothing
        ("if X:\n    __all__ = ['a']\nelse:\n    __all__ = ['b']\n", ("a", "b")),  # either runs
        ("try:\n    import x\nexcept ImportError:\n    __all__ = ['a']\n", ("a",)),
        ("def f():\n    __all__ = ['a']\nclass C:\n    __all__ = ['b']\n", None),
        ("x = ['a']\n", None),  # no __all__: a star import takes public names, no submodule
        ("__all__ = [\n", None),  # not Python
        ("__all__ = ['a', 1, f'{x}']\n", ("a",)),
    ],
)  # fmt: skip
def test_all_names(source: str, names: tuple[str, ...] | None) -> None:
    assert all_names(source) == names


def test_a_package_star_imported_from_many_modules_is_read_once(tmp_path, monkeypatch) -> None:
    from jobdeps.analyzer import analysis
    from jobdeps.analyzer.entries import EntrySpec

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("__all__ = ['models']\n")
    (tmp_path / "pkg" / "models.py").write_text("X = 1\n")
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.py").write_text("from pkg import *\n")
    (tmp_path / "main.py").write_text("import a\nimport b\nimport c\n")
    calls: list[str] = []
    monkeypatch.setattr(
        analysis, "all_names", lambda source: calls.append(source) or all_names(source)
    )
    options = analysis.AnalysisOptions(root=tmp_path, cache=False)
    result = analysis.analyze([EntrySpec(kind="script", target="main.py")], options)
    assert "pkg/models.py" in result.local_files  # what each star import executes
    assert len(calls) == 1
