"""Tiny wheels of fake projects, built with ``zipfile`` for offline ``pip install`` checks.

A wheel is a zip holding the project's modules and ``NAME-VER.dist-info/`` with
METADATA, WHEEL and RECORD. :func:`wheels_from_environment` builds one wheel
per installed distribution of a fake environment, copying its METADATA (so
``Requires-Dist`` travels with it), for pip to resolve against with
``--no-index --find-links``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name


def _escape(name: str) -> str:
    """PEP 427 file-name escaping of a distribution name."""
    return re.sub(r"[-_.]+", "_", name)


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(
    folder: Path,
    name: str,
    version: str,
    *,
    metadata: str | None = None,
    requires: tuple[str, ...] = (),
    modules: dict[str, str] | None = None,
) -> Path:
    """Write ``NAME-VERSION-py3-none-any.whl`` into ``folder`` and return its path.

    ``metadata`` is a whole METADATA text (``Name``/``Version`` must match);
    otherwise one is made from ``name``, ``version`` and ``requires``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if metadata is None:
        metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
            f"Requires-Dist: {r}\n" for r in requires
        )
    escaped = _escape(name)
    info = f"{escaped}-{version}.dist-info"
    files: dict[str, bytes] = {
        path: text.encode() for path, text in (modules or {f"{escaped}.py": ""}).items()
    }
    files[f"{info}/METADATA"] = metadata.encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: jobdeps-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = [_record_line(p, d) for p, d in sorted(files.items())] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = folder / f"{escaped}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return wheel


def wheels_from_environment(site_dir: Path, folder: Path) -> list[Path]:
    """One wheel per ``*.dist-info`` in ``site_dir``, with its METADATA copied verbatim."""
    from jobdeps.analyzer.distmeta import read_headers

    out = []
    for info in sorted(site_dir.glob("*.dist-info")):
        name, version, _ = read_headers(info)
        metadata = (info / "METADATA").read_text(encoding="utf-8")
        out.append(build_wheel(folder, name, version, metadata=metadata))
    return out


def pip_dry_run(requirements: Path, wheels: Path, target: Path) -> dict[str, str]:
    """``{canonical name: version}`` that an offline ``pip install --dry-run`` would install.

    Raises ``AssertionError`` with pip's output when pip cannot resolve the file.
    """
    report = target / "report.json"
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--no-index",
        "--find-links",
        str(wheels),
        "--ignore-installed",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--target",
        str(target / "site"),
        "--report",
        str(report),
        "-r",
        str(requirements),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    return {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in data["install"]
    }
