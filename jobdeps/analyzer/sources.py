"""Reading source files the way CPython would decode them (PEP 263, BOM).

Everything that can go wrong with a file in the user's tree (too big, not
decodable, unreadable, a symlink loop) is reported as a :class:`SourceProblem`,
never raised.
"""

from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path

#: Files larger than this are not parsed (generated code, data dumped in a .py).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class SourceText:
    text: str
    encoding: str
    size: int


@dataclass(frozen=True)
class SourceProblem:
    """Why a file could not be read: ``kind`` is one of ``too-large``, ``undecodable``,
    ``unreadable``, ``symlink-loop``."""

    kind: str
    message: str
    line: int | None = None


def decode_source(data: bytes) -> SourceText | SourceProblem:
    """Decode bytes by their BOM or coding cookie (PEP 263), default UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # bad cookie, or BOM disagreeing with the cookie
        return SourceProblem("undecodable", str(exc).split(" (", 1)[0], _cookie_line(data))
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return SourceProblem(
            "undecodable", f"not valid {encoding}: byte {data[exc.start]:#04x}", line
        )
    except LookupError:
        return SourceProblem("undecodable", f"unknown encoding {encoding!r}", _cookie_line(data))
    if text.startswith("\ufeff"):
        text = text[1:]
    # Universal newlines, as the interpreter reads source.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(text, encoding, len(data))


def _cookie_line(data: bytes) -> int:
    first_two = data.split(b"\n", 2)[:2]
    for number, line in enumerate(first_two, 1):
        if b"coding" in line:
            return number
    return 1


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText | SourceProblem:
    try:
        size = path.stat().st_size
    except RuntimeError:  # pragma: no cover - pathlib raises this for loops on old Pythons
        return SourceProblem("symlink-loop", "symbolic link loop")
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return SourceProblem("symlink-loop", "symbolic link loop")
        return SourceProblem("unreadable", exc.strerror or str(exc))
    if size > max_bytes:
        return SourceProblem(
            "too-large", f"{size / 1048576:.1f} MiB is over the {max_bytes // 1048576} MiB bound"
        )
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return SourceProblem("unreadable", exc.strerror or str(exc))
    if len(data) > max_bytes:
        return SourceProblem("too-large", f"over the {max_bytes // 1048576} MiB bound")
    return decode_source(data)


def is_loop(path: Path) -> bool:
    """True when resolving ``path`` runs into a symlink loop."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == 40
    return False
