"""Size limits, checked on real (sparse) files so huge sizes cost nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobdeps.analyzer.findings import Severity
from jobdeps.bundler.sizes import (
    FILE_LIMIT,
    LARGE_FILE,
    TOTAL_LIMIT,
    SizeReport,
    check_sizes,
    format_size,
    largest,
)

GIB = 1024**3
MIB = 1024**2


def _sparse(root: Path, rel: str, size: int) -> tuple[str, int]:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.truncate(size)
    return rel, path.stat().st_size


def test_limits_match_the_platform() -> None:
    assert FILE_LIMIT == 5 * GIB
    assert TOTAL_LIMIT == 10 * GIB
    assert LARGE_FILE == 100 * MIB


def test_small_files_give_no_findings(tmp_path: Path) -> None:
    files = [_sparse(tmp_path, "main.py", 120), _sparse(tmp_path, "w.bin", LARGE_FILE)]
    assert check_sizes(files) == []


def test_file_over_100_mib_is_a_warning(tmp_path: Path) -> None:
    files = [_sparse(tmp_path, "weights/model.bin", LARGE_FILE + 1)]
    [f] = check_sizes(files)
    assert (f.code, f.severity, f.path) == ("BND004", Severity.WARNING, "weights/model.bin")
    assert "100.0 MiB" in f.message


def test_file_over_5_gib_is_an_error_only(tmp_path: Path) -> None:
    files = [_sparse(tmp_path, "huge.bin", FILE_LIMIT + 1), _sparse(tmp_path, "ok.py", 1000)]
    found = check_sizes(files)
    # no BND004 as well for the same file
    assert [(f.code, f.severity, f.path) for f in found] == [("BND002", Severity.ERROR, "huge.bin")]
    assert "5.0 GiB limit" in found[0].message


def test_total_over_10_gib_is_an_error(tmp_path: Path) -> None:
    files = [_sparse(tmp_path, f"part{i}.bin", 4 * GIB) for i in range(3)]
    found = check_sizes(files)
    assert [(f.code, f.path) for f in found] == [
        ("BND003", None),
        ("BND004", "part0.bin"),
        ("BND004", "part1.bin"),
        ("BND004", "part2.bin"),
    ]
    assert "12.0 GiB in 3 files" in found[0].message


def test_total_at_the_limit_is_fine() -> None:
    found = check_sizes([("a", 5 * GIB), ("b", 5 * GIB)])
    assert [f.code for f in found] == ["BND004", "BND004"]
    assert [f.code for f in check_sizes([("a", 5 * GIB), ("b", 5 * GIB + 1)])] == [
        "BND003",  # no path: sorts first
        "BND004",
        "BND002",
    ]


def test_largest_is_sorted_and_deterministic() -> None:
    files = [("b.py", 10), ("a.py", 10), ("big.bin", 500), ("c.txt", 3)]
    assert largest(files, n=3) == [("big.bin", 500), ("a.py", 10), ("b.py", 10)]
    assert largest(files, n=0) == []


def test_size_report(tmp_path: Path) -> None:
    files = [_sparse(tmp_path, "data.bin", 300 * MIB), _sparse(tmp_path, "main.py", 2048)]
    report = SizeReport.from_files(files)
    assert report.total == 300 * MIB + 2048
    assert report.count == 2
    assert report.largest(1) == [("data.bin", 300 * MIB)]
    assert [f.code for f in report.findings()] == ["BND004"]
    assert report.to_dict(n=5) == {
        "total": 300 * MIB + 2048,
        "count": 2,
        "largest": [{"path": "data.bin", "size": 300 * MIB}, {"path": "main.py", "size": 2048}],
    }


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1536, "1.5 KiB"),
        (100 * MIB, "100.0 MiB"),
        (5 * GIB, "5.0 GiB"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text
