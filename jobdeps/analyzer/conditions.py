"""Judging version and platform guards for the target: is this branch taken on the VM?

``if sys.version_info >= (3, 11): import tomllib`` / ``else: import tomli``: for a
3.10 target only the ``else`` branch runs. The extractor keeps the guarding tests
as text (:attr:`ImportFact.condition`); here they are evaluated, without running
anything, for the target Python on Linux x86_64. Anything not understood is
``None`` (unknown), and the caller keeps the import.
"""

from __future__ import annotations

import ast
import operator
from functools import lru_cache
from typing import Any

_UNKNOWN = object()
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def dotted_name(node: ast.expr | None) -> str | None:
    """``a.b.c`` for a Name/Attribute chain of the interpreter's syntax tree, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


class _Target:
    def __init__(self, version: tuple[int, int]) -> None:
        self.version_info = (*version, 0, "final", 0)
        self.names: dict[str, Any] = {
            "sys.version_info": self.version_info,
            "version_info": self.version_info,
            "sys.platform": "linux",
            "os.name": "posix",
            "sys.implementation.name": "cpython",
            "platform.python_implementation()": "CPython",
            "platform.system()": "Linux",
            "platform.machine()": "x86_64",
        }

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Tuple):
            items = [self.value(e) for e in node.elts]
            return _UNKNOWN if any(i is _UNKNOWN for i in items) else tuple(items)
        if isinstance(node, ast.Call) and not node.args and not node.keywords:
            name = dotted_name(node.func)
            return self.names.get(f"{name}()", _UNKNOWN) if name else _UNKNOWN
        if isinstance(node, ast.Subscript):
            base = self.value(node.value)
            if not isinstance(base, tuple):
                return _UNKNOWN
            index = node.slice
            if isinstance(index, ast.Slice):
                lower = self.value(index.lower) if index.lower else None
                upper = self.value(index.upper) if index.upper else None
                if lower is _UNKNOWN or upper is _UNKNOWN or index.step is not None:
                    return _UNKNOWN
                return base[lower:upper]
            position = self.value(index)
            return base[position] if isinstance(position, int) else _UNKNOWN
        name = dotted_name(node)
        if name is None:
            return _UNKNOWN
        if name.endswith((".major", ".minor")) and name.rsplit(".", 1)[0] in self.names:
            info = self.names[name.rsplit(".", 1)[0]]
            return info[0] if name.endswith("major") else info[1]
        return self.names.get(name, _UNKNOWN)

    def truth(self, node: ast.expr) -> bool | None:
        if isinstance(node, ast.BoolOp):
            results = [self.truth(v) for v in node.values]
            if isinstance(node.op, ast.And):
                if any(r is False for r in results):
                    return False
                return None if any(r is None for r in results) else True
            if any(r is True for r in results):
                return True
            return None if any(r is None for r in results) else False
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.truth(node.operand)
            return None if inner is None else not inner
        if isinstance(node, ast.Compare):
            left = self.value(node.left)
            for op, right_node in zip(node.ops, node.comparators, strict=False):
                right = self.value(right_node)
                compare = _COMPARE.get(type(op))
                if left is _UNKNOWN or right is _UNKNOWN or compare is None:
                    return None
                try:
                    if not compare(left, right):
                        return False
                except TypeError:
                    return None
                left = right
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "startswith"
            and len(node.args) == 1
        ):
            subject, prefix = self.value(node.func.value), self.value(node.args[0])
            if isinstance(subject, str) and isinstance(prefix, (str, tuple)):
                return subject.startswith(prefix)
        return None


@lru_cache(maxsize=1024)
def evaluate_condition(text: str, version: str) -> bool | None:
    """``True``/``False`` when the guard is decided for the target, ``None`` when unknown."""
    if not text:
        return None
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return None
    major, minor = (int(p) for p in version.split(".")[:2])
    return _Target((major, minor)).truth(tree.body)
