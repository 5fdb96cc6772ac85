"""The scanner tier of the fast path: facts with no syntax tree, where that is exact.

Most files say nothing to the collector but plain ``import``/``from``
statements (under ``def``, ``try``, ``if TYPE_CHECKING`` and the like) and a
few string literals. For those, :func:`scan_facts` gives the reference's facts
without building any tree:

1. one regular expression finds the comments and string tokens (pre-3.12
   lexing; an f-string that may reuse its quotes, or has code with quotes or
   import words in a replacement field, sends the file on). Strings are
   blanked, comments dropped: what is left is the code;
2. the keyword marks of :mod:`jobdeps.analyzer.marks` run over the code
   alone, so ``import`` in a docstring is never a phantom import. Calls of
   ``importlib.import_module`` and ``__import__`` in simple statements are
   parsed alone with :func:`ast.parse` (their arguments make the dynamic
   import), and so are ``exec`` calls (no fact unless a call makes the code,
   as in ``exec(open("x.py").read())``, which goes on); any other mark the
   collector turns into something else than a plain import (``sys.path``, an
   aliased ``importlib``, ``runpy``, ``Path / "x"``...) sends the file on;
3. logical lines come from the code: continuation lines are those inside a
   multi-line string, after a backslash, or inside brackets left open on a
   line (same-line bracket pairs are removed by repeated substitution, so
   only the few that span lines are walked in Python);
4. an import's enclosing blocks are the nearest logical lines above it with
   less indentation (headers, in valid Python), found by a regex; a clause's
   siblings (``elif``, ``except``...) are the lines next to it at the same
   indentation. Headers that decide a context flag (an ``if`` test, an
   ``except`` clause, the body of a handler) are parsed on their own with
   :func:`ast.parse`, a few lines each, and judged by the same functions as
   the fast path's planner (:mod:`jobdeps.analyzer.marks`). A version or
   platform guard (``if sys.version_info >= (3, 11):``) keeps its test's text,
   from after ``if`` to the colon, as libcst's node holds it (the collector
   writes it into ``condition``); one that reads a name through an alias
   (``import sys as _s``) goes on;
5. path literals are read from the string tokens, as ``fastpath`` does for
   the statements it does not give to libcst; a header that ``match`` starts
   is parsed alone, and if it is a match statement, reported as the feature
   the collector reports;
6. last, ``_symtable.symtable`` checks that the whole file is valid Python for
   this interpreter: it runs the interpreter's parser without making Python
   objects of the tree (about half the cost of :func:`ast.parse`). A file it
   rejects goes on too, so syntax errors are reported exactly as before.

Steps 1 to 3 read the code's text alone: :mod:`jobdeps.analyzer.codetext`.

"Goes on" means :func:`scan_facts` returns None and the caller takes the
statement-tree plan (:func:`jobdeps.analyzer.fastpath.plan`). Every rule here
is a superset test: when in doubt, go on. ``tests/test_fastpath.py`` compares
the result with the libcst reference on thousands of real files.
"""

from __future__ import annotations

import ast
import functools
import gc
import re
import warnings
from typing import Any, NamedTuple

from jobdeps.analyzer.codetext import (
    NotSure,
    code_of,
    continuations,
    marks_of,
    starts_line,
    unfollowed,
)
from jobdeps.analyzer.conditions import dotted_name
from jobdeps.analyzer.facts import (
    FileFacts,
    ImportFact,
    PathLiteral,
    SyntaxFeature,
    find_suppressions,
)
from jobdeps.analyzer.launchers import OS_LAUNCHERS
from jobdeps.analyzer.marks import (
    CONDITION_HEADS,
    CONDITION_LIMIT,
    CONDITION_NAMES,
    EXITS,
    catches_import_error,
    guard_kind,
)

try:  # the interpreter's parser and symbol table, without Python objects for the tree
    from _symtable import symtable as _check_syntax
except ImportError:  # pragma: no cover - not CPython
    _check_syntax = None

