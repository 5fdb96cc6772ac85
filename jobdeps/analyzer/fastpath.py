"""The fast path to :class:`FileFacts`: libcst on only the statements that matter.

:func:`jobdeps.analyzer.extract.extract_facts` parses a whole module with libcst
and computes positions with ``MetadataWrapper``: exact, and 50 times slower than
``ast``. Most of a file says nothing about imports, so :func:`fast_facts` first
asks the scanner tier (:mod:`jobdeps.analyzer.scanner`: no syntax tree at all,
for files whose imports are all plain), and when it is not sure:

1. checks the file is valid Python and finds its statements' line spans with the
   interpreter's own parser (``compile(..., PyCF_ONLY_AST)``; statements only,
   expressions are never walked). A file it rejects (a syntax error, or syntax
   newer than this interpreter) goes to the full libcst parse, which reports it
   exactly as the reference does;
2. marks the lines that may matter with a few regular expressions over the raw
   text: anything mentioning ``import``, ``exec``, ``runpy``, ``__name__``,
   ``TYPE_CHECKING``, ``sys``/``site`` (and local aliases of those modules), a
   quoted string that could be a path, ``/`` followed by a string, an f-string
   that may reuse its quotes. The marks are a superset: a string or a comment
   mentioning ``import`` only costs a little extra parsing;
3. keeps the statements on marked lines, every assignment to a name that a
   kept ``sys.path`` edit, file run by path or path expression may read (to a
   fixed point), the ``match``/``except*``/``type`` statements, and for each kept
   statement the headers of its enclosing blocks with all their clauses (so
   ``try``/``except``, ``if``/``else`` and ``def`` give the same context flags);
   pruned bodies get a ``pass``;
4. reads the path literals of statements that matter only for those (data
   tables, mostly) from their string tokens directly, and looks again at the code
   of a marked multi-line statement with its strings emptied (a table whose
   strings merely say ``import`` is not kept);
5. makes the facts of plain ``import``/``from`` statements itself, from the
   statement tree, when their context is one it reproduces exactly (module
   level, ``def``/``class`` bodies, loops, ``with`` incl. ``suppress(ImportError)``,
   ``try`` bodies and handlers with the collector's own optional/gives-up rule,
   ``if TYPE_CHECKING``/``__main__`` guards and their ``else``); imports under a
   version/platform condition (whose ``condition`` text libcst writes), in
   one-line compounds or ``match``, and those binding a name the skeleton
   mentions (the collector resolves names through them) stay in the skeleton;
6. runs the reference collector over that skeleton, whose lines are the
   original lines verbatim (so columns are exact) and map back to the original
   line numbers (:mod:`jobdeps.analyzer.skeleton`).

Only 315 of sympy's 1,532 files still need libcst after step 5. The statement
tree is built with the collector off (see :func:`plan`): inside a real analysis,
full collections walking the caller's heap made ``compile`` 2.5x slower than alone.
``JOBDEPS_FASTPATH_DIRECT=0`` turns step 5 off (round one's behaviour).

The kept set must cover whatever the collector reads: if ``extract.py`` starts
reading something new (as it did with handler bodies, for ``raise`` and
``sys.exit()``), the equivalence test fails until the plan keeps it too.

Statements that are dropped produce no facts and change no state the
collector reads; ``tests/test_fastpath.py`` checks equality with the reference
on thousands of real files. A file with nothing marked never imports libcst.
"""

from __future__ import annotations

import ast
import gc
import os
import re
import warnings
from ast import literal_eval
from itertools import accumulate
from typing import NamedTuple

from jobdeps.analyzer.conditions import dotted_name
from jobdeps.analyzer.facts import FileFacts, ImportFact, PathLiteral, find_suppressions
from jobdeps.analyzer.launchers import OS_LAUNCHERS
from jobdeps.analyzer.marks import (
    CONDITION_HEADS,
    EXITS,
    KEYWORD_RE,
    SUPPRESS_NAMES,
    catches_import_error,
    guard_kind,
    is_word_char,
    keyword_kind,
    may_reuse_quotes,
)
from jobdeps.analyzer.pathlike import MAYBE_PATH_RE as _MAYBE_PATH_RE
from jobdeps.analyzer.pathlike import looks_like_path

