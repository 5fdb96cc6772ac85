"""What one source file says about imports: the interface between reading and resolving.

An extractor takes source text and returns :class:`FileFacts`; resolution, the
graph and every check work on these facts only. So the way files are read
(full libcst parse, a fast path, a cache) can change without touching the rest.
Facts are plain, frozen and JSON-serialisable (see :func:`facts_to_json`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ImportKind = Literal["import", "from", "dynamic", "run-path", "run-module", "run-command"]


@dataclass(frozen=True, slots=True)
class ImportFact:
    """One import (or file run) in a source file.

    ``kind``:
      - ``import``: ``import a.b.c`` (``module`` = ``a.b.c``);
      - ``from``: ``from .a import b, c`` (``module`` = ``a``, ``level`` = 1, ``names`` = (b, c));
      - ``dynamic``: ``importlib.import_module``/``__import__`` (``module`` empty when not literal);
      - ``run-path``: ``exec(open("x.py").read())``/``runpy.run_path("x.py")``/
        ``importlib.util.spec_from_file_location("name", "x.py")`` (``module`` = the path);
      - ``run-module``: ``runpy.run_module("pkg.mod")``;
      - ``run-command``: a program started from Python (``subprocess.run([...])``,
        ``os.system("...")``, ``os.execv``; ``module`` = the command as shell text, see
        :mod:`jobdeps.analyzer.launchers`).
    ``package`` is the ``package=`` argument of ``import_module``: ``"__package__"``,
    ``"__name__"``, a literal, or None; for ``runpy`` calls it is the ``run_name`` the
    file runs under (``"<run_path>"`` by default, so its ``__main__`` block does not
    run), and None for ``exec``, which runs in the caller's namespace.
    ``anchor`` says what a ``run-path`` path built from ``__file__`` is relative to:
    ``file`` (the file's folder) or ``abs``; empty for the working folder, as
    ``open()`` sees a literal path.
    ``condition`` holds, for a ``conditional`` import, the guarding tests as source
    text joined with ``and`` (``not (...)`` for an ``else`` branch, aliases spelled
    out), so that the walk can judge them for the target Python.
    """

    kind: ImportKind
    module: str
    line: int
    col: int = 0
    level: int = 0
    names: tuple[str, ...] = ()
    optional: bool = False
    type_checking: bool = False
    conditional: bool = False
    lazy: bool = False
    main_only: bool = False
    dynamic: bool = False
    package: str | None = None
    condition: str = ""
    anchor: str = ""

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(
            name
            for name in ("optional", "type_checking", "conditional", "lazy", "main_only", "dynamic")
            if getattr(self, name)
        )


@dataclass(frozen=True, slots=True)
class SysPathEdit:
    """A change to ``sys.path`` in a file.

    ``anchor`` says what ``path`` is relative to: ``file`` (the folder of the file
    that makes the change), ``cwd`` (the working directory: the job's root) or
    ``abs``. ``path`` is None when the expression could not be evaluated statically.
    """

    line: int
    op: str
    path: str | None
    anchor: Literal["file", "cwd", "abs"] | None
    expr: str


@dataclass(frozen=True, slots=True)
class PathLiteral:
    """A string literal that looks like a path to a file of the project."""

    line: int
    value: str
    anchor: Literal["file", "cwd"] = "cwd"


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    line: int
    col: int
    message: str


#: The message of a :class:`SyntaxProblem` for valid Python nested deeper than the
#: extractor can walk: reported as unreadable (IMP011), not as a syntax error.
TOO_DEEP = "nested too deeply for jobdeps to analyse"


@dataclass(frozen=True, slots=True)
class SyntaxFeature:
    """Syntax that needs a minimum Python version (``except*``, PEP 695 ...)."""

    line: int
    feature: str
    min_version: tuple[int, int]


@dataclass(frozen=True, slots=True)
class FileFacts:
    imports: tuple[ImportFact, ...] = ()
    syspath: tuple[SysPathEdit, ...] = ()
    path_literals: tuple[PathLiteral, ...] = ()
    features: tuple[SyntaxFeature, ...] = ()
    main_guard_line: int | None = None
    syntax_error: SyntaxProblem | None = None
    suppressions: tuple[tuple[int, tuple[str, ...]], ...] = field(default=())

    def suppressed(self, line: int, code: str) -> bool:
        """True when ``# jobdeps: ignore`` or ``# jobdeps: ignore[CODE]`` is on ``line``."""
        for number, codes in self.suppressions:
            if number == line:
                return not codes or code in codes
        return False


def facts_to_json(facts: FileFacts) -> dict[str, Any]:
    return asdict(facts)


def facts_from_json(data: dict[str, Any]) -> FileFacts:
    return FileFacts(
        imports=tuple(ImportFact(**{**d, "names": tuple(d["names"])}) for d in data["imports"]),
        syspath=tuple(SysPathEdit(**d) for d in data["syspath"]),
        path_literals=tuple(PathLiteral(**d) for d in data["path_literals"]),
        features=tuple(
            SyntaxFeature(d["line"], d["feature"], tuple(d["min_version"]))  # type: ignore[arg-type]
            for d in data["features"]
        ),
        main_guard_line=data["main_guard_line"],
        syntax_error=SyntaxProblem(**data["syntax_error"]) if data["syntax_error"] else None,
        suppressions=tuple((n, tuple(c)) for n, c in data["suppressions"]),
    )


_SUPPRESS_RE = re.compile(r"#\s*jobdeps:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?")


def find_suppressions(text: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """``# jobdeps: ignore[CODE, ...]`` comments by line (empty codes: everything)."""
    if "jobdeps:" not in text:
        return ()
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        if "jobdeps:" in line:
            match = _SUPPRESS_RE.search(line)
            if match:
                codes = tuple(c.strip() for c in (match.group(1) or "").split(",") if c.strip())
                found.append((number, codes))
    return tuple(found)
