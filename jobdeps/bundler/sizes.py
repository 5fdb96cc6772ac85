"""File sizes against the platform's upload limits, and the largest-files table.

Limits (DataSphere Jobs): 5 GiB for one uploaded file, 10 GiB for everything
uploaded (inputs and local modules together: pass both to :func:`check_sizes`
for the total to mean what the platform means). jobdeps also warns about any
file over 100 MiB, which is rarely code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jobdeps.analyzer.findings import Finding, finding

__all__ = [
    "FILE_LIMIT",
    "LARGE_FILE",
    "TOTAL_LIMIT",
    "SizeReport",
    "check_sizes",
    "format_size",
    "largest",
]

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
FILE_LIMIT = 5 * GIB
TOTAL_LIMIT = 10 * GIB
LARGE_FILE = 100 * MIB


def format_size(size: int) -> str:
    """``1536`` -> ``"1.5 KiB"``; exact bytes below 1 KiB."""
    if size < KIB:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def largest(files: Sequence[tuple[str, int]], n: int = 10) -> list[tuple[str, int]]:
    """The ``n`` largest files, biggest first, ties by name (deterministic)."""
    return sorted(files, key=lambda item: (-item[1], item[0]))[: max(n, 0)]


@dataclass(frozen=True)
class SizeReport:
    """Sizes of the files to ship: total, count and the largest ones."""

    files: tuple[tuple[str, int], ...]

    @classmethod
    def from_files(cls, files: Sequence[tuple[str, int]]) -> SizeReport:
        return cls(tuple(sorted(files)))

    @property
    def total(self) -> int:
        return sum(size for _, size in self.files)

    @property
    def count(self) -> int:
        return len(self.files)

    def largest(self, n: int = 10) -> list[tuple[str, int]]:
        return largest(self.files, n)

    def findings(self) -> list[Finding]:
        return check_sizes(self.files)

    def to_dict(self, n: int = 10) -> dict:
        return {
            "total": self.total,
            "count": self.count,
            "largest": [{"path": rel, "size": size} for rel, size in self.largest(n)],
        }


def check_sizes(files: Sequence[tuple[str, int]]) -> list[Finding]:
    """Findings for files over the limits: BND002 (5 GiB), BND003 (10 GiB total), BND004.

    A file over 5 GiB gets the error only, not also the 100 MiB warning.
    """
    found: list[Finding] = []
    for rel, size in sorted(files):
        if size > FILE_LIMIT:
            found.append(
                finding(
                    "BND002",
                    f"{rel} is {format_size(size)}, over the platform's "
                    f"{format_size(FILE_LIMIT)} limit for one file",
                    path=rel,
                )
            )
        elif size > LARGE_FILE:
            found.append(
                finding(
                    "BND004",
                    f"{rel} is {format_size(size)}: large for a file shipped with the code",
                    path=rel,
                )
            )
    total = sum(size for _, size in files)
    if total > TOTAL_LIMIT:
        found.append(
            finding(
                "BND003",
                f"the bundle is {format_size(total)} in {len(files)} files, over the "
                f"platform's {format_size(TOTAL_LIMIT)} limit",
            )
        )
    return sorted(found, key=Finding.sort_key)