# An opening quote and what follows while it could be a path once unescaped. The
# closing quote is not consumed, so it is tried as an opening one too: a false
# match cannot hide a real string behind it.
_PATH_STRING_RE = re.compile(
    r"""["']([\w-]*(?:[./]|\\N\{[^}\n]*\}|\\[\s\S])(?:[\w./-]|\\N\{[^}\n]*\}|\\[\s\S])*\n?)(?=["'])"""
)
_FSTRING_RE = re.compile(r"""[fFrR]{1,2}("\"\"|\'\'\'|"|')""")
_WORD_RE = re.compile(r"\w+")
_STRING_START_RE = re.compile(r"""[rRuUbB]{0,2}('\'\'|\"\"\"|'|")""")
# their calls may read paths (subprocess's start programs: see launchers.py)
_CONSUMER_MODULES = ("sys", "site", "runpy", "importlib", "subprocess")
_ALIAS_MODULES = ("sys", "site", "importlib", "runpy")
_ATOMIC = tuple(
    getattr(ast, name) for name in ("Match", "TryStar", "TypeAlias") if hasattr(ast, name)
)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_COMPOUND = (*_DEFS, ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)
_WS = " \t\f"


class _Simple:
    """Whole lines ``a..b`` kept or dropped as one (statements sharing lines).

    ``imports``: its statements when they are all imports (else None);
    ``direct``: their facts are made here, not by libcst.
    """

    __slots__ = ("a", "b", "direct", "imports", "needed")

    def __init__(self, a: int, b: int, needed: bool = False) -> None:
        self.a, self.b, self.needed = a, b, needed
        self.imports: list[ast.Import | ast.ImportFrom] | None = None
        self.direct = False


class _Ctx(NamedTuple):
    """The collector's context flags for a block, when the direct path can tell them.

    ``ok`` is False under a version/platform condition (its ``condition`` text is
    libcst's to write) or anything else not reproduced here: imports there go to libcst.
    """

    ok: bool = True
    optional: bool = False
    type_checking: bool = False
    lazy: bool = False
    main_only: bool = False


_ROOT = _Ctx()
_ELSE = object()  # the ``else`` clause of an if/elif chain
# Off: every import goes through libcst as in round one (JOBDEPS_FASTPATH_DIRECT=0).
DIRECT_IMPORTS = os.environ.get("JOBDEPS_FASTPATH_DIRECT", "1") != "0"
# Off: no scanner tier, every file gets the statement-tree plan (JOBDEPS_FASTPATH_SCAN=0).
SCANNER = os.environ.get("JOBDEPS_FASTPATH_SCAN", "1") != "0"


def _apply(ctx: _Ctx, kind: str | None) -> _Ctx:
    if kind is None:
        return ctx
    if kind == "type_checking":
        return ctx._replace(type_checking=True)
    if kind == "main":
        return ctx._replace(main_only=True)
    return ctx._replace(ok=False)  # conditional (or not sure)


class _Clause:
    """One header (``if``, ``elif``, ``except``, ``def`` with its decorators...) and its body."""

    __slots__ = ("a", "b", "body", "indent", "inert")

    def __init__(self, a: int, b: int, body: list, indent: str) -> None:
        self.a, self.b, self.body, self.indent = a, b, body, indent
        # ``if TYPE_CHECKING:``: its header yields no fact, whatever its marks say
        self.inert = False


class _Compound:
    __slots__ = ("clauses", "forced")

    def __init__(self, clauses: list[_Clause], forced: bool) -> None:
        self.clauses, self.forced = clauses, forced


class FallBack(Exception):
    """The fast path cannot be sure about this file: use the full parse."""