_SHALLOWER: dict[int, re.Pattern[str]] = {}  # width -> a line start indented less
_FAR = 1 << 30  # the level of a line that is blank or continues another
# The first word of a logical line that matters here.
_LEAD_RE = re.compile(
    r"(?:async[ \t]+)?(if|elif|else|try|except|finally|for|while|with|def|class"
    r"|import|from|match|case)(?![\w])"
)
_IMPORT_WORD_RES = (re.compile(r"import(?![\w])"), re.compile(r"from(?![\w])"))
# A line that ``match`` starts: a match statement when its logical line is a header.
_MATCH_RE = re.compile(r"^[ \t]*match(?![\w])", re.MULTILINE)
_NAME = r"[^\W\d]\w*"
_DOTTED = rf"{_NAME}(?:\s*\.\s*{_NAME})*"
_IMPORT_ALIAS_RE = re.compile(rf"\s*({_DOTTED})(?:\s+as\s+({_NAME}))?\s*")
_FROM_NAME_RE = re.compile(rf"\s*({_NAME})(?:\s+as\s+({_NAME}))?\s*")
_IMPORT_RE = re.compile(r"import\s+(.+)", re.DOTALL)
_FROM_RE = re.compile(rf"from((?:\s*\.)*)\s*({_DOTTED})?\s*import(?![\w])\s*(.+)", re.DOTALL)
# ``import a.b`` or ``from .a import b`` (no alias, one name); what the general
# expressions below would read the same way. Invalid names (``import 1.``) fail the
# syntax check later.
_SIMPLE_IMPORT_RE = re.compile(r"import ([\w.]+)|from ([.\w]+) import (\w+)")
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")
_MAIN_WORD = "__name__"
_IMPORT_MODULE = "importlib.import_module"


class _Clause(NamedTuple):
    """One clause of a compound statement: lines ``a..b``, its keyword, its indentation."""

    a: int
    b: int
    kind: str
    width: int
    header: bool  # its body is on the lines below (not ``if x: y``)


def _logical_text(lines: list[str], a: int, b: int) -> str:
    """Lines ``a..b`` as one statement for :func:`ast.parse` (first line dedented)."""
    return "\n".join([lines[a - 1].lstrip(" \t"), *lines[a:b]])


def _test_text(source: str, test: ast.expr) -> str:
    """The source of an ``if`` header's test as libcst's node holds it: from after
    ``if`` to the colon, the test's own brackets and comments included (``ast``
    leaves the brackets out of its positions). ``source`` starts with ``if``."""
    data = source.encode("utf-8")  # ast positions are UTF-8 byte offsets
    starts = [0]
    for line in data.split(b"\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    end = starts[test.end_lineno - 1] + test.end_col_offset  # type: ignore[operator]
    size = len(data)
    while end < size:  # closing brackets, blanks and comments, up to the colon
        char = data[end : end + 1]
        if char in (b" ", b"\t", b"\n", b")"):
            end += 1
        elif char == b"#":
            newline = data.find(b"\n", end)
            end = size if newline < 0 else newline
        else:
            break
    if data[end : end + 1] != b":":
        raise NotSure("an if header ast cannot place")
    text = data[2:end].decode("utf-8")
    if "\\\n" in text:
        raise NotSure("a continuation line in an if test")
    return text


def _calls_in(tree: ast.Module, bare: bool) -> list[ast.Call]:
    """The ``importlib.import_module(...)``, ``__import__(...)`` and ``exec(...)``
    calls of a statement (with ``bare``, ``import_module(...)`` too), in the
    collector's order (by where they start: outer calls first)."""
    names = ("__import__", "exec", "import_module") if bare else ("__import__", "exec")
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id in names) or (
                isinstance(func, ast.Attribute)
                and func.attr == "import_module"
                and isinstance(func.value, ast.Name)
                and func.value.id == "importlib"
            ):
                calls.append(node)
    calls.sort(key=lambda call: (call.lineno, call.col_offset))
    return calls


def _string_value(node: ast.expr | None) -> str | None:
    """``pathexpr.string_value`` on ``ast``: a plain (not f-, not bytes) string literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _positional(call: ast.Call) -> list[ast.expr]:
    """The arguments the collector reads by position (``*args`` left out)."""
    return [arg for arg in call.args if not isinstance(arg, ast.Starred)]


def _dynamic_fact(call: ast.Call, line: int, col: int) -> ImportFact:
    """``_Collector._dynamic_import`` of one call (no context flags yet)."""
    args = _positional(call)
    text = _string_value(args[0]) if args else None
    if text is None:
        return ImportFact("dynamic", "", line, col, dynamic=True)
    package: str | None = None
    if not (isinstance(call.func, ast.Name) and call.func.id == "__import__"):
        pkg_arg = next((kw.value for kw in call.keywords if kw.arg == "package"), None)
        if pkg_arg is None and len(args) > 1:
            pkg_arg = args[1]
        if isinstance(pkg_arg, ast.Name) and pkg_arg.id in ("__package__", "__name__"):
            package = pkg_arg.id
        elif pkg_arg is not None:
            package = _string_value(pkg_arg)
    names: tuple[str, ...] = ()
    if isinstance(call.func, ast.Name) and call.func.id == "__import__":
        fromlist = next((kw.value for kw in call.keywords if kw.arg == "fromlist"), None)
        if fromlist is None and len(args) > 3:
            fromlist = args[3]
        names = _fromlist_names(fromlist)
    level = len(text) - len(text.lstrip("."))
    return ImportFact("dynamic", text[level:], line, col, level=level, names=names, package=package)


def _fromlist_names(node: ast.expr | None) -> tuple[str, ...]:
    """``extract._fromlist_names``: a literal list or tuple of strings, else ()."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return ()
    names = []
    for element in node.elts:
        value = None if isinstance(element, ast.Starred) else _string_value(element)
        if value is None:
            return ()
        names.append(value)
    return tuple(names)


