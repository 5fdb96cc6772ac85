"""What a bundle ships: the closure's local files plus includes, checked for safety.

Planning writes nothing, so ``jobdeps check`` reports the same bundle problems
(secrets, files outside the root, sizes) that ``jobdeps bundle`` would refuse.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jobdeps.analyzer.findings import Finding, finding
from jobdeps.analyzer.results import Analysis
from jobdeps.bundler.archive import validate_entry_name
from jobdeps.bundler.ignore import IgnoreRules
from jobdeps.bundler.paths import Placement, placement
from jobdeps.bundler.secrets import find_secret, is_allowed
from jobdeps.bundler.sizes import SizeReport


@dataclass
class BundlePlan:
    root: Path
    files: list[tuple[str, Path]] = field(default_factory=list)  # (posix rel, source), sorted
    findings: list[Finding] = field(default_factory=list)
    sizes: SizeReport | None = None

    @property
    def names(self) -> list[str]:
        return [rel for rel, _ in self.files]

    @property
    def total_bytes(self) -> int:
        return self.sizes.total if self.sizes else 0


def _through_loop(root: Path, rel: str) -> bool:
    """Does ``rel`` pass through a symlinked folder that points back at one of its own
    ancestors (``data/up -> ..``)? ``**`` follows such a link round and round."""
    parts = Path(rel).parts
    for depth in range(1, len(parts) + 1):
        folder = root.joinpath(*parts[:depth])
        if folder.is_symlink():
            target = os.path.realpath(folder)
            parent = os.path.realpath(folder.parent)
            if parent == target or parent.startswith(target.rstrip(os.sep) + os.sep):
                return True
    return False


def _expand_include(
    root: Path, pattern: str, rules: IgnoreRules, skip: Sequence[str] = ()
) -> list[str] | None:
    """Files matched by one include glob (posix, relative to root); None when it escapes.

    Folders in ``skip`` (the bundle's own output folder) are never matched."""
    if os.path.isabs(pattern) or ".." in Path(pattern).parts:
        return None
    literal = not glob.has_magic(pattern)
    matches: list[str] = []
    for hit in sorted(glob.glob(pattern, root_dir=root, recursive=True)):
        if _skipped(Path(hit).as_posix(), skip) or _through_loop(root, hit):
            continue
        path = root / hit
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                rel_dir = Path(dirpath).relative_to(root).as_posix()
                dirnames[:] = sorted(
                    d
                    for d in dirnames
                    if not rules.is_ignored(f"{rel_dir}/{d}", is_dir=True)
                    and not _skipped(f"{rel_dir}/{d}", skip)
                )
                for name in sorted(filenames):
                    rel = f"{rel_dir}/{name}"
                    if not rules.is_ignored(rel):
                        matches.append(rel)
        elif path.is_file():
            rel = Path(hit).as_posix()
            # a file named exactly is explicitly included, even when ignored
            if literal or not rules.is_ignored(rel):
                matches.append(rel)
    return matches


def _name_problem(rel: str) -> str | None:
    """Why ``rel`` cannot name an entry of ``local.zip``, or None."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8"
    if "\\" in rel:
        return "its name holds a backslash"
    try:
        validate_entry_name(rel)
    except ValueError as exc:
        return str(exc)
    return None


def _skipped(rel: str, skip: Sequence[str]) -> bool:
    return any(rel == folder or rel.startswith(folder + "/") for folder in skip)


def plan_bundle(
    analysis: Analysis,
    include: Sequence[str] = (),
    allow: Sequence[str] = (),
    inputs_bytes: int = 0,
    skip: Sequence[str] = (),
) -> BundlePlan:
    """The files to ship for ``analysis`` and what is wrong with them; ``skip`` holds
    folders (posix, relative to the root) that includes never match: the output."""
    root = analysis.root
    plan = BundlePlan(root)
    chosen: dict[str, Path] = {}
    for rel, info in analysis.local_files.items():
        where = placement(root, info.path)
        if where is Placement.OUTSIDE or rel.startswith("../"):
            plan.findings.append(
                finding(
                    "BND005",
                    f"`{rel}` is reached by the job's imports but lives outside the project "
                    "root: it cannot be shipped",
                    rel,
                )
            )
            continue
        if where is Placement.SYMLINK_ESCAPE:
            plan.findings.append(
                finding("BND006", f"`{rel}` is a symlink to a file outside the project root", rel)
            )
            continue
        if not os.path.isfile(info.path):
            continue  # a link that leads nowhere: the walk reported it (IMP011)
        chosen[rel] = info.path
    if include:
        rules = IgnoreRules.for_root(root)
        for pattern in include:
            matches = _expand_include(root, pattern, rules, skip)
            if matches is None:
                plan.findings.append(
                    finding("BND005", f"include `{pattern}` points outside the project root", None)
                )
                continue
            if not matches:
                plan.findings.append(
                    finding("BND008", f"include `{pattern}` matches no file", None)
                )
            for rel in matches:
                path = root / rel
                where = placement(root, path)
                if where is not Placement.INSIDE:
                    plan.findings.append(
                        finding(
                            "BND006",
                            f"`{rel}` is a symlink to a file outside the project root",
                            rel,
                        )
                    )
                    continue
                chosen.setdefault(rel, path)
    for rel in sorted(chosen):
        problem = _name_problem(rel)
        if problem is not None:
            shown = os.fsencode(rel).decode("utf-8", "backslashreplace")  # the bytes
            plan.findings.append(
                finding("BND009", f"`{shown}` cannot be a zip entry: {problem}", None)
            )
            continue
        reason = find_secret(rel, chosen[rel])
        if reason is not None and not is_allowed(rel, allow):
            plan.findings.append(
                finding(
                    "BND001",
                    f"`{rel}` looks like a secret ({reason}): refusing to ship it",
                    rel,
                    hint=f"Remove it from the bundle, or pass `--allow {rel}` if it is not secret.",
                )
            )
            continue
        plan.files.append((rel, chosen[rel]))
    sizes = [(rel, _size(path)) for rel, path in plan.files]
    plan.sizes = SizeReport.from_files(sizes)
    plan.findings.extend(plan.sizes.findings())
    return plan


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