class _Planner:
    """Statement spans of a module, from its ``ast`` (statements only)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.simples: list[_Simple] = []
        self.headers: list[_Clause] = []
        self.assigns: list[tuple[_Simple, set[str]]] = []
        self.handlers: list[tuple[_Compound, list[_Clause]]] = []  # try statements
        self.consumer_aliases: set[str] = set()
        self.other_aliases: set[str] = set()
        # The collector's ``aliases``, in its visiting order (source order).
        self.aliases: dict[str, str] = {}
        self.condition_aliases: set[str] = set()  # local names bound to sys/os/platform...
        self.directs: list[tuple[_Simple, _Ctx]] = []  # import-only groups with a known context

    def indent(self, line: int) -> str:
        text = self.lines[line - 1]
        return text[: len(text) - len(text.lstrip(_WS))]

    def start(self, stmt: ast.stmt) -> int:
        if isinstance(stmt, _DEFS) and stmt.decorator_list:
            return min(stmt.lineno, *(d.lineno for d in stmt.decorator_list))
        return stmt.lineno

    def starts_line(self, stmt: ast.stmt) -> bool:
        line = self.start(stmt)
        text = self.lines[line - 1]
        rest = text.lstrip(_WS)
        if rest.startswith("@"):
            return True
        return stmt.col_offset == len(text) - len(rest)

    def block(self, body: list[ast.stmt], ctx: _Ctx = _ROOT) -> list:
        units: list = []
        group: _Simple | None = None
        for stmt in body:
            if isinstance(stmt, _COMPOUND):
                group = None
                units.append(self.compound(stmt, ctx))
                continue
            if isinstance(stmt, _ATOMIC):
                group = None
                self.track_nested(stmt)
                unit = _Simple(stmt.lineno, stmt.end_lineno or stmt.lineno, True)
                self.simples.append(unit)
                units.append(unit)
                continue
            end = stmt.end_lineno or stmt.lineno
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and (group is None or stmt.lineno > group.b)
                and self.inert_string(stmt, end)
            ):
                group = None  # a docstring that no line mark can make relevant
                continue
            is_import = isinstance(stmt, (ast.Import, ast.ImportFrom))
            if group is not None and stmt.lineno <= group.b:
                group.b = max(group.b, end)
                if group.imports is not None:
                    if is_import:
                        group.imports.append(stmt)  # type: ignore[arg-type]
                    else:
                        group.imports = None
            else:
                group = _Simple(stmt.lineno, end)
                if is_import:
                    group.imports = [stmt]  # type: ignore[list-item]
                self.simples.append(group)
                units.append(group)
            if isinstance(stmt, ast.Assign):
                names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
                if names:
                    self.assigns.append((group, names))
            elif is_import:
                self.note_aliases(stmt)  # type: ignore[arg-type]
                self.track(stmt)  # type: ignore[arg-type]
        if ctx.ok:
            self.directs.extend(
                (u, ctx) for u in units if isinstance(u, _Simple) and u.imports is not None
            )
        return units

    def track(self, stmt: ast.Import | ast.ImportFrom) -> None:
        """What ``_Collector.visit_Import``/``visit_ImportFrom`` do to ``aliases``."""
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.bind(alias.asname, alias.name)
                else:
                    head = alias.name.split(".")[0]
                    self.bind(head, head)
        elif stmt.level == 0 and stmt.module and stmt.names[0].name != "*":
            for alias in stmt.names:
                self.bind(alias.asname or alias.name, f"{stmt.module}.{alias.name}")

    def bind(self, local: str, full: str) -> None:
        self.aliases[local] = full
        if full.split(".")[0] in CONDITION_HEADS:
            self.condition_aliases.add(local)
        else:
            self.condition_aliases.discard(local)

    def track_nested(self, stmt: ast.stmt) -> None:
        """The imports of a statement kept whole (``match``, a one-line ``if x: import y``)."""
        found = [n for n in ast.walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom))]
        found.sort(key=lambda n: (n.lineno, n.col_offset))
        for node in found:
            self.note_aliases(node)  # type: ignore[arg-type]
            self.track(node)  # type: ignore[arg-type]

    def qualname(self, node: ast.expr) -> str | None:
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        full = self.aliases.get(head)
        if full is None:
            full = {"Path": "pathlib.Path", "PurePath": "pathlib.PurePath"}.get(head, head)
        return f"{full}.{rest}" if rest else full

    def condition_kind(self, test: ast.expr) -> tuple[str | None, bool]:
        """``_Collector._condition_kind``, except that "conditional" also means "not sure"."""
        kind, negated = guard_kind(test)
        if kind is not None:
            return kind, negated
        # Could a name in the test stand for sys/os/platform? (A superset of the test's words.)
        sensitive = CONDITION_HEADS | self.condition_aliases
        words = _WORD_RE.findall("\n".join(self.lines[test.lineno - 1 : test.end_lineno]))
        if not sensitive.isdisjoint(words):
            return "conditional", False
        return None, False

    def gives_up(self, handler: ast.ExceptHandler) -> bool:
        """``_Collector._gives_up``: the handler runs ``raise`` or ``sys.exit()`` on a line."""
        if not handler.body or not self.starts_line(handler.body[0]):
            return False  # ``except E: raise`` on one line is a suite: the collector skips it
        for stmt in handler.body:
            if isinstance(stmt, ast.Raise):
                return True
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Call)
                and self.qualname(stmt.value.func) in EXITS
            ):
                return True
        return False

    def suppresses(self, stmt: ast.With | ast.AsyncWith) -> bool:
        for item in stmt.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and self.qualname(call.func) in SUPPRESS_NAMES:
                values = [*call.args, *(k.value for k in call.keywords)]
                if any(catches_import_error(v) for v in values):
                    return True
        return False

    def inert_string(self, stmt: ast.Expr, end: int) -> bool:
        """True for a statement that is one string token (a docstring) whose value
        cannot be a path: it yields no facts whatever words it holds. Strings
        glued to others, or with odd escapes, are left to the line marks."""
        value = stmt.value.value  # type: ignore[attr-defined]
        if isinstance(value, bytes):
            value = ""
        if not isinstance(value, str) or _MAYBE_PATH_RE.match(value):
            return False
        if not self.starts_line(stmt):
            return False
        text = self.lines[stmt.lineno - 1].lstrip(_WS)
        match = _STRING_START_RE.match(text)
        if match is None:
            return False
        quote = match.group(1)
        if len(quote) == 3:
            body = "\n".join([text[match.end() :], *self.lines[stmt.lineno : end]])
            close = body.find(quote)
            if close < 0 or body[close - 1 : close] == "\\":
                return False
            rest = body[close + 3 :]
        else:
            if stmt.lineno != end:
                return False
            token = re.match(rf"(?:[^{quote}\\\n]|\\.)*{quote}", text[match.end() :])
            if token is None:
                return False
            rest = text[match.end() + token.end() :]
        rest = rest.lstrip(_WS)
        return rest == "" or rest.startswith("#")

    def note_aliases(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            pairs = [(a.name, a.asname) for a in stmt.names if a.asname]
            # ``import os as o``: ``o.system(...)`` starts a program, with no mark
            self.consumer_aliases.update(
                a.asname for a in stmt.names if a.name == "os" and a.asname
            )
        elif stmt.level == 0 and stmt.module:
            pairs = [(stmt.module, a.asname or a.name) for a in stmt.names]
            if stmt.module == "os":  # ``from os import system as sh``: sh starts programs
                self.consumer_aliases.update(
                    a.asname or a.name for a in stmt.names if a.name in OS_LAUNCHERS
                )
        else:
            return
        for full, local in pairs:
            head = full.split(".")[0]
            if head in _CONSUMER_MODULES:
                self.consumer_aliases.add(local)
            elif head in _ALIAS_MODULES:
                self.other_aliases.add(local)

    def compound(self, stmt: ast.stmt, ctx: _Ctx = _ROOT) -> _Simple | _Compound:
        start = self.start(stmt)
        parts: list[tuple[int, list[ast.stmt]]] = [(start, stmt.body)]  # type: ignore[attr-defined]
        tests: list[object] = []  # for an if chain: the test of each clause, or _ELSE
        if isinstance(stmt, ast.If):
            node = stmt
            tests.append(stmt.test)
            while node.orelse:
                orelse = node.orelse
                first = orelse[0]
                if (
                    len(orelse) == 1
                    and isinstance(first, ast.If)
                    and self.lines[first.lineno - 1].lstrip(_WS).startswith("elif")
                ):
                    parts.append((first.lineno, first.body))
                    tests.append(first.test)
                    node = first
                    continue
                parts.append((self.keyword_line(node.body, orelse, "else"), orelse))
                tests.append(_ELSE)
                break
        elif isinstance(stmt, ast.Try):
            parts.extend((h.lineno, h.body) for h in stmt.handlers)
            previous = stmt.handlers[-1].body if stmt.handlers else stmt.body
            if stmt.orelse:
                parts.append((self.keyword_line(previous, stmt.orelse, "else"), stmt.orelse))
                previous = stmt.orelse
            if stmt.finalbody:
                parts.append(
                    (self.keyword_line(previous, stmt.finalbody, "finally"), stmt.finalbody)
                )
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)) and stmt.orelse:
            parts.append((self.keyword_line(stmt.body, stmt.orelse, "else"), stmt.orelse))
        if not all(self.starts_line(body[0]) for _, body in parts):
            # a one-line clause (``if x: import y``): keep or drop the statement whole
            self.track_nested(stmt)
            unit = _Simple(start, stmt.end_lineno or start)
            self.simples.append(unit)
            return unit
        # The context of each clause's body, computed when the collector would (the
        # aliases a test or handler reads are those bound before it).
        first_ctx = ctx
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first_ctx = ctx._replace(lazy=True)
        elif (
            isinstance(stmt, ast.Try)
            and any(catches_import_error(h.type) and not self.gives_up(h) for h in stmt.handlers)
        ) or (isinstance(stmt, (ast.With, ast.AsyncWith)) and self.suppresses(stmt)):
            first_ctx = ctx._replace(optional=True)
        chain = ctx
        clauses = []
        for index, (keyword_line, body) in enumerate(parts):
            if tests:
                test = tests[index]
                if test is _ELSE:
                    body_ctx = chain
                else:
                    kind, negated = self.condition_kind(test)  # type: ignore[arg-type]
                    body_ctx = _apply(chain, None if negated else kind)
                    if negated or kind == "conditional":
                        chain = _apply(chain, kind)
            else:
                body_ctx = first_ctx if index == 0 else ctx
            first = self.start(body[0])
            clause = _Clause(
                keyword_line, first - 1, self.block(body, body_ctx), self.indent(first)
            )
            if tests and tests[index] is not _ELSE:
                test = tests[index]
                if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                    test = test.operand
                dotted = dotted_name(test)  # type: ignore[arg-type]
                clause.inert = dotted is not None and dotted.split(".")[-1] == "TYPE_CHECKING"
            self.headers.append(clause)
            clauses.append(clause)
        forced = isinstance(stmt, _DEFS) and bool(getattr(stmt, "type_params", None))
        compound = _Compound(clauses, forced)
        if isinstance(stmt, ast.Try) and stmt.handlers:
            # the collector reads what a handler does (re-raise, exit) to judge optionality
            self.handlers.append((compound, clauses[1 : 1 + len(stmt.handlers)]))
        return compound

    def keyword_line(self, before: list[ast.stmt], after: list[ast.stmt], keyword: str) -> int:
        """The line of the ``else``/``finally`` between two bodies (ast does not record it)."""
        low = (before[-1].end_lineno or before[-1].lineno) + 1
        high = self.start(after[0])
        pattern = re.compile(rf"[ \t\f]*{keyword}[ \t\f]*:")
        for line in range(low, high + 1):
            if pattern.match(self.lines[line - 1]):
                return line
        raise FallBack(f"no {keyword} line")


def _code_only(text: str) -> str | None:
    """``text`` (whole statements) with strings emptied and comments removed, or
    None when it holds an f-string (code inside a string) or anything unusual."""
    parts = []
    last = 0
    for match in _STRING_TOKEN_RE.finditer(text):
        start = match.start()
        if match.group("string") is not None:
            prefix = match.group("prefix").lower()
            if (
                len(prefix) > 2
                or set(prefix) - {"r", "b", "u"}
                or (start > 0 and is_word_char(text[start - 1]))
            ):
                return None
            parts.append(text[last:start])
            parts.append('""')
        else:
            parts.append(text[last:start])
        last = match.end()
    parts.append(text[last:])
    return "".join(parts)


def _refined_kinds(code: str, aliases: re.Pattern[str] | None, consumers: set[str]) -> set[str]:
    kinds = {kind for m in KEYWORD_RE.finditer(code) if (kind := keyword_kind(code, m))}
    if aliases is not None:
        for match in aliases.finditer(code):
            kinds.add("consumer" if match.group(0) in consumers else "needed")
    return kinds


def _marks(text: str, count: int) -> tuple[list[int], list[int], list[int]]:
    """Prefix sums of marked lines: (needed, consumer, path strings); consumers read
    path values, path strings may hold a path literal."""
    needed = [0] * (count + 2)
    consumer = [0] * (count + 2)
    paths = [0] * (count + 2)
    line, last = 1, 0
    for match in KEYWORD_RE.finditer(text):
        kind = keyword_kind(text, match)
        if kind is None:
            continue
        start = match.start()
        line += text.count("\n", last, start)
        last = start
        for n in range(line, line + match.group(0).count("\n") + 1):
            needed[n] = 1
            if kind == "consumer":
                consumer[n] = 1
    line, last = 1, 0
    for match in _PATH_STRING_RE.finditer(text):
        body = match.group(1)
        if "\\" not in body and not _MAYBE_PATH_RE.match(body):
            continue
        start = match.start()
        line += text.count("\n", last, start)
        last = start
        for n in range(line, line + body.count("\n") + 1):
            paths[n] = 1
    line, last = 1, 0
    for match in _FSTRING_RE.finditer(text):
        start = match.start()
        prefix = text[start : match.start(1)]
        if "f" not in prefix.lower() or (start > 0 and is_word_char(text[start - 1])):
            continue
        line += text.count("\n", last, start)
        last = start
        if may_reuse_quotes(text, match.end(), match.group(1)):
            needed[line] = 1
    return list(accumulate(needed)), list(accumulate(consumer)), list(accumulate(paths))


def _word_alternation(names: set[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names)) + r")\b")


def _alias_marks(text: str, names: set[str], count: int) -> list[int]:
    marks = [0] * (count + 2)
    pattern = _word_alternation(names)
    line, last = 1, 0
    for match in pattern.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        marks[line] = 1
    return list(accumulate(marks))


class _Plan(NamedTuple):
    skeleton: list[str]  # the lines to give libcst
    line_map: list[int]  # the original number of each (0 for an added ``pass``)
    literals: list[tuple[int, str]]  # (line, value) of strings read without libcst
    starts: list[int]  # the skeleton line of each top-level statement
    imports: list[ImportFact]  # facts of the imports read without libcst


_STRING_TOKEN_RE = re.compile(
    r"""#[^\n]*|(?P<prefix>[A-Za-z]{0,3})(?P<string>'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''"""
    r'|"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""'
    r"""|'(?:[^'\\\n]|\\[\s\S])*'|"(?:[^"\\\n]|\\[\s\S])*")"""
)