#: Snippets parsed so far (None: ast cannot read it alone), for :func:`_parse_one`.
_PARSED: dict[str, ast.Module | None] = {}
#: Snippets kept at most (then the memo starts again), and the longest one kept.
_PARSED_MAX, _PARSED_MAX_CHARS = 4096, 1024


def _parse_one(source: str) -> ast.Module:
    """``ast.parse`` of a few lines (a clause, a statement), memoised by their text.

    The same snippets come back file after file (``except ImportError:``, ``if
    TYPE_CHECKING:``, ``if sys.version_info >= ...``, ``x = None``): parsing one is
    tens of microseconds with the warnings silenced. Callers only read the trees.
    """
    try:
        tree = _PARSED[source]
    except KeyError:
        tree = _parse_fresh(source)
        if len(source) <= _PARSED_MAX_CHARS:
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[source] = tree
    if tree is None:
        raise NotSure("a header ast cannot read alone")
    return tree


def _parse_fresh(source: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class _Scan:
    """The file's structure, worked out only around the imports.

    No pass over every line: an import's enclosing blocks are the nearest
    headers (logical lines ending with ``:``) above it with less indentation,
    and a clause's siblings (``elif``, ``except``...) are found by walking the
    lines next to it at the same indentation.
    """

    def __init__(self, text: str, code: str, cont: bytearray, hits: dict[int, str]) -> None:
        self.lines = text.split("\n")
        self.code = code
        self.code_lines = code.split("\n")
        self.cont = cont
        self.hits = hits
        self.bindings: dict[str, set[str]] = {}  # local name -> what imports bind it to
        self.bound_at: dict[str, int] = {}  # local name -> the line of its first binding
        self.covered: set[int] = set()  # the lines of import statements
        self.parents: dict[tuple[int, int], tuple[int, int]] = {}  # (line, width) -> header
        self.offsets: dict[int, int] = {}  # line -> where it starts in the code
        self.optional: dict[int, bool] = {}  # try line -> is its body optional (memo)
        self.if_kinds: dict[int, tuple[str | None, bool]] = {}  # if line -> its kind (memo)
        self.conditions: dict[int, str] = {}  # line of a version/platform guard -> its text

    # -- lines -------------------------------------------------------------------
    def start(self, n: int) -> int:
        while self.cont[n]:
            n -= 1
        return n

    def end(self, a: int) -> int:
        b = a
        while self.cont[b + 1]:
            b += 1
        return b

    def width(self, a: int) -> int:
        """The indentation of line ``a`` (tabs to multiples of 8, as the tokenizer does)."""
        text = self.code_lines[a - 1]
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        return len(indent.expandtabs(8)) if "\t" in indent else len(indent)

    def clause(self, a: int) -> _Clause:
        stripped = self.code_lines[a - 1].lstrip(" \t")
        lead = _LEAD_RE.match(stripped)
        b = self.end(a)
        header = self.code_lines[b - 1].rstrip().endswith(":")
        return _Clause(a, b, lead.group(1) if lead else "", self.width(a), header)

    def statement(self, a: int, b: int) -> str:
        """The code of lines ``a..b`` as one line (strings blanked, no comments)."""
        if a == b:
            return self.code_lines[a - 1].strip()
        pieces = []
        for text in self.code_lines[a - 1 : b]:
            text = text.rstrip()
            pieces.append(text[:-1] if text.endswith("\\") else text)
        return " ".join(pieces).strip()

    def level(self, n: int) -> int:
        """The indentation of line ``n``; :data:`_FAR` for a blank line or a continuation."""
        if self.cont[n] or not self.code_lines[n - 1].strip(" \t"):
            return _FAR
        return self.width(n)

    def siblings(self, a: int, width: int, step: int) -> Any:
        """Logical lines at ``width`` next to line ``a`` (``step`` -1: above, 1: below),
        up to the first line indented less."""
        count = len(self.code_lines)
        n = a + step
        while 1 <= n <= count:
            here = self.level(n)
            if here < width:
                return
            if here == width:
                yield n
            n += step

    # -- structure ---------------------------------------------------------------
    def enclosing(self, a: int, width: int) -> list[_Clause]:
        """The clauses whose bodies hold line ``a`` (at ``width``), outermost first."""
        chain: list[_Clause] = []
        while width:
            a, width = self.parent(a, width)
            chain.append(self.clause(a))
        chain.reverse()
        return chain

    def parent(self, a: int, width: int) -> tuple[int, int]:
        """The header of the block that holds line ``a`` (at ``width``): the nearest
        logical line above with less indentation (a header, in valid Python)."""
        key = (a, width)
        found = self.parents.get(key)
        if found is None:
            line = self.shallower_above(a, width)
            if line is None or not self.code_lines[self.end(line) - 1].rstrip().endswith(":"):
                raise NotSure("an indented line with no header")
            self.parents[key] = found = (line, self.level(line))
        return found

    def shallower_above(self, a: int, width: int) -> int | None:
        """The nearest line above ``a`` that starts a logical line indented less than ``width``.

        Found by a regex over windows of the code that grow fourfold as they go up, so a
        lazy import deep in a long function costs C speed, not a Python loop per line.
        """
        code = self.code
        if "\t" in code:  # widths are not character counts: walk line by line
            for n in range(a - 1, 0, -1):
                if self.level(n) < width:
                    return n
            return None
        pattern = _SHALLOWER.get(width)
        if pattern is None:  # a newline first: the regex engine skips ahead to each one
            pattern = _SHALLOWER[width] = re.compile(rf"\n[ \t]{{0,{width - 1}}}(?=[^ \t\n])")
        end = self.offset(a) - 1  # the newline before line ``a``
        line_at_end = a
        window = 1024
        while end > 0:
            begin = max(0, end - window)
            starts = [m.start() for m in pattern.finditer(code, begin, end)]
            for start in reversed(starts):
                line = line_at_end - code.count("\n", start, end)  # the line after ``start``
                end, line_at_end = start, line
                if not self.cont[line]:
                    self.offsets[line] = start + 1
                    return line
            if begin == 0:
                break
            line_at_end -= code.count("\n", begin, end)
            end = begin
            window *= 4
        # line 1 has no newline before it
        return 1 if line_at_end > 1 and self.level(1) < width else None

    def offset(self, line: int) -> int:
        """Where line ``line`` starts in the code (known for the lines found so far)."""
        found = self.offsets.get(line)
        if found is None:
            found = 0
            for _ in range(line - 1):
                found = self.code.index("\n", found) + 1
            self.offsets[line] = found
        return found

    # -- imports -----------------------------------------------------------------
    def imports(self) -> list[tuple[list[ImportFact], int, int]]:
        """Each import statement's facts (no flags yet), with its line and indentation."""
        found = []
        covered = self.covered
        line, last = 1, 0
        code = self.code
        starts = sorted(
            match.start()
            for pattern in _IMPORT_WORD_RES
            for match in pattern.finditer(code)
            if starts_line(code, match.start())
        )
        for start in starts:
            line += code.count("\n", last, start)
            last = start
            if self.cont[line]:
                continue
            self.offsets[line] = code.rfind("\n", 0, start) + 1
            b = self.end(line)
            statement = self.statement(line, b)
            if ";" in statement:
                raise NotSure("an import sharing its line")
            text = self.code_lines[line - 1]
            col = len(text) - len(text.lstrip(" \t"))
            found.append((self.parse_import(statement, line, col), line, self.width(line)))
            covered.update(range(line, b + 1))
        for hit, what in self.hits.items():
            if what == "import" and hit not in covered:
                raise NotSure("the import keyword outside an import statement")
        return found

    def bind(self, local: str, full: str, line: int) -> None:
        self.bindings.setdefault(local, set()).add(full)
        self.bound_at.setdefault(local, line)

    def parse_import(self, statement: str, line: int, col: int) -> list[ImportFact]:
        simple = _SIMPLE_IMPORT_RE.fullmatch(statement)
        if simple is not None:  # most statements: one name, no alias, no brackets
            imported, source, name = simple.groups()
            if imported is not None:
                head = imported.split(".")[0]
                self.bind(head, head, line)
                return [ImportFact("import", imported, line, col)]
            level = len(source) - len(source.lstrip("."))
            module = source[level:]
            if level == 0:
                self.bind(name, f"{module}.{name}", line)
            return [ImportFact("from", module, line, col, level=level, names=(name,))]
        if statement.startswith("import"):
            match = _IMPORT_RE.fullmatch(statement)
            if match is None:
                raise NotSure("an import statement")
            facts = []
            for part in match.group(1).split(","):
                alias = _IMPORT_ALIAS_RE.fullmatch(part)
                if alias is None:
                    raise NotSure("an import statement")
                module = alias.group(1)
                if " " in module or "\t" in module:
                    module = _SPACE_RE.sub("", module)
                if alias.group(2):
                    self.bind(alias.group(2), module, line)
                else:
                    head = module.split(".")[0]
                    self.bind(head, head, line)
                facts.append(ImportFact("import", module, line, col))
            return facts
        match = _FROM_RE.fullmatch(statement)
        if match is None:
            raise NotSure("a from-import statement")
        level = match.group(1).count(".")
        module = _SPACE_RE.sub("", match.group(2) or "")
        rest = match.group(3).strip()
        if rest.startswith("("):
            if not rest.endswith(")"):
                raise NotSure("a from-import statement")
            rest = rest[1:-1].strip()
        rest = rest.removesuffix(",")
        if rest == "*":
            names: tuple[str, ...] = ("*",)
        else:
            found = []
            for part in rest.split(","):
                alias = _FROM_NAME_RE.fullmatch(part)
                if alias is None:
                    raise NotSure("a from-import statement")
                found.append(alias.group(1))
                if level == 0 and module:
                    self.bind(alias.group(2) or alias.group(1), f"{module}.{alias.group(1)}", line)
            names = tuple(found)
        return [ImportFact("from", module, line, col, level=level, names=names)]

    def check_bindings(self, module_calls: list[tuple[str, bool, int]]) -> list[int]:
        """Calls the collector would see through a name an import binds, with no mark;
        and the offsets of the ``importlib.import_module(...)`` and ``__import__(...)``
        words this scanner reads itself (:meth:`dynamic_imports`)."""
        for local, fulls in self.bindings.items():
            for full in fulls:
                if full == local:
                    continue
                head = full.split(".")[0]
                if head == "sys" and (full == "sys" or full.startswith("sys.path")):
                    raise NotSure(f"{local} stands for {full}")
                if full.startswith("site.addsitedir") and "addsitedir" not in local:
                    raise NotSure(f"{local} stands for {full}")
                if full == "importlib.import_module" and (
                    local != "import_module" or len(fulls) > 1
                ):
                    raise NotSure(f"{local} stands for {full}")
                if head == "runpy" and full != "runpy" and "run_" not in local:
                    raise NotSure(f"{local} stands for {full}")
                if head == "os" and full.partition(".")[2] in OS_LAUNCHERS:
                    raise NotSure(f"{local} stands for {full}")  # ``sh(...)``: no mark
                if full == "os" and _os_alias_call(local).search(self.code):
                    raise NotSure(f"{local} stands for os")  # ``o.system(...)``: no mark
        calls = []
        for head, attribute, offset in module_calls:
            if head == "exec":
                if self.bindings.get(head):
                    raise NotSure(f"exec stands for {self.bindings[head]}")
                calls.append(offset)
            elif head == "__import__":
                if attribute:
                    continue  # ``builtins.__import__``: not the collector's ``__import__``
                if self.bindings.get(head):
                    raise NotSure(f"__import__ stands for {self.bindings[head]}")
                calls.append(offset)
            elif attribute and head == "importlib" and self.bindings.get(head, {head}) == {head}:
                calls.append(offset)
            elif not attribute and self.bindings.get("import_module") == {_IMPORT_MODULE}:
                # ``from importlib import import_module``: the collector reads the calls
                # after that line (its aliases follow the file's order, not its scopes)
                line = self.code.count("\n", 0, offset) + 1
                if line in self.covered:
                    continue  # the word in the import statement itself
                if line <= self.bound_at["import_module"]:
                    raise NotSure("import_module before it is imported")
                calls.append(offset)
            elif attribute and (
                head == "importlib"
                or any(full.startswith("importlib") for full in self.bindings.get(head, ()))
            ):
                raise NotSure("importlib.import_module")
        return calls

    def dynamic_imports(self, offsets: list[int]) -> list[tuple[ImportFact, int, int]]:
        """``_Collector._dynamic_import`` of the calls at ``offsets``, each with the
        line and indentation of its statement (for the context flags); ``exec`` calls
        give no fact (or NotSure when they may run a file). The statement is parsed
        alone; only simple statements with no ``lambda`` (whose body the collector
        counts as lazy) are read here."""
        facts: list[tuple[ImportFact, int, int]] = []
        lines: set[int] = set()
        for offset in offsets:
            lines.add(self.start(self.code.count("\n", 0, offset) + 1))
        bare = self.bindings.get("import_module") == {_IMPORT_MODULE}
        for a in sorted(lines):
            b = self.end(a)
            statement = self.statement(a, b)
            lead = _LEAD_RE.match(statement)
            if (
                statement.endswith(":")
                or statement.startswith("@")
                or ";" in statement
                or (lead is not None and lead.group(1) not in ("import", "from"))
                or "lambda" in _WORD_RE.findall(statement)
            ):
                raise NotSure("a dynamic import in a compound statement")
            first = self.lines[a - 1]
            indent = len(first) - len(first.lstrip(" \t"))
            width = self.width(a)
            for call in _calls_in(_parse_one(_logical_text(self.lines, a, b)), bare):
                if isinstance(call.func, ast.Name) and call.func.id == "exec":
                    # ``_exec_file``: a file runs only when the code is made by a call
                    # (``open(...).read()``, ``compile(...)``): the plan reads those
                    args = _positional(call)
                    if args and isinstance(args[0], ast.Call):
                        raise NotSure("exec of code a call makes")
                    continue
                line = a + call.lineno - 1
                # ast columns are UTF-8 offsets into the parsed text, whose first line
                # was dedented; the collector's are characters into the file's line
                skip = indent if call.lineno == 1 else 0
                head = self.lines[line - 1][skip:].encode("utf-8")[: call.col_offset]
                col = skip + len(head.decode("utf-8"))
                facts.append((_dynamic_fact(call, line, col), a, width))
        return facts

    def match_statements(self) -> list[int]:
        """The lines of the ``match`` statements (``_Collector.visit_Match``'s feature);
        ``match`` may also be a plain name (``match = re.match(...)``)."""
        found = []
        for hit in _MATCH_RE.finditer(self.code):
            n = self.code.count("\n", 0, hit.start()) + 1
            if self.cont[n] or not self.clause(n).header:
                continue  # inside brackets, or a simple statement
            source = _logical_text(self.lines, n, self.end(n)) + "\n case _:\n  pass"
            body = _parse_one(source).body
            if len(body) != 1 or not isinstance(body[0], ast.Match):
                raise NotSure("a header that starts with match")
            found.append(n)
        return found

    # -- contexts ----------------------------------------------------------------
    def main_guard(self) -> int | None:
        """``_Collector.main_guard_line``: the first module-level ``if`` on ``__name__``."""
        for hit in sorted(self.hits):
            if self.hits[hit] != "test":
                continue
            a = self.start(hit)
            if self.width(a) == 0:
                clause = self.clause(a)
                if clause.kind == "if" and self.if_kind(clause)[0] == "main":
                    return a
        return None

    def if_kind(self, clause: _Clause) -> tuple[str | None, bool]:
        """``_Collector._condition_kind`` of an ``if``/``elif`` clause, or NotSure."""
        found = self.if_kinds.get(clause.a)
        if found is None:
            found = self.if_kinds[clause.a] = self._if_kind(clause)
        return found

    def _if_kind(self, clause: _Clause) -> tuple[str | None, bool]:
        source = _logical_text(self.lines, clause.a, clause.b)
        if clause.kind == "elif":
            source = source[2:]  # "elif" -> "if"
        if clause.header:
            source += "\n pass"
        tree = _parse_one(source)
        stmt = tree.body[0] if tree.body else None
        if not isinstance(stmt, ast.If):
            raise NotSure("an if clause")
        kind, negated = guard_kind(stmt.test)
        if kind is not None:
            return kind, negated
        sensitive = set(CONDITION_HEADS)
        for local, fulls in self.bindings.items():
            if any(full.split(".")[0] in CONDITION_HEADS for full in fulls):
                sensitive.add(local)
        # words of the source, strings included: the collector reads the names in an
        # f-string's fields too (``if f"{sys.platform}" == ...``)
        if sensitive.isdisjoint(_WORD_RE.findall(source)):
            return None, False
        return self._guard(clause, source, stmt.test)

    def _guard(self, clause: _Clause, source: str, test: ast.expr) -> tuple[str | None, bool]:
        """``_Collector._condition_kind`` of a test that names sys, os or platform: a
        version/platform guard when it reads one of the collector's condition names.
        The guard's text (the collector's ``_condition_text``) is kept for :meth:`flags`."""
        if not clause.header:
            raise NotSure("a one-line if on sys, os or platform")
        text = _test_text(source, test)
        # The collector reads names through the file's imports and spells aliases out:
        # a name of the test that an import binds to anything but itself is its to read.
        for word in set(_WORD_RE.findall(text)):
            for full in self.bindings.get(word, ()):
                if full != word and (
                    word in CONDITION_HEADS or full.split(".")[0] in CONDITION_HEADS
                ):
                    raise NotSure(f"{word} stands for {full}")
        names = {
            dotted_name(node)
            for node in ast.walk(test)
            if isinstance(node, (ast.Name, ast.Attribute))
        }
        if names.isdisjoint(CONDITION_NAMES):
            return None, False
        text = " ".join(text.split())
        if len(text) > CONDITION_LIMIT:
            text = text[: CONDITION_LIMIT - 3] + "..."
        self.conditions[clause.a] = text
        return "conditional", False

    def chain(self, clause: _Clause, first: tuple[str, ...]) -> list[_Clause]:
        """The clauses of ``clause``'s compound up to it, back to one of ``first``."""
        clauses = [clause]
        for n in self.siblings(clause.a, clause.width, -1):
            other = self.clause(n)
            clauses.append(other)
            if other.kind in first:
                break
            if other.kind not in ("elif", "else", "except"):
                raise NotSure("a clause without its statement")
        else:
            raise NotSure("a clause without its statement")
        clauses.reverse()
        return clauses

    def try_optional(self, clause: _Clause) -> bool:
        """Is the body of this ``try`` optional: does a handler of ImportError carry on?"""
        found = self.optional.get(clause.a)
        if found is None:
            found = False
            for n in self.siblings(clause.b, clause.width, 1):
                other = self.clause(n)
                if other.kind not in ("except", "else", "finally"):
                    break
                if other.kind == "except" and self.catches(other) and not self.gives_up(other):
                    found = True
                    break
            self.optional[clause.a] = found
        return found

    def catches(self, clause: _Clause) -> bool:
        source = "try:\n pass\n" + _logical_text(self.lines, clause.a, clause.b)
        if clause.header:
            source += "\n pass"
        stmt = _parse_one(source).body[0]
        if not isinstance(stmt, ast.Try) or not stmt.handlers:
            raise NotSure("an except clause")
        return catches_import_error(stmt.handlers[0].type)

    def gives_up(self, clause: _Clause) -> bool:
        """``_Collector._gives_up``: its body runs ``raise`` or an exit on a line of its own."""
        if not clause.header:
            return False  # ``except E: raise`` is a suite: the collector does not look
        count = len(self.code_lines)
        body = clause.b + 1
        while body <= count and self.level(body) == _FAR:
            body += 1
        if body > count or self.level(body) <= clause.width:
            raise NotSure("a handler with no body")
        for a in [body, *self.siblings(body, self.width(body), 1)]:
            stripped = self.code_lines[a - 1].lstrip(" \t")
            lead = _LEAD_RE.match(stripped)
            if stripped.startswith("@") or (
                lead is not None and lead.group(1) not in ("import", "from")
            ):
                continue  # compound statements: not read
            for small in _parse_one(_logical_text(self.lines, a, self.end(a))).body:
                if isinstance(small, ast.Raise):
                    return True
                if (
                    isinstance(small, ast.Expr)
                    and isinstance(small.value, ast.Call)
                    and self.exits(small.value.func)
                ):
                    return True
        return False

    def exits(self, func: ast.expr) -> bool:
        dotted = dotted_name(func)
        if dotted is None:
            return False
        head, dot, rest = dotted.partition(".")
        names = {dotted} | {full + dot + rest for full in self.bindings.get(head, ())}
        hits = [name in EXITS for name in names]
        if all(hits):
            return True
        if any(hits):
            raise NotSure(f"{head} may stand for an exit")
        return False

    def with_clause(self, clause: _Clause) -> None:
        if "suppress" in self.statement(clause.a, clause.b) or any(
            any(full.split(".")[0] == "contextlib" for full in fulls)
            for fulls in self.bindings.values()
        ):
            raise NotSure("a with statement that may suppress ImportError")

    def flags(self, clauses: list[_Clause]) -> dict[str, Any]:
        optional = type_checking = lazy = main_only = False
        conditions: list[str] = []
        for clause in clauses:
            kind = clause.kind
            if kind == "def":
                lazy = True
            elif kind == "with":
                self.with_clause(clause)
            elif kind == "try":
                optional = optional or self.try_optional(clause)
            elif kind in ("if", "elif", "else"):
                chain = (
                    [clause] if kind == "if" else self.chain(clause, ("if", "try", "for", "while"))
                )
                if chain[0].kind != "if":
                    continue  # the ``else`` of a try or a loop
                applied: set[str] = set()
                body: set[str] = set()
                for index, other in enumerate(chain):
                    if other.kind == "else":
                        body = applied
                        continue
                    found, negated = self.if_kind(other)
                    body = applied | ({found} if found and not negated else set())
                    if negated and found:
                        applied = applied | {found}
                    if found == "conditional":
                        # the import is in this clause's body, or in the else of an
                        # earlier one (an ``elif`` is an ``if`` in its ``else``)
                        text = self.conditions[other.a]
                        last = index == len(chain) - 1
                        conditions.append(f"({text})" if last else f"not ({text})")
                type_checking = type_checking or "type_checking" in body
                main_only = main_only or "main" in body
        flags: dict[str, Any] = {
            "optional": optional,
            "type_checking": type_checking,
            "lazy": lazy,
            "main_only": main_only,
        }
        if conditions:
            flags["conditional"] = True
            flags["condition"] = " and ".join(conditions)
        return flags


@functools.lru_cache(maxsize=64)
def _os_alias_call(local: str) -> re.Pattern[str]:
    """``o.system``, ``o.execv``... for ``import os as o``."""
    words = "|".join(sorted(OS_LAUNCHERS))
    return re.compile(rf"(?<![\w.]){re.escape(local)}(?:\s|\\\n)*\.(?:\s|\\\n)*(?:{words})\b")


def scan_facts(text: str) -> FileFacts | None:
    """The reference's facts of ``text``, or None when the scanner cannot be sure."""
    if _check_syntax is None or "\x00" in text or "\f" in text or text.startswith("\ufeff"):
        return None
    original = text
    if "\r" in text:
        # Windows line ends: Python reads "\r\n" as "\n", in string values too, so
        # the same lines and columns; a lone "\r" (old Mac files) is left to the plan.
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    try:
        code, spans, literals = code_of(text)
        if unfollowed(code):
            return None
        hits, module_calls = marks_of(code)
        cont = continuations(code, code.count("\n") + 1, spans)
        scan = _Scan(text, code, cont, hits)
        found = scan.imports()
        calls = scan.check_bindings(module_calls)
        if calls:
            found.extend(([fact], line, width) for fact, line, width in scan.dynamic_imports(calls))
            found.sort(key=lambda item: (item[0][0].line, item[0][0].col))
        imports: list[ImportFact] = []
        for facts, line, width in found:
            if width:
                flags = scan.flags(scan.enclosing(line, width))
                if any(flags.values()):
                    facts = [_with_flags(f, flags) for f in facts]
            imports.extend(facts)
        main_guard = scan.main_guard() if "test" in hits.values() else None
        matches = scan.match_statements() if "match" in code else []
    except NotSure:
        return None
    except Exception:  # a scanner bug must cost speed, never a wrong fact or a crash
        return None
    # Last: is it valid Python? (The plan path reports the exact error if not.)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _check_syntax(text, "<jobdeps>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    finally:
        if was_enabled:
            gc.enable()
    return FileFacts(
        imports=tuple(imports),
        path_literals=tuple(PathLiteral(line, value) for line, value in literals),
        features=tuple(SyntaxFeature(n, "match statement", (3, 10)) for n in matches),
        main_guard_line=main_guard,
        suppressions=find_suppressions(original),
    )


def _with_flags(fact: ImportFact, flags: dict[str, Any]) -> ImportFact:
    return ImportFact(
        fact.kind,
        fact.module,
        fact.line,
        fact.col,
        level=fact.level,
        names=fact.names,
        dynamic=fact.dynamic,
        package=fact.package,
        **flags,
    )
