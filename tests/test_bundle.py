"""``jobdeps bundle`` end to end: bundle sample jobs, unpack like the platform, run them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from jobdeps.analyzer.analysis import AnalysisOptions
from jobdeps.api import bundle_job, load_job
from jobdeps.bundler import bundle as bundle_module
from jobdeps.bundler.archive import unpack_like_platform
from jobdeps.bundler.bundle import BundleRefused

JOBS = Path(__file__).resolve().parent.parent / "fixtures" / "bundle_jobs"

CASES = {
    "flat": ["main.py"],
    "relpkg": ["main.py"],
    "srclayout": ["main.py"],
    "subfolder": ["scripts/train.py"],
}


def _copy(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(JOBS / name, dest)
    return dest


def _bundle(root: Path, entries=(), config=None, **kwargs):
    job = load_job(entries, config=config, root=root, cwd=root)
    return bundle_job(job, AnalysisOptions(), root / ".jobdeps", **kwargs)


def _run(vm: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(
        [sys.executable, "-E", "-s", script, *args],
        cwd=vm,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_bundle_unpack_and_run(name: str, tmp_path: Path) -> None:
    root = _copy(name, tmp_path)
    _result, verified = _bundle(root, CASES[name], verify=True)
    assert verified == []
    out = root / ".jobdeps"
    assert {p.name for p in out.iterdir()} >= {
        "local",
        "local.zip",
        "requirements.txt",
        "manifest.json",
    }
    vm = tmp_path / "vm"
    vm.mkdir()
    names = unpack_like_platform(out / "local.zip", vm)
    assert "unused.py" not in names  # only what the entries reach
    for entry in CASES[name]:
        proc = _run(vm, entry)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("OK"), proc.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == names
    assert (
        manifest["archive"]["sha256"]
        == hashlib.sha256((out / "local.zip").read_bytes()).hexdigest()
    )
    req_sha = hashlib.sha256((out / "requirements.txt").read_bytes()).hexdigest()
    assert manifest["requirements"]["sha256"] == req_sha
    for item in manifest["files"]:
        data = (out / "local" / item["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["sha256"] and len(data) == item["size"]


def test_srclayout_pins_what_it_imports(tmp_path: Path) -> None:
    root = _copy("srclayout", tmp_path)
    _bundle(root, ["main.py"])
    lines = (root / ".jobdeps" / "requirements.txt").read_text().splitlines()
    assert [line.split("==")[0] for line in lines] == ["PyYAML"]


def test_root_paths_config_manual_mode_layout(tmp_path: Path) -> None:
    """The manual config ships `local-paths` that the platform unpacks into the job's layout."""
    root = _copy("rootpaths", tmp_path)
    _result, _ = _bundle(root, config=root / "config.yaml")
    manual_text = (root / ".jobdeps" / "config.manual.yaml").read_text()
    manual = yaml.safe_load(manual_text)
    python = manual["env"]["python"]
    assert python["type"] == "manual"
    assert set(python) >= {"version", "requirements-file", "local-paths"}
    assert python["local-paths"] == [
        ".jobdeps/local/lib2",
        ".jobdeps/local/main.py",
        ".jobdeps/local/other.py",
    ]
    assert manual["cmd"] == "python main.py other.py"
    assert (root / python["requirements-file"]).is_file()
    # The user's config is untouched.
    assert yaml.safe_load((root / "config.yaml").read_text())["env"]["python"]["type"] == "auto"
    # Emulate the platform: each local path zipped relative to its parent, plus the main scripts.
    vm = tmp_path / "vm"
    vm.mkdir()
    for local_path in python["local-paths"]:
        source = root / local_path
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for file in files:
            if file.is_file():
                dest = vm / file.relative_to(source.parent)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, dest)
    assert _run(vm, "main.py", "a", "b").stdout.strip() == "OK hello a,b"
    assert _run(vm, "other.py").stdout.strip() == "OK more"


