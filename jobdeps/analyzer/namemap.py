"""Which distribution to require for an import that is not installed here.

Three sources, in order:

1. ``jobdeps`` — our own table, ``data/import_names.tsv``: the ML stack and the
   names where pipreqs is wrong or silent. Keys may be dotted (``google.cloud.storage``);
   the longest dotted prefix of the import wins.
2. ``pipreqs`` — pipreqs' ``mapping`` data file, read as text. It is found with
   :func:`importlib.util.find_spec`, which locates but does not import a
   top-level package; ``pipreqs.pipreqs`` itself pulls in network code and is
   never imported.
3. ``guessed`` — the import name itself. For the well-known namespace packages
   (``google.cloud.x``, ``azure.x``...) the guess is built from the dotted path
   (``google-cloud-x``) instead of pipreqs' single entry for the namespace
   (pipreqs maps every ``google.*`` to protobuf).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from jobdeps.analyzer.distmeta import read_text

DATA_FILE = Path(__file__).with_name("data") / "import_names.tsv"

Source = str  # "jobdeps" | "pipreqs" | "guessed"

# Namespace tops and how many dotted parts name a distribution under them.
NAMESPACE_DEPTH: dict[str, int] = {
    "azure": 2,
    "backports": 2,
    "google": 2,
    "google.cloud": 3,
    "jaraco": 2,
    "ruamel": 2,
    "sphinxcontrib": 2,
    "zope": 2,
}


def parse_table(text: str) -> dict[str, str]:
    """``import_name<TAB>distribution`` lines; ``#`` comments and blank lines skipped."""
    table: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("\t")
        if sep and key.strip() and value.strip():
            table[key.strip()] = value.strip()
    return table


def parse_pipreqs_mapping(text: str) -> dict[str, str]:
    """pipreqs' ``import_name:distribution`` lines (first entry for a name wins)."""
    table: dict[str, str] = {}
    for raw in text.splitlines():
        key, sep, value = raw.strip().partition(":")
        if sep and key and value:
            table.setdefault(key, value)
    return table


@lru_cache(maxsize=1)
def jobdeps_table() -> dict[str, str]:
    return parse_table(read_text(DATA_FILE))


def pipreqs_mapping_path() -> Path | None:
    """The ``mapping`` file shipped in the pipreqs package, without importing pipreqs."""
    try:
        spec = importlib.util.find_spec("pipreqs")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "mapping"
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=1)
def pipreqs_table() -> dict[str, str]:
    path = pipreqs_mapping_path()
    return parse_pipreqs_mapping(read_text(path)) if path is not None else {}


def _longest_prefix(dotted: str, table: dict[str, str]) -> str | None:
    parts = dotted.split(".")
    for depth in range(len(parts), 0, -1):
        hit = table.get(".".join(parts[:depth]))
        if hit is not None:
            return hit
    return None


def _namespace_guess(dotted: str) -> str | None:
    parts = dotted.split(".")
    for depth in range(len(parts) - 1, 0, -1):
        need = NAMESPACE_DEPTH.get(".".join(parts[:depth]))
        if need is not None:
            return "-".join(parts[:need]) if len(parts) >= need else None
    return None


def distribution_for_import(top_level: str) -> tuple[str, Source]:
    """``(distribution name, source)`` for an import (top-level or dotted name).

    ``source`` is ``"jobdeps"``, ``"pipreqs"`` or ``"guessed"`` (see module doc).
    """
    name = top_level.strip().strip(".")
    ours = _longest_prefix(name, jobdeps_table())
    if ours is not None:
        return ours, "jobdeps"
    top = name.split(".", 1)[0]
    if top in {k.split(".", 1)[0] for k in NAMESPACE_DEPTH}:
        guess = _namespace_guess(name)
        return (guess or top), "guessed"
    theirs = pipreqs_table().get(top)
    if theirs is not None:
        return theirs, "pipreqs"
    return top, "guessed"
