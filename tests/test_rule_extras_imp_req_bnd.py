"""Bundle rules that a committed fixture under ``fixtures/check/`` cannot show.

``BND002``/``BND003``/``BND004`` need files of gigabytes (built sparse here, so
they cost nothing) and run through ``jobdeps check`` end to end; ``BND007`` is
reported by ``jobdeps bundle --verify`` only, so it is shown on a real bundle
whose archive lost a module after it was written.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobdeps.analyzer.analysis import AnalysisOptions
from jobdeps.api import analyze_job, bundle_job, load_job
from jobdeps.bundler.bundle import BundleRefused, verify_bundle
from jobdeps.cli.app import app

MIB = 1024**2
GIB = 1024**3
MAIN = (
    'import helper\n\n\ndef main():\n    helper.run()\n\n\nif __name__ == "__main__":\n    main()\n'
)


def _job(root: Path) -> Path:
    (root / "main.py").write_text(MAIN)
    (root / "helper.py").write_text("def run():\n    pass\n")
    return root


def _sparse(root: Path, rel: str, size: int) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.truncate(size)


def _check(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> list[tuple]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["check", "--format", "json", "main.py", *args])
    assert result.exit_code in (0, 1), result.output
    return [(f["code"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]]


def _bnd(found: list[tuple]) -> list[tuple]:
    return sorted(f for f in found if f[0].startswith("BND"))


def test_bnd004_large_included_file_is_a_warning(tmp_path, monkeypatch) -> None:
    _sparse(_job(tmp_path), "weights/model.bin", 100 * MIB + 1)
    assert _bnd(_check(tmp_path, monkeypatch, "--include", "weights/*.bin")) == [
        ("BND004", "weights/model.bin", None)
    ]
    # the twin: exactly at the threshold
    _sparse(tmp_path, "weights/model.bin", 100 * MIB)
    assert _bnd(_check(tmp_path, monkeypatch, "--include", "weights/*.bin")) == []


def test_bnd002_file_over_5_gib_is_an_error(tmp_path, monkeypatch) -> None:
    _sparse(_job(tmp_path), "weights/huge.bin", 5 * GIB + 1)
    assert _bnd(_check(tmp_path, monkeypatch, "--include", "weights/*.bin")) == [
        ("BND002", "weights/huge.bin", None)
    ]
    assert _bnd(_check(tmp_path, monkeypatch)) == []  # not shipped: fine


def test_bnd003_bundle_over_10_gib_is_an_error(tmp_path, monkeypatch) -> None:
    _job(tmp_path)
    for i in range(3):
        _sparse(tmp_path, f"shards/part{i}.bin", 4 * GIB)
    found = _bnd(_check(tmp_path, monkeypatch, "--include", "shards/*.bin"))
    assert [f for f in found if f[0] == "BND003"] == [("BND003", None, None)]
    two = _bnd(_check(tmp_path, monkeypatch, "--include", "shards/part[01].bin"))
    assert [f for f in two if f[0] == "BND003"] == []


def _drop_from_zip(archive: Path, name: str) -> None:
    with zipfile.ZipFile(archive) as zf:
        items = [(info, zf.read(info)) for info in zf.infolist() if info.filename != name]
    assert len(items) < len(zipfile.ZipFile(archive).infolist()), f"{name} not in the archive"
    with zipfile.ZipFile(archive, "w") as zf:
        for info, data in items:
            zf.writestr(info, data)


def _bundle(root: Path):
    job = load_job(["main.py"], root=root, cwd=root)
    options = AnalysisOptions()
    result, verified = bundle_job(job, options, root / ".jobdeps", verify=True)
    return job, options, result, verified


def test_bnd007_import_missing_from_the_unpacked_bundle(tmp_path) -> None:
    _, options, result, verified = _bundle(_job(tmp_path))
    assert verified == []  # the bundle as written is complete
    _drop_from_zip(result.outdir / "local.zip", "helper.py")
    analysis = analyze_job(load_job(["main.py"], root=tmp_path, cwd=tmp_path), AnalysisOptions())
    found = verify_bundle(analysis, result.outdir, options)
    assert sorted((f.code, f.path or "", f.line or 0) for f in found) == [
        ("BND007", "helper.py", 0),  # the module is no longer shipped
        ("BND007", "main.py", 1),  # and the import of it resolves nowhere
    ]


def test_bnd009_name_a_zip_cannot_carry(tmp_path, monkeypatch) -> None:
    """A Latin-1 name or a backslash in a name: `check` passed, `bundle` died with
    "internal error: UnicodeEncodeError" or "ValueError ... backslash"."""
    import os

    _job(tmp_path)
    (tmp_path / "data").mkdir()
    with open(os.path.join(os.fsencode(tmp_path), b"data", b"\xe9t\xe9.csv"), "w") as fh:
        fh.write("1\n")
    (tmp_path / "data" / "a\\b.csv").write_text("1\n")
    (tmp_path / "data" / "ok.csv").write_text("1\n")
    found = _bnd(_check(tmp_path, monkeypatch, "--include", "data/*"))
    assert found == [("BND009", None, None), ("BND009", None, None)]
    job = load_job(["main.py"], root=tmp_path, cwd=tmp_path)
    with pytest.raises(BundleRefused) as refused:
        bundle_job(job, AnalysisOptions(), tmp_path / ".jobdeps", include=["data/*"])
    messages = sorted(f.message for f in refused.value.findings)
    assert messages == [
        "`data/\\xe9t\\xe9.csv` cannot be a zip entry: its name is not valid UTF-8",
        "`data/a\\b.csv` cannot be a zip entry: its name holds a backslash",
    ]
