"""The names a package's ``__all__`` lists: what ``from pkg import *`` imports.

``from pkg import *`` runs ``pkg/__init__.py``, then imports every name of its
``__all__`` that is not yet an attribute: a name there that is a submodule
(``__all__ = ["models", "utils"]``) executes ``pkg/models.py`` although no
statement names it. The walk asks only for packages that are star-imported, so
the ``__init__.py`` is parsed here on demand, with :mod:`ast` (one module-level
question; the facts of the file are still the extractor's).

Every name any of these lists, as the walk follows both branches of a condition:
``__all__ = [...]`` or ``(...)``, ``__all__ += [...]``, ``__all__.extend([...])``
and ``__all__.append("x")``, at module level or in its ``if``/``try``/``with``
blocks, never in a function or class. Only string literals count; anything
computed (``__all__ = sub.__all__ + [...]``) adds nothing for its computed part.
A name that is no submodule is left to the walk, which finds no file for it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator


def all_names(source: str) -> tuple[str, ...] | None:
    """The string literals ``__all__`` is given in ``source``, in order, without
    repeats; ``None`` when the module never assigns ``__all__`` (or cannot be parsed)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    names: dict[str, None] = {}
    assigned = False
    for node in _module_level(tree.body):
        value = _assigned_value(node)
        if value is not None:
            assigned = True
            names.update(dict.fromkeys(_strings(value)))
        elif isinstance(node, ast.AugAssign) and _is_all(node.target):
            names.update(dict.fromkeys(_strings(node.value)))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and _is_all(func.value)
                and func.attr in ("extend", "append")
                and len(call.args) == 1
            ):
                arg = call.args[0]
                added = _strings(arg) if func.attr == "extend" else _strings(ast.List([arg]))
                names.update(dict.fromkeys(added))
    return tuple(names) if assigned else None


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run at module level, blocks flattened in source order."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(node, name, None)
            if isinstance(inner, list):
                yield from _module_level(inner)
        for handler in getattr(node, "handlers", ()):
            yield from _module_level(handler.body)


def _assigned_value(node: ast.stmt) -> ast.expr | None:
    """The value of ``__all__ = value`` (or ``__all__: list[str] = value``)."""
    if isinstance(node, ast.Assign) and any(_is_all(t) for t in node.targets):
        return node.value
    if isinstance(node, ast.AnnAssign) and _is_all(node.target):
        return node.value
    return None


def _is_all(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__all__"


def _strings(node: ast.expr) -> list[str]:
    """String literals of a list/tuple display (or of ``a + b`` of them)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.left) + _strings(node.right)
    return []
