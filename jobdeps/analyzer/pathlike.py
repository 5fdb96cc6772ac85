"""Which string literals look like paths to project files (no parser needed).

Shared by the libcst reference (:mod:`jobdeps.analyzer.extract`) and the fast
readers, which must not import libcst just to ask this.
"""

from __future__ import annotations

import re

_PATHLIKE_RE = re.compile(r"^(?:\./)?[\w.-]+(?:/[\w.-]+)*/?$")
_DATA_SUFFIXES = (
    ".yaml", ".yml", ".json", ".jsonl", ".csv", ".tsv", ".txt", ".toml", ".ini", ".cfg",
    ".parquet", ".pkl", ".pickle", ".npy", ".npz", ".pt", ".pth", ".ckpt", ".bin",
    ".safetensors", ".h5", ".onnx", ".md", ".sql", ".xml", ".jinja", ".j2", ".png", ".jpg",
)  # fmt: skip
#: A cheap superset of :func:`looks_like_path`, for prefiltering. ``\n?``: the
#: reference's ``$`` also matches before a final newline (``"""7/\n"""``).
MAYBE_PATH_RE = re.compile(r"(?=.*[./])[\w./-]{2,200}\n?\Z", re.DOTALL)


def looks_like_path(value: str) -> bool:
    if len(value) > 200 or len(value) < 3 or "://" in value:
        return False
    if not _PATHLIKE_RE.match(value):
        return False
    return "/" in value or value.lower().endswith(_DATA_SUFFIXES)