def _string_literals(lines: list[str], a: int, b: int) -> list[tuple[int, str]] | None:
    """``(line, value)`` of the plain string literals in lines ``a..b`` (whole
    statements) that look like paths, in source order; None when an f-string or
    anything unusual means libcst must read them."""
    text = "\n".join(lines[a - 1 : b])
    found = []
    line, last = a, 0
    for match in _STRING_TOKEN_RE.finditer(text):
        token = match.group("string")
        if token is None:
            continue  # a comment
        prefix = match.group("prefix").lower()
        start = match.start()
        if (
            len(prefix) > 2
            or set(prefix) - {"r", "b", "u"}
            or (start > 0 and is_word_char(text[start - 1]))
        ):
            return None  # an f-string, or letters glued to a quote (``if"x"``)
        if "b" in prefix:
            continue
        line += text.count("\n", last, start)
        last = start
        quote = 3 if token[:3] in ("'''", '"""') else 1
        body = token[quote:-quote]
        if "\\" in body and "r" not in prefix:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    body = literal_eval(token)
            except Exception:
                return None
        if _MAYBE_PATH_RE.match(body) and looks_like_path(body):
            found.append((line, body.removeprefix("./")))
    return found


def plan(text: str) -> _Plan | None:
    """The skeleton to give libcst, or None when the file is not valid Python for
    this interpreter. Raises :class:`FallBack` when the plan cannot be made."""
    # The tree is thousands of short-lived objects: with the collector on, each
    # allocation burst triggers full collections that walk the caller's whole heap
    # (the walk's facts and graph), which made ``compile`` 4x slower inside a real
    # analysis than alone. Nothing here creates reference cycles.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():  # invalid escapes etc. are the user's business
            warnings.simplefilter("ignore")
            tree = compile(text, "<jobdeps>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    finally:
        if was_enabled:
            gc.enable()
    lines = text.split("\n")
    planner = _Planner(lines)
    try:
        units = planner.block(tree.body)  # type: ignore[attr-defined]
    except RecursionError:
        raise FallBack("too deeply nested") from None
    del tree  # keep the peak low: the skeleton's libcst tree comes next
    count = len(lines)
    needed, consumer, paths = _marks(text, count)
    extra_needed = extra_consumer = None
    if planner.consumer_aliases:
        extra_consumer = _alias_marks(text, planner.consumer_aliases, count)
    if planner.other_aliases:
        extra_needed = _alias_marks(text, planner.other_aliases, count)

    def marked(marks: list[int] | None, a: int, b: int) -> bool:
        return marks is not None and a <= b and marks[b] - marks[a - 1] > 0

    def is_consumer(a: int, b: int) -> bool:
        return marked(consumer, a, b) or marked(extra_consumer, a, b)

    aliases = planner.consumer_aliases | planner.other_aliases
    alias_re = _word_alternation(aliases) if aliases else None
    consumers: list[_Simple | _Clause] = [c for c in planner.headers if is_consumer(c.a, c.b)]
    for unit in planner.simples:
        if unit.needed:  # forced
            continue
        is_needed = marked(needed, unit.a, unit.b) or marked(extra_needed, unit.a, unit.b)
        reads = is_consumer(unit.a, unit.b)
        if (is_needed or reads) and unit.b > unit.a:
            # A marked multi-line statement is often a data table whose strings merely
            # mention ``import`` or ``sys.path``: look again at its code alone.
            code = _code_only("\n".join(lines[unit.a - 1 : unit.b]))
            if code is not None:
                kinds = _refined_kinds(code, alias_re, planner.consumer_aliases)
                is_needed, reads = "needed" in kinds, "consumer" in kinds
        unit.needed = is_needed or reads
        if reads:
            consumers.append(unit)
    # Names a kept sys.path edit or path expression may read.
    used: set[str] = set()
    for unit in consumers:
        used.update(_WORD_RE.findall("\n".join(lines[unit.a - 1 : unit.b])))
    if used:
        # Assignments to those names (binding or unbinding a path value), to a fixed point.
        changed = True
        while changed:
            changed = False
            for unit, names in planner.assigns:
                if not unit.needed and not names.isdisjoint(used):
                    unit.needed = changed = True
                    used.update(_WORD_RE.findall("\n".join(lines[unit.a - 1 : unit.b])))

    def header_marked(clause: _Clause) -> bool:
        return not clause.inert and (
            marked(paths, clause.a, clause.b)
            or marked(needed, clause.a, clause.b)
            or marked(extra_needed, clause.a, clause.b)
            or is_consumer(clause.a, clause.b)
        )

    marked_headers = {id(c) for c in planner.headers if header_marked(c)}
    memo: dict[int, bool] = {}  # wanted compounds; cleared whenever a ``needed`` changes

    def wanted(unit: _Simple | _Compound) -> bool:
        if isinstance(unit, _Simple):
            return unit.needed
        key = id(unit)
        found = memo.get(key)
        if found is None:
            found = memo[key] = (
                unit.forced
                or any(id(c) in marked_headers for c in unit.clauses)
                or any(wanted(u) for c in unit.clauses for u in c.body)
            )
        return found

    # Plain imports in a context reproduced here: their facts are made directly,
    # unless the skeleton reads a name they bind (checked below).
    directs = [u for u, _ in planner.directs] if DIRECT_IMPORTS else []
    for unit in directs:
        if unit.needed and not is_consumer(unit.a, unit.b):
            unit.needed, unit.direct = False, True

    # Statements that matter only for the path literals they may hold: read their
    # string tokens directly (data tables are big and cost libcst the most).
    found: dict[int, list[tuple[int, str]]] = {}
    for index, unit in enumerate(planner.simples):
        if not unit.needed and not unit.direct and marked(paths, unit.a, unit.b):
            strings = _string_literals(lines, unit.a, unit.b)
            if strings is None:
                unit.needed = True
            else:
                found[index] = strings

    literals = [
        item
        for index, strings in found.items()
        if not planner.simples[index].needed
        for item in strings
    ]

    out: list[str] = []
    line_map: list[int] = []
    starts: list[int] = []  # the skeleton line where each top-level statement starts

    def emit(units: list, top: bool = False) -> None:
        for unit in units:
            if not wanted(unit):
                continue
            if top:
                starts.append(len(out) + 1)
            if isinstance(unit, _Simple):
                out.extend(lines[unit.a - 1 : unit.b])
                line_map.extend(range(unit.a, unit.b + 1))
                continue
            for clause in unit.clauses:
                out.extend(lines[clause.a - 1 : clause.b])
                line_map.extend(range(clause.a, clause.b + 1))
                size = len(out)
                emit(clause.body)
                if len(out) == size:
                    out.append(clause.indent + "pass")
                    line_map.append(0)

    while True:
        memo.clear()
        # A kept try keeps the simple statements its handlers run (``raise``, ``sys.exit()``).
        for compound, handlers in planner.handlers:
            if wanted(compound):
                for clause in handlers:
                    for unit in clause.body:
                        if isinstance(unit, _Simple) and not unit.direct:
                            unit.needed = True
        memo.clear()
        out.clear()
        line_map.clear()
        starts.clear()
        emit(units, top=True)
        pending = [u for u in directs if u.direct]
        if not pending or not out:
            break
        # The collector resolves names through the aliases imports bind: an import
        # binding a name the skeleton mentions must be read there, in order.
        words = set(_WORD_RE.findall("\n".join(out)))
        changed = False
        for unit in pending:
            if not words.isdisjoint(_bound_names(unit.imports)):  # type: ignore[arg-type]
                unit.direct, unit.needed, changed = False, True, True
        if not changed:
            break
    imports = _direct_facts(lines, planner.directs) if directs else []
    return _Plan(out, line_map, literals, starts, imports)


def _bound_names(statements: list[ast.Import | ast.ImportFrom]) -> set[str]:
    """The names these imports add to the collector's ``aliases``."""
    names = set()
    for stmt in statements:
        if isinstance(stmt, ast.Import):
            names.update(a.asname or a.name.split(".")[0] for a in stmt.names)
        elif stmt.level == 0 and stmt.module:
            names.update(a.asname or a.name for a in stmt.names)
    return names


def _direct_facts(lines: list[str], directs: list[tuple[_Simple, _Ctx]]) -> list[ImportFact]:
    """The collector's facts for the imports made directly, in source order."""
    facts = []
    for unit, ctx in sorted(directs, key=lambda d: d[0].a):
        if not unit.direct:
            continue
        flags = {
            "optional": ctx.optional,
            "type_checking": ctx.type_checking,
            "lazy": ctx.lazy,
            "main_only": ctx.main_only,
        }
        for stmt in unit.imports or ():
            line = stmt.lineno
            text = lines[line - 1]
            col = stmt.col_offset  # in UTF-8 bytes; libcst counts characters
            if not text.isascii():
                col = len(text.encode("utf-8", "surrogatepass")[:col].decode("utf-8", "replace"))
            if isinstance(stmt, ast.Import):
                facts.extend(ImportFact("import", a.name, line, col, **flags) for a in stmt.names)
            else:
                names = tuple(a.name for a in stmt.names)
                facts.append(
                    ImportFact(
                        "from", stmt.module or "", line, col, level=stmt.level, names=names, **flags
                    )
                )
    return facts


def fast_facts(text: str) -> FileFacts:
    """The same facts as :func:`~jobdeps.analyzer.extract.extract_facts`, faster."""
    if "\r" in text and "\r" in text.replace("\r\n", ""):
        # A lone "\r" ends a line for Python; the plan splits lines on "\n" only.
        from jobdeps.analyzer.extract import extract_facts

        return extract_facts(text)
    if SCANNER:
        from jobdeps.analyzer.scanner import scan_facts

        scanned = scan_facts(text)
        if scanned is not None:
            return scanned
    try:
        planned = plan(text)
    except (FallBack, RecursionError):
        planned = None
    if planned is None:
        from jobdeps.analyzer.extract import extract_facts

        return extract_facts(text)
    suppressions = find_suppressions(text)
    literals = tuple(PathLiteral(line, value) for line, value in planned.literals)
    if not planned.skeleton:
        return FileFacts(
            imports=tuple(planned.imports), path_literals=literals, suppressions=suppressions
        )
    from jobdeps.analyzer.skeleton import collect_skeleton

    try:
        facts = collect_skeleton(
            "\n".join(planned.skeleton) + "\n", planned.line_map, planned.starts
        )
    except RecursionError:  # deeper than libcst's visitors go: the reference says so
        facts = None
    if facts is None:  # libcst rejects what the interpreter accepted: let it say why
        from jobdeps.analyzer.extract import extract_facts

        return extract_facts(text)
    # Skeleton and token literals come from disjoint lines, each in source order:
    # a stable sort by line interleaves them as one walk would.
    literals = tuple(sorted((*facts.path_literals, *literals), key=lambda p: p.line))
    # Direct imports own their lines: a stable sort by line interleaves them too.
    imports = facts.imports
    if planned.imports:
        imports = tuple(sorted((*facts.imports, *planned.imports), key=lambda i: i.line))
    return FileFacts(
        imports=imports,
        syspath=facts.syspath,
        path_literals=literals,
        features=facts.features,
        main_guard_line=facts.main_guard_line,
        suppressions=suppressions,
    )