def test_bundle_is_byte_identical_whatever_the_mtimes(tmp_path: Path) -> None:
    first_root = _copy("relpkg", tmp_path / "one")
    second_root = _copy("relpkg", tmp_path / "two")
    for number, path in enumerate(sorted(second_root.rglob("*.py"))):
        os.utime(path, (1_000_000 + number, 2_000_000_000 - number))
    _bundle(first_root, ["main.py"])
    _bundle(second_root, ["main.py"])
    for name in ("local.zip", "requirements.txt", "manifest.json"):
        a = (first_root / ".jobdeps" / name).read_bytes()
        b = (second_root / ".jobdeps" / name).read_bytes()
        assert a == b, name
    with zipfile.ZipFile(first_root / ".jobdeps" / "local.zip") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert all(i.extra == b"" for i in infos)


def test_secret_is_refused_and_allow_lets_it_through(tmp_path: Path) -> None:
    root = _copy("flat", tmp_path)
    (root / ".env").write_text("TOKEN=abc\n")
    with pytest.raises(BundleRefused) as refused:
        _bundle(root, ["main.py"], include=[".env"])
    assert [(f.code, f.path) for f in refused.value.findings] == [("BND001", ".env")]
    assert not (root / ".jobdeps").exists()
    result, _ = _bundle(root, ["main.py"], include=[".env"], allow=[".env"])
    assert ".env" in result.plan.names


def test_private_key_text_is_a_secret(tmp_path: Path) -> None:
    root = _copy("flat", tmp_path)
    (root / "helpers.py").write_text(
        "KEY = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAxyz0123456789abcdefABCDEF+/=\n"
        "-----END RSA PRIVATE KEY-----'''\n\ndef double(x):\n    return 2 * x\n"
    )
    with pytest.raises(BundleRefused) as refused:
        _bundle(root, ["main.py"])
    assert [(f.code, f.path) for f in refused.value.findings] == [("BND001", "helpers.py")]


def test_symlink_escaping_the_root_is_refused(tmp_path: Path) -> None:
    root = _copy("flat", tmp_path)
    outside = tmp_path / "outside_helpers.py"
    outside.write_text("def double(x):\n    return 2 * x\n")
    (root / "helpers.py").unlink()
    (root / "helpers.py").symlink_to(outside)
    with pytest.raises(BundleRefused) as refused:
        _bundle(root, ["main.py"])
    assert {f.code for f in refused.value.findings} == {"BND006"}


def test_import_outside_the_root_is_refused(tmp_path: Path) -> None:
    root = _copy("subfolder", tmp_path)
    job_root = root / "scripts"  # the root excludes ../common, which the script imports
    with pytest.raises(BundleRefused) as refused:
        _bundle(job_root, ["train.py"])
    codes = {(f.code, f.path) for f in refused.value.findings}
    assert ("BND005", "../common/metrics.py") in codes


def test_huge_sparse_file_is_refused(tmp_path: Path) -> None:
    root = _copy("flat", tmp_path)
    with open(root / "weights.bin", "wb") as fh:
        fh.truncate(6 * 2**30)  # sparse: costs nothing on disk
    with pytest.raises(BundleRefused) as refused:
        _bundle(root, ["main.py"], include=["weights.bin"])
    assert [(f.code, f.path) for f in refused.value.findings] == [("BND002", "weights.bin")]


def test_failed_write_keeps_the_previous_bundle(tmp_path: Path, monkeypatch) -> None:
    root = _copy("flat", tmp_path)
    _bundle(root, ["main.py"])
    before = {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in (root / ".jobdeps").rglob("*")
        if p.is_file()
    }
    (root / "helpers.py").write_text("def double(x):\n    return x + x\n")

    def broken_zip(dest, files):
        Path(dest).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(bundle_module, "write_zip", broken_zip)
    with pytest.raises(OSError, match="disk full"):
        _bundle(root, ["main.py"])
    after = {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in (root / ".jobdeps").rglob("*")
        if p.is_file()
    }
    assert after == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".jobdeps.")] == []


