"""``jobdeps bundle``: write what the platform consumes, atomically and reproducibly.

OUTDIR (default ``.jobdeps/``) gets ``local/`` (the files to ship, laid out as in
the project), ``local.zip`` (the same, deterministic), ``requirements.txt`` (the
platform dialect), ``manifest.json`` and, with a config, ``config.manual.yaml``.
Everything is built in a temporary folder beside OUTDIR and swapped in at the
end: on any error the previous bundle stays as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from jobdeps import __version__
from jobdeps.analyzer.analysis import AnalysisOptions, analyze
from jobdeps.analyzer.findings import Finding, finding, sort_findings
from jobdeps.analyzer.jobconfig import JobConfig
from jobdeps.analyzer.results import Analysis
from jobdeps.bundler.archive import sha256_file, unpack_like_platform, write_zip
from jobdeps.bundler.atomic import replace_dir
from jobdeps.bundler.manual_config import ManualConfigError, make_manual_config
from jobdeps.bundler.plan import BundlePlan, plan_bundle
from jobdeps.bundler.requirements import RequirementsResult

DEFAULT_OUTDIR = ".jobdeps"

#: What a bundle folder holds: an existing OUTDIR with anything else is not replaced.
BUNDLE_NAMES = frozenset(
    {"local", "local.zip", "requirements.txt", "manifest.json", "config.manual.yaml"}
)


@dataclass
class BundleResult:
    outdir: Path
    plan: BundlePlan
    requirements: RequirementsResult
    archive_sha256: str
    manifest: dict
    local_paths: list[str]
    findings: list[Finding] = field(default_factory=list)


class UnsafeOutdir(ValueError):
    """OUTDIR cannot be replaced by a bundle without losing files that are not one."""


def check_outdir(outdir: Path, root: Path) -> None:
    """Refuse an OUTDIR whose replacement would delete the user's files.

    A bundle replaces its folder whole (so no stale file of an older bundle
    survives), which is only safe for a new folder, an empty one, or an earlier
    bundle: ``-o .`` or ``-o src`` must never wipe a project.
    """
    target = Path(os.path.realpath(outdir))
    project = Path(os.path.realpath(root))
    if target == project or target in project.parents:
        raise UnsafeOutdir(f"{outdir}: the output folder holds the project; choose another one")
    if not os.path.lexists(target):
        parent = target.parent
        while not os.path.lexists(parent) and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise UnsafeOutdir(f"{outdir}: {parent} is a file, not a folder")
        return
    if not target.is_dir():
        raise UnsafeOutdir(f"{outdir}: exists and is not a folder")
    try:
        names = sorted(os.listdir(target))
    except OSError as exc:
        raise UnsafeOutdir(f"{outdir}: cannot list it: {exc.strerror or exc}") from None
    if not names or ("manifest.json" in names and BUNDLE_NAMES.issuperset(names)):
        return
    others = [n for n in names if n not in BUNDLE_NAMES] or names
    shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
    raise UnsafeOutdir(
        f"{outdir}: not a jobdeps bundle (it holds {shown}); a bundle replaces its folder "
        "whole, so give -o a new folder, an empty one or an earlier bundle"
    )


class BundleRefused(Exception):
    """The bundle has errors (secrets, sizes, files outside the root): nothing was written."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(f"{len(findings)} error(s)")
        self.findings = findings


def local_paths_for(plan: BundlePlan, outdir_rel: str) -> list[str]:
    """``local-paths`` for manual mode: each top-level item of ``local/``.

    The platform zips each local path relative to its parent folder, so
    ``.jobdeps/local/lib`` unpacks as ``lib/`` on the VM: the project's layout.
    Entry scripts are listed too: the platform ships the main script itself, and
    the same bytes twice are harmless, while ``local-paths: []`` crashes the
    platform's 0.10.0 client and other entries (``root-paths``) must ship.
    """
    tops = {PurePosixPath(rel).parts[0] for rel in plan.names}
    return [f"{outdir_rel}/local/{top}" for top in sorted(tops)]


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_manifest(
    analysis: Analysis,
    plan: BundlePlan,
    requirements_text: str,
    archive_sha256: str,
    local_paths: list[str],
) -> dict:
    files = []
    for rel, path in plan.files:
        files.append({"path": rel, "size": path.stat().st_size, "sha256": sha256_file(path)})
    return {
        "manifest_version": 1,
        "jobdeps_version": __version__,
        "target_python": analysis.target_version,
        "entries": [e.to_dict() for e in analysis.entries],
        "files": files,
        "total_bytes": sum(f["size"] for f in files),
        "local_paths": local_paths,
        "requirements": {"file": "requirements.txt", "sha256": _sha256_text(requirements_text)},
        "archive": {"file": "local.zip", "sha256": archive_sha256},
    }


