"""The target Python's standard library, from stdlib-list, per version."""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources

from stdlib_list import stdlib_list

SUPPORTED_VERSIONS = ("3.10", "3.11", "3.12", "3.13")

#: Backports on PyPI for stdlib modules that are missing in some versions.
BACKPORTS = {
    "tomllib": "tomli",
    "distutils": "setuptools",
    "imp": "importlib (stdlib)",
    "asynchat": "pyasynchat",
    "asyncore": "pyasyncore",
    "smtpd": "aiosmtpd",
    "imghdr": "standard-imghdr",
    "cgi": "legacy-cgi",
    "cgitb": "legacy-cgi",
    "pipes": "subprocess (stdlib) or standard-pipes",
    "telnetlib": "telnetlib3",
    "crypt": "crypt-r",
    "nntplib": "standard-nntplib",
    "audioop": "audioop-lts",
    "chunk": "standard-chunk",
    "sndhdr": "standard-sndhdr",
    "uu": "standard-uu",
    "xdrlib": "standard-xdrlib",
    "aifc": "standard-aifc",
    "sunau": "standard-sunau",
    "mailcap": "standard-mailcap",
    "msilib": None,
    "nis": None,
    "ossaudiodev": None,
    "spwd": None,
    "lib2to3": None,
}


#: Stdlib modules that exist only on Windows: a job's Linux machine has none of them.
WINDOWS_ONLY = frozenset(
    {"msvcrt", "winreg", "winsound", "nt", "msilib", "_msi", "_winapi", "_overlapped", "_wmi"}
)


def running_version() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def normalise_version(version: str) -> str:
    """``3.10.13`` -> ``3.10``; raises ValueError for anything that is not ``3.N[.M]``."""
    parts = version.strip().split(".")
    if len(parts) not in (2, 3) or parts[0] != "3" or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a Python version: {version!r} (expected 3.N or 3.N.M)")
    return f"3.{int(parts[1])}"


#: Names stdlib-list has that are no module of the standard library: its 3.9 list holds
#: ``lib.libpython3`` (a build folder), which made a user's ``lib`` package "shadow" it.
_ARTEFACTS = frozenset({"lib"})


@cache
def stdlib_modules(version: str) -> frozenset[str]:
    """Every stdlib module (dotted) of ``version``, from stdlib-list."""
    try:
        names = stdlib_list(version)
    except ValueError:
        # A version stdlib-list does not know yet: use the newest it has.
        from stdlib_list import short_versions

        names = stdlib_list(short_versions[-1])
    return frozenset(n for n in names if n.split(".")[0] not in _ARTEFACTS)


@cache
def stdlib_top_level(version: str) -> frozenset[str]:
    return frozenset(name.split(".")[0] for name in stdlib_modules(version))


#: stdlib-list artefacts and test-only modules: a user's `lib` or `test` is never "stdlib".
_NOT_PUBLIC = frozenset({"lib", "test", "xxlimited", "xxsubtype"})


@cache
def all_stdlib_top_level() -> frozenset[str]:
    """Public top-level names that are stdlib in *some* Python 3 version we know
    (for "this module was removed from / is not yet in the target's stdlib")."""
    names: set[str] = set()
    for version in ("3.8", "3.9", *SUPPORTED_VERSIONS):
        names |= stdlib_top_level(version)
    return frozenset(n for n in names if not n.startswith("_") and n not in _NOT_PUBLIC)


@cache
def preloaded_modules(version: str) -> frozenset[str]:
    """Modules that are loaded before the main script runs: a local file cannot shadow them."""
    table: dict[str, frozenset[str]] = {}
    text = resources.files("jobdeps.analyzer").joinpath("data/preloaded_modules.tsv").read_text()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            ver, names = line.split("\t", 1)
            table[ver] = frozenset(names.split())
    if version in table:
        return table[version]
    return table[max(table, key=lambda v: int(v.split(".")[1]))]


def is_stdlib(dotted: str, version: str) -> bool:
    return dotted.split(".")[0] in stdlib_top_level(version)
