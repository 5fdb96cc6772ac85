"""Static evaluation of the path expressions people put in ``sys.path`` calls.

Understands the idioms built from ``__file__`` and the working directory:
``os.path.dirname(os.path.abspath(__file__))``, ``Path(__file__).resolve().parents[1]``,
``os.path.join(HERE, "..", "src")``, ``ROOT / "lib"``, ``f"{ROOT}/src"``, ``os.getcwd()``
and names bound to such values earlier in the file. Anything else evaluates to
None, which callers report rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import libcst as cst

_FILE = "\0file"  # the file's own name, as a path component


@dataclass(frozen=True)
class PathVal:
    """A path relative to an anchor: the file's folder, the working dir, or ``/``."""

    anchor: str  # "file" | "cwd" | "abs"
    parts: tuple[str, ...] = ()

    def join(self, *more: str) -> PathVal:
        parts = list(self.parts)
        anchor = self.anchor
        for piece in more:
            if piece.startswith("/"):
                anchor, parts = "abs", []
            parts.extend(p for p in piece.split("/") if p not in ("", "."))
        return PathVal(anchor, _normalise(parts))

    def parent(self, levels: int = 1) -> PathVal:
        parts = list(self.parts)
        for _ in range(levels):
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append("..")
        return PathVal(self.anchor, tuple(parts))

    @property
    def is_file_itself(self) -> bool:
        return _FILE in self.parts

    def as_posix(self) -> str:
        text = "/".join(self.parts) or "."
        return "/" + text if self.anchor == "abs" else text


def _normalise(parts: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for part in parts:
        if part == ".." and out and out[-1] != "..":
            out.pop()
        else:
            out.append(part)
    return tuple(out)


FILE_VALUE = PathVal("file", (_FILE,))

_IDENTITY = {
    "os.path.abspath",
    "os.path.realpath",
    "os.path.normpath",
    "os.path.expanduser",
    "os.fspath",
    "str",
    "pathlib.Path",
    "pathlib.PurePath",
    "pathlib.PosixPath",
}
_IDENTITY_METHODS = {"resolve", "absolute", "expanduser", "as_posix"}


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (no f-string, no bytes)."""
    if isinstance(node, cst.SimpleString):
        prefix = node.prefix.lower()
        if "b" in prefix:
            return None
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - libcst already validated it
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return None if left is None or right is None else left + right
    return None


class PathEvaluator:
    """Evaluates expressions to :class:`PathVal` given a name resolver.

    ``qualname`` turns a Name/Attribute chain into its canonical dotted name
    (``osp.dirname`` -> ``os.path.dirname``); ``names`` holds values bound earlier.
    """

    def __init__(
        self,
        qualname: Callable[[cst.BaseExpression], str | None],
        names: Mapping[str, PathVal],
    ) -> None:
        self._qualname = qualname
        self._names = names

    def __call__(self, node: cst.BaseExpression) -> PathVal | None:
        try:
            return self._eval(node)
        except RecursionError:  # pragma: no cover - absurdly nested expression
            return None

    def _eval(self, node: cst.BaseExpression) -> PathVal | None:
        text = string_value(node)
        if text is not None:
            return PathVal("abs" if text.startswith("/") else "cwd").join(text)
        if isinstance(node, cst.Name):
            if node.value == "__file__":
                return FILE_VALUE
            return self._names.get(node.value)
        if isinstance(node, cst.Attribute):
            if node.attr.value == "parent":
                base = self._eval(node.value)
                return base.parent() if base else None
            return None
        if isinstance(node, cst.Subscript):
            return self._subscript(node)
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.BinaryOperation):
            return self._binary(node)
        if isinstance(node, cst.FormattedString):
            return self._fstring(node)
        return None

    def _subscript(self, node: cst.Subscript) -> PathVal | None:
        # Path(__file__).parents[N]
        if not (isinstance(node.value, cst.Attribute) and node.value.attr.value == "parents"):
            return None
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return None
        index = node.slice[0].slice.value
        if not isinstance(index, cst.Integer):
            return None
        base = self._eval(node.value.value)
        return base.parent(int(index.value) + 1) if base else None

    def _join_args(self, base: PathVal | None, args: list[cst.Arg]) -> PathVal | None:
        if base is None:
            return None
        pieces: list[str] = []
        for arg in args:
            text = string_value(arg.value)
            if text is None:
                value = self._eval(arg.value)
                if value is None or value.anchor == "cwd":
                    return None
                # an absolute or file-anchored value restarts the path
                base, pieces = value, []
                continue
            pieces.append(text)
        return base.join(*pieces)

    def _call(self, node: cst.Call) -> PathVal | None:
        args = [a for a in node.args if a.keyword is None and not a.star]
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            # method calls on a path value: .resolve(), .joinpath("x"), .parent ...
            if method in _IDENTITY_METHODS and not args:
                return self._eval(func.value)
            if method == "joinpath":
                return self._join_args(self._eval(func.value), args)
        qn = self._qualname(func)
        if qn is None:
            return None
        if qn in ("os.getcwd", "pathlib.Path.cwd"):
            return PathVal("cwd")
        if qn in _IDENTITY:
            if not args:
                return PathVal("cwd") if qn.startswith("pathlib") else None
            return self._join_args(self._eval(args[0].value), args[1:])
        if qn == "os.path.relpath" and args:
            # the same place, spelled relative to `start`: for sys.path only the place counts
            return self._eval(args[0].value)
        if qn == "os.path.dirname" and len(args) == 1:
            base = self._eval(args[0].value)
            return base.parent() if base else None
        if qn == "os.path.join" and args:
            return self._join_args(self._eval(args[0].value), args[1:])
        return None

    def _binary(self, node: cst.BinaryOperation) -> PathVal | None:
        if isinstance(node.operator, cst.Divide):
            left = self._eval(node.left)
            text = string_value(node.right)
            if left is None:
                return None
            if text is not None:
                return left.join(text)
            right = self._eval(node.right)
            return right if right is not None and right.anchor != "cwd" else None
        if isinstance(node.operator, cst.Add):
            left = self._eval(node.left)
            text = string_value(node.right)
            if left is None or text is None:
                return None
            if not text.startswith("/"):
                return None  # "a" + "b" glues names; too odd to follow
            return left.join(text.lstrip("/"))
        return None

    def _fstring(self, node: cst.FormattedString) -> PathVal | None:
        base: PathVal | None = None
        pieces: list[str] = []
        for index, part in enumerate(node.parts):
            if isinstance(part, cst.FormattedStringText):
                if index == 0:
                    base = PathVal("abs" if part.value.startswith("/") else "cwd")
                pieces.append(part.value)
            elif index == 0 and part.format_spec is None and part.conversion is None:
                base = self._eval(part.expression)
                if base is None:
                    return None
            else:
                return None
        if base is None:
            return None
        return base.join("".join(pieces).lstrip("/") if base.anchor != "abs" else "".join(pieces))