def write_bundle(
    analysis: Analysis,
    requirements: RequirementsResult,
    outdir: Path,
    *,
    config: JobConfig | None = None,
    include: Sequence[str] = (),
    allow: Sequence[str] = (),
    force: bool = False,
) -> BundleResult:
    """Plan, check, and write the bundle. Raises :class:`BundleRefused` on errors
    (unless ``force``), leaving any previous bundle untouched, and
    :class:`UnsafeOutdir` when ``outdir`` holds anything but an earlier bundle."""
    outdir = Path(os.path.abspath(outdir))
    check_outdir(outdir, analysis.root)
    try:  # an earlier bundle inside the project never ships in the next one
        skip = [Path(os.path.realpath(outdir)).relative_to(analysis.root.resolve()).as_posix()]
    except ValueError:
        skip = []
    plan = plan_bundle(analysis, include=include, allow=allow, skip=skip)
    findings = sort_findings(plan.findings + requirements.findings)
    errors = [f for f in plan.findings if f.severity.value == "error"]
    if errors and not force:
        raise BundleRefused(sort_findings(errors))
    try:
        outdir_rel = outdir.relative_to(analysis.root).as_posix()
    except ValueError:
        outdir_rel = Path(os.path.relpath(outdir, analysis.root)).as_posix()
    local_paths = local_paths_for(plan, outdir_rel)
    requirements_text = requirements.render()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    with replace_dir(outdir) as tmp:
        local = tmp / "local"
        for rel, source in plan.files:
            dest = local / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
            # the owner's x bit, as in the archive: os.access() says yes to root for
            # any x bit, so the same input zipped differently for root (0o654 files)
            if os.stat(source).st_mode & stat.S_IXUSR:
                dest.chmod(0o755)
        archive_sha = write_zip(tmp / "local.zip", [(rel, local / rel) for rel, _ in plan.files])
        (tmp / "requirements.txt").write_text(requirements_text, encoding="utf-8", newline="\n")
        manifest = build_manifest(analysis, plan, requirements_text, archive_sha, local_paths)
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8", newline="\n"
        )
        if config is not None:
            try:
                text = make_manual_config(
                    config.text,
                    version=analysis.target_version,
                    requirements_file=f"{outdir_rel}/requirements.txt",
                    local_paths=local_paths,
                )
            except ManualConfigError as exc:
                findings.append(
                    finding(
                        "CFG011", f"cannot write config.manual.yaml: {exc}", config.display_path
                    )
                )
            else:
                header = (
                    "# Written by jobdeps: env.python in manual mode, so the platform ships\n"
                    "# exactly what jobdeps found. Paths are relative to the job folder (where\n"
                    "# config.yaml is): copy this file there to submit it.\n"
                )
                (tmp / "config.manual.yaml").write_text(
                    header + text, encoding="utf-8", newline="\n"
                )
    return BundleResult(outdir, plan, requirements, archive_sha, manifest, local_paths, findings)


def verify_bundle(analysis: Analysis, outdir: Path, options: AnalysisOptions) -> list[Finding]:
    """Unpack ``local.zip`` like the platform and re-resolve every import of the closure there.

    An import that resolved to a local file in the project but resolves to
    nothing in the unpacked bundle (with the same environment) is a ``BND007``.
    """
    found: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="jobdeps-verify-") as tmp:
        unpacked = Path(tmp)
        unpack_like_platform(outdir / "local.zip", unpacked)
        entries = list(analysis.entries)
        missing_entries = [
            e for e in entries if e.kind != "module" and not (unpacked / e.target).exists()
        ]
        for entry in missing_entries:
            found.append(
                finding("BND007", f"entry `{entry.target}` is not in the bundle", entry.target)
            )
        entries = [e for e in entries if e not in missing_entries]
        if not entries:
            return found
        bundle_options = AnalysisOptions(
            root=unpacked,
            python_version=analysis.target_version,
            environment=analysis.environment,
            extra_paths=[],
            cache=options.cache,
        )
        again = analyze(entries, bundle_options)
        before = {u.name for u in analysis.unresolved}
        local_before = set(analysis.local_files)
        for item in again.unresolved:
            if item.name in before:
                continue
            where = item.to_dict()["locations"]
            rel, _, line = (where[0] if where else "").rpartition(":")
            found.append(
                finding(
                    "BND007",
                    f"`{item.name}` does not resolve in the unpacked bundle ({item.reason})",
                    rel or None,
                    int(line) if line.isdigit() else None,
                )
            )
        for rel in sorted(local_before - set(again.local_files)):
            if analysis.local_files[rel].kind == "extension":
                continue
            found.append(finding("BND007", f"`{rel}` is not reached in the unpacked bundle", rel))
    return sort_findings(found)