def test_include_glob_adds_resources_but_not_ignored_files(tmp_path: Path) -> None:
    root = _copy("flat", tmp_path)
    (root / "configs" / "__pycache__").mkdir(parents=True)
    (root / "configs" / "train.yaml").write_text("lr: 0.1\n")
    (root / "configs" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (root / ".gitignore").write_text("*.tmp\n")
    (root / "configs" / "scratch.tmp").write_text("x")
    result, _ = _bundle(root, ["main.py"], include=["configs/**"])
    assert result.plan.names == ["configs/train.yaml", "helpers.py", "main.py"]


def test_cli_bundle_and_verify(tmp_path: Path) -> None:
    root = _copy("relpkg", tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "jobdeps", "bundle", "main.py", "--verify", "-o", "out"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "every import resolves in the bundle" in proc.stdout
    assert (root / "out" / "local.zip").is_file()


def test_generated_manual_config_passes_check(tmp_path: Path) -> None:
    """The written config.manual.yaml, copied beside config.yaml, is clean for `check`:
    its local paths arrive in the job's layout, its requirements cover the imports."""
    from jobdeps.api import check_job

    root = _copy("rootpaths", tmp_path)
    _bundle(root, config=root / "config.yaml")
    shutil.copyfile(root / ".jobdeps" / "config.manual.yaml", root / "config.manual.yaml")
    result = check_job(load_job(config=root / "config.manual.yaml", cwd=root))
    assert [(f.code, f.message) for f in result.findings] == []
    # and without the bundle's copy of lib2, the manual config no longer covers it
    shutil.rmtree(root / ".jobdeps" / "local" / "lib2")
    result = check_job(load_job(config=root / "config.manual.yaml", cwd=root))
    assert {f.code for f in result.findings} == {"CFG015", "CFG034"}  # missing, not covered


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("outdir", [".", "app", "notes", "main.py", "..", "main.py/sub/x"])
def test_bundle_never_replaces_what_is_not_a_bundle(tmp_path: Path, outdir: str) -> None:
    """`-o .` once swapped the whole project out for the bundle; `-o pkg` wiped a package."""
    root = _copy("relpkg", tmp_path)
    (root / "notes").mkdir()
    (root / "notes" / "todo.md").write_text("keep me\n")
    before = _tree(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "jobdeps", "bundle", "main.py", "-o", outdir],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith(f"jobdeps: error: {outdir}: "), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
    assert _tree(tmp_path) == before


def test_bundle_replaces_an_earlier_bundle_or_an_empty_folder(tmp_path: Path) -> None:
    root = _copy("flat", tmp_path)
    out = root / "empty"
    out.mkdir()

    def run():
        return bundle_job(load_job(["main.py"], root=root, cwd=root), AnalysisOptions(), out)[0]

    first = run()
    assert (out / "manifest.json").is_file()
    (root / "helpers.py").write_text("def double(x):\n    return x + x\n")
    assert run().archive_sha256 != first.archive_sha256
    # an earlier bundle with a file of the user's in it is not replaced
    (out / "README.md").write_text("mine\n")
    with pytest.raises(bundle_module.UnsafeOutdir, match=r"README\.md"):
        run()
    assert (out / "README.md").read_text() == "mine\n"


def test_manual_mode_keeps_the_index_options_of_the_users_file(tmp_path: Path) -> None:
    """The bundle's requirements.txt replaces the user's: its index lines once got lost."""
    root = tmp_path / "job"
    root.mkdir()
    (root / "main.py").write_text('import yaml\nif __name__ == "__main__":\n    pass\n')
    (root / "requirements.txt").write_text(
        "--extra-index-url https://pypi.example.org/simple\n"
        "--trusted-host pypi.example.org\n"
        "PyYAML\n"
    )
    (root / "config.yaml").write_text(
        "cmd: python main.py\nenv:\n  python:\n    type: manual\n    version: '3.11'\n"
        "    requirements-file: requirements.txt\n"
        "    pip:\n      extra-index-urls: [https://other.example.org/simple]\n"
    )
    _bundle(root, config=root / "config.yaml")
    lines = (root / ".jobdeps" / "requirements.txt").read_text().splitlines()
    assert lines[:3] == [
        "--extra-index-url https://other.example.org/simple",
        "--extra-index-url https://pypi.example.org/simple",
        "--trusted-host pypi.example.org",
    ]
    assert any(line.startswith("PyYAML==") for line in lines)


def test_a_dangling_module_link_is_reported_not_a_crash(tmp_path: Path) -> None:
    """`import gone` of a dangling `gone.py` link: IMP011 from the walk; the bundle
    once died with FileNotFoundError copying it."""
    root = tmp_path / "job"
    root.mkdir()
    (root / "main.py").write_text('import gone\nif __name__ == "__main__":\n    pass\n')
    (root / "gone.py").symlink_to(root / "nowhere.py")
    result, _ = _bundle(root, ["main.py"])
    assert result.plan.names == ["main.py"]
    assert ("IMP011", "gone.py") in {(f.code, f.path) for f in result.findings}


def test_exec_bit_is_the_owners_whoever_bundles(tmp_path: Path) -> None:
    """A 0o654 file was archived 0o755 when root bundled it (os.access says yes to root
    for any x bit), 0o644 for anyone else: the same input, two archives."""
    root = _copy("flat", tmp_path)
    (root / "main.py").chmod(0o654)
    (root / "helpers.py").chmod(0o744)
    _bundle(root, ["main.py"])
    with zipfile.ZipFile(root / ".jobdeps" / "local.zip") as zf:
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
    assert modes == {"helpers.py": 0o755, "main.py": 0o644}
    assert (root / ".jobdeps" / "local" / "main.py").stat().st_mode & 0o111 == 0


def test_sigterm_mid_bundle_leaves_no_half_built_folder(tmp_path: Path) -> None:
    """A CI timeout's SIGTERM left `.jobdeps.tmp-XXXX` (hundreds of MB) beside the
    bundle: only Ctrl-C ran the clean-up."""
    import signal

    root = _copy("flat", tmp_path)
    script = (
        "import sys, time\n"
        "from jobdeps.bundler import bundle\n"
        "def slow(dest, files):\n"
        "    open(dest, 'wb').write(b'partial')\n"
        "    print('zipping', flush=True)\n"
        "    time.sleep(60)\n"
        "bundle.write_zip = slow\n"
        "sys.argv = ['jobdeps', 'bundle', 'main.py']\n"
        "from jobdeps.cli.app import main\n"
        "main()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "zipping\n"
    assert [p.name for p in root.iterdir() if p.name.startswith(".jobdeps.tmp-")] != []
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.strip() == "jobdeps: terminated"
    assert [p.name for p in root.iterdir() if p.name.startswith(".jobdeps")] == []


def test_includes_skip_the_output_folder_and_link_loops(tmp_path: Path) -> None:
    """`-o out --include '*'` shipped the previous bundle inside the next (2, 7, 12
    entries...); `data/up -> ..` made `**` ship one file 42 times."""
    root = _copy("flat", tmp_path)
    (root / "data").mkdir()
    (root / "data" / "a.csv").write_text("1\n")
    (root / "data" / "up").symlink_to("..")
    job = load_job(["main.py"], root=root, cwd=root)
    shas = []
    for _ in range(3):
        result, _ = bundle_job(job, AnalysisOptions(), root / "out", include=["*", "**/*.csv"])
        shas.append(result.archive_sha256)
        assert result.plan.names == ["data/a.csv", "helpers.py", "main.py", "unused.py"]
    assert len(set(shas)) == 1
    result, _ = bundle_job(job, AnalysisOptions(), root / "out", include=["data/**"])
    assert result.plan.names == ["data/a.csv", "helpers.py", "main.py"]
    assert [f.code for f in result.plan.findings] == []


def test_unwritable_output_is_a_one_line_error(tmp_path: Path, monkeypatch) -> None:
    """A read-only disk gave "internal error: OSError ... .jobdeps.tmp-xxxx"."""
    import errno

    from typer.testing import CliRunner

    from jobdeps.bundler import atomic
    from jobdeps.cli.app import app

    root = _copy("flat", tmp_path)

    def read_only(*args, dir=None, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(dir))

    monkeypatch.setattr(atomic.tempfile, "mkdtemp", read_only)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["bundle", "main.py"])
    assert result.exit_code == 2
    assert (
        result.stderr == f"jobdeps: error: {root}: cannot write the bundle: Read-only file system\n"
    )
