"""Import extraction with libcst: the reference reader.

:func:`extract_facts` parses a whole module and walks it once, collecting every
import form with its position and context flags (see :class:`ImportFact`),
``sys.path`` edits, path-like string literals, syntax that needs a newer Python,
and the ``__main__`` guard. It is the parser of record: faster readers must give
the same facts (a test compares them on thousands of real files).
"""

from __future__ import annotations

import shlex
import warnings
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from jobdeps.analyzer.facts import (
    TOO_DEEP,
    FileFacts,
    ImportFact,
    PathLiteral,
    SyntaxFeature,
    SyntaxProblem,
    SysPathEdit,
    find_suppressions,
)
from jobdeps.analyzer.launchers import COMPUTED, FILE_DIR, FILE_PATH, LAUNCHERS
from jobdeps.analyzer.pathexpr import FILE_VALUE, PathEvaluator, PathVal, string_value
from jobdeps.analyzer.pathlike import looks_like_path

_OPTIONAL_EXCEPTIONS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
_CONDITION_NAMES = {
    "sys.version_info",
    "sys.platform",
    "os.name",
    "platform.system",
    "platform.machine",
    "platform.python_version",
    "sys.implementation",
}
_EXITS = {"sys.exit", "exit", "quit", "os._exit", "os.abort"}


@dataclass
class _Context:
    optional: int = 0
    type_checking: int = 0
    conditional: int = 0
    conditions: list[str] = field(default_factory=list)
    lazy: int = 0
    main_only: int = 0


def _dotted(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.ctx = _Context()
        self.imports: list[ImportFact] = []
        self.syspath: list[SysPathEdit] = []
        self.literals: list[PathLiteral] = []
        self.features: list[SyntaxFeature] = []
        self.main_guard_line: int | None = None
        self.aliases: dict[str, str] = {}
        self.values: dict[str, PathVal] = {}
        self.evaluate = PathEvaluator(self.qualname, self.values)
        self.depth = 0  # statement nesting: 0 = module body

    def facts(self, suppressions: tuple[tuple[int, tuple[str, ...]], ...] = ()) -> FileFacts:
        """What the walk collected, as the file's facts."""
        return FileFacts(
            imports=tuple(self.imports),
            syspath=tuple(self.syspath),
            path_literals=tuple(self.literals),
            features=tuple(self.features),
            main_guard_line=self.main_guard_line,
            suppressions=suppressions,
        )

    # -- helpers ---------------------------------------------------------------
    def pos(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.get_metadata(PositionProvider, node).start
        return start.line, start.column

    def qualname(self, node: cst.BaseExpression) -> str | None:
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        full = self.aliases.get(head)
        if full is None:
            full = {"Path": "pathlib.Path", "PurePath": "pathlib.PurePath"}.get(head, head)
        return f"{full}.{rest}" if rest else full

    def add_import(self, node: cst.CSTNode, kind: str, module: str, **extra: object) -> None:
        line, col = self.pos(node)
        c = self.ctx
        self.imports.append(
            ImportFact(
                kind=kind,  # type: ignore[arg-type]
                module=module,
                line=line,
                col=col,
                optional=c.optional > 0,
                type_checking=c.type_checking > 0,
                conditional=c.conditional > 0,
                condition=" and ".join(c.conditions),
                lazy=c.lazy > 0,
                main_only=c.main_only > 0,
                **extra,  # type: ignore[arg-type]
            )
        )

    # -- scopes ------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.type_parameters is not None:
            self.features.append(SyntaxFeature(self.pos(node)[0], "type parameters", (3, 12)))
        self.ctx.lazy += 1
        self.depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.ctx.lazy -= 1
        self.depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.ctx.lazy += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.ctx.lazy -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if node.type_parameters is not None:
            self.features.append(SyntaxFeature(self.pos(node)[0], "type parameters", (3, 12)))
        self.depth += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.depth -= 1

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        self.features.append(SyntaxFeature(self.pos(node)[0], "type alias statement", (3, 12)))

    def visit_Match(self, node: cst.Match) -> None:
        self.features.append(SyntaxFeature(self.pos(node)[0], "match statement", (3, 10)))

    def visit_TryStar(self, node: cst.TryStar) -> bool:
        where = node.handlers[0] if node.handlers else node  # the `except*` line
        self.features.append(SyntaxFeature(self.pos(where)[0], "except*", (3, 11)))
        self._visit_try(node)
        return False

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        quote = _fstring_quote(node.start)
        for part in node.parts:
            if isinstance(part, cst.FormattedStringExpression) and _nests_quote(part, quote):
                line = self.pos(node)[0]
                self.features.append(SyntaxFeature(line, "f-string reusing its quotes", (3, 12)))
                return

    # -- try / if ----------------------------------------------------------------
    def visit_Try(self, node: cst.Try) -> bool:
        self._visit_try(node)
        return False

    def _visit_try(self, node: cst.Try | cst.TryStar) -> None:
        # Optional only when some handler of ImportError carries on: one that re-raises
        # or exits says the import is required.
        catches = any(
            _catches_import_error(h.type) and not self._gives_up(h) for h in node.handlers
        )
        self.depth += 1
        # Only the try body is optional: a fallback import in the handler is what the
        # job needs when the first one fails.
        if catches:
            self.ctx.optional += 1
        node.body.visit(self)
        if catches:
            self.ctx.optional -= 1
        for handler in node.handlers:
            handler.visit(self)
        if node.orelse is not None:
            node.orelse.visit(self)
        if node.finalbody is not None:
            node.finalbody.visit(self)
        self.depth -= 1

    def visit_If(self, node: cst.If) -> bool:
        kind, negated = self._condition_kind(node.test)
        node.test.visit(self)
        if kind == "main" and self.depth == 0 and self.main_guard_line is None:
            self.main_guard_line = self.pos(node)[0]
        self.depth += 1
        test = self._condition_text(node.test) if kind == "conditional" else ""
        if test:
            self.ctx.conditions.append(f"({test})")
        self._visit_branch(node.body, kind if not negated else None)
        if test:
            self.ctx.conditions[-1] = f"not ({test})"
        if node.orelse is not None:
            else_kind = kind if negated else ("conditional" if kind == "conditional" else None)
            self._visit_branch(node.orelse, else_kind)
        if test:
            self.ctx.conditions.pop()
        self.depth -= 1
        return False

    def _condition_text(self, test: cst.BaseExpression) -> str:
        """The guard as source, with aliases spelled out (``_s.version_info`` -> ``sys....``)."""
        aliases = {
            local: full
            for local, full in self.aliases.items()
            if local != full and full.split(".")[0] in ("sys", "os", "platform")
        }
        if aliases:
            test = test.visit(_AliasExpander(aliases))  # type: ignore[assignment]
        return _code(test, 400)

    def _visit_branch(self, branch: cst.CSTNode, kind: str | None) -> None:
        attr = {"main": "main_only", "type_checking": "type_checking"}.get(kind or "", kind)
        if attr:
            setattr(self.ctx, attr, getattr(self.ctx, attr) + 1)
        branch.visit(self)
        if attr:
            setattr(self.ctx, attr, getattr(self.ctx, attr) - 1)

    def _condition_kind(self, test: cst.BaseExpression) -> tuple[str | None, bool]:
        negated = False
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            negated, test = True, test.expression
        dotted = _dotted(test)
        if dotted is not None and dotted.split(".")[-1] == "TYPE_CHECKING":
            return "type_checking", negated
        if _is_main_test(test):
            return "main", negated
        if any(name in _CONDITION_NAMES for name in _names_in(test, self.qualname)):
            return "conditional", False
        return None, False

    def visit_While(self, node: cst.While) -> None:
        self.depth += 1

    def leave_While(self, original_node: cst.While) -> None:
        self.depth -= 1

    def visit_For(self, node: cst.For) -> None:
        self.depth += 1

    def leave_For(self, original_node: cst.For) -> None:
        self.depth -= 1

    def _gives_up(self, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
        """True when the handler's block ends the program: ``raise`` or ``sys.exit()``."""
        body = handler.body
        statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
        for statement in statements:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Raise):
                    return True
                if (
                    isinstance(small, cst.Expr)
                    and isinstance(small.value, cst.Call)
                    and self.qualname(small.value.func) in _EXITS
                ):
                    return True
        return False

    def visit_With(self, node: cst.With) -> bool:
        # `with contextlib.suppress(ImportError):` makes the imports in its body optional
        suppress = any(
            isinstance(item.item, cst.Call)
            and self.qualname(item.item.func) in ("contextlib.suppress", "suppress")
            and any(_catches_import_error(arg.value) for arg in item.item.args)
            for item in node.items
        )
        for item in node.items:
            item.visit(self)
        self.depth += 1
        self.ctx.optional += suppress
        node.body.visit(self)
        self.ctx.optional -= suppress
        self.depth -= 1
        return False

    # -- imports -----------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = _dotted(alias.name) or ""
            self.add_import(node, "import", module)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = module
            else:
                head = module.split(".")[0]
                self.aliases[head] = head

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _dotted(node.module) if node.module is not None else ""
        level = len(node.relative)
        if isinstance(node.names, cst.ImportStar):
            names: tuple[str, ...] = ("*",)
        else:
            names = tuple(_dotted(a.name) or "" for a in node.names)
            if level == 0 and module:
                for alias in node.names:
                    local = (
                        alias.asname.name.value
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                        else _dotted(alias.name)
                    )
                    if local:
                        self.aliases[local] = f"{module}.{_dotted(alias.name)}"
        self.add_import(node, "from", module or "", level=level, names=names)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = self.evaluate(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                if value is None:
                    self.values.pop(target.target.value, None)
                else:
                    self.values[target.target.value] = value
            elif _dotted(target.target) == "sys.path":
                # `sys.path = [...] + sys.path` prepends; `sys.path + [...]` appends
                front = not (
                    isinstance(node.value, cst.BinaryOperation)
                    and _dotted(node.value.left) == "sys.path"
                )
                self._syspath_list(node, "insert" if front else "append", node.value)
            elif (
                isinstance(target.target, cst.Subscript)
                and _dotted(target.target.value) == "sys.path"
            ):
                self._syspath_list(node, "insert", node.value)  # sys.path[:0] = [...]

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if _dotted(node.target) == "sys.path":
            self._syspath_list(node, "append", node.value)

    def visit_Call(self, node: cst.Call) -> None:
        qn = self.qualname(node.func)
        if qn is None:
            return
        args = [a for a in node.args if a.keyword is None and not a.star]
        if qn in ("importlib.import_module", "__import__"):
            self._dynamic_import(node, qn, args)
        elif qn == "runpy.run_module":
            text = _string_argument(node, args, 0, "mod_name")
            name = _string_argument(node, args, 2, "run_name")
            self.add_import(
                node, "run-module", text or "", dynamic=text is None, package=name or text or ""
            )
        elif qn == "runpy.run_path":
            name = _string_argument(node, args, 2, "run_name")
            self._run_path(node, _argument(node, args, 0, "path_name"), name or "<run_path>")
        elif qn == "importlib.util.spec_from_file_location":
            # with module_from_spec() and loader.exec_module(): the file runs as a
            # module named by the first argument (not __main__)
            name = _string_argument(node, args, 0, "name")
            self._run_path(node, _argument(node, args, 1, "location"), name or "<spec>")
        elif qn == "exec" and args:
            path = _exec_file(args[0].value, self.qualname)
            if path is not None:  # exec() runs the file in the caller's namespace
                self._run_path(node, path, None)
        elif qn in LAUNCHERS:
            self._launch(node, qn, args)
        elif qn in ("sys.path.insert", "sys.path.append", "site.addsitedir"):
            index = 1 if qn.endswith("insert") else 0
            if len(args) > index:
                self._syspath_value(node, qn.rsplit(".", 1)[1], args[index].value)
        elif qn == "sys.path.extend" and args:
            self._syspath_list(node, "append", args[0].value)

    def _run_path(
        self, node: cst.Call, expr: cst.BaseExpression | None, run_name: str | None
    ) -> None:
        """A file run by path: a literal, as ``open()`` sees it (the working folder), or
        a path built from ``__file__`` as ``sys.path`` edits are; else computed.
        ``run_name`` is the name it runs under (None: ``exec``, the caller's)."""
        text = string_value(expr) if expr is not None else None
        if text is not None:
            self.add_import(node, "run-path", text, package=run_name)
            return
        value = self.evaluate(expr) if expr is not None else None
        if value is None or value.is_file_itself:
            self.add_import(node, "run-path", "", dynamic=True, package=run_name)
            return
        anchor = "" if value.anchor == "cwd" else value.anchor
        self.add_import(node, "run-path", value.as_posix(), package=run_name, anchor=anchor)

    def _launch(self, node: cst.Call, qn: str, args: list[cst.Arg]) -> None:
        """A program started from Python (``subprocess.run([sys.executable, "x.py"])``,
        ``os.system("python x.py")``): its command as shell text, for the walk to read
        as it reads ``cmd`` (a Python script or ``-m`` module of the job is a program
        of its own). Nothing when the program itself is computed: it may be anything."""
        how, index, keyword = LAUNCHERS[qn]
        command: str | None = None
        if how in ("execl", "execle"):  # os.execl(path, arg0, arg1, ...): argv[0] is a name
            words = [a.value for a in args]
            if how == "execle":
                words = words[:-1]  # the environment
            command = self._argv_text(words[:1] + words[2:]) if words else None
        elif how == "execv":  # os.execv(path, argv)
            program = _argument(node, args, 0, "path")
            argv = _argument(node, args, 1, "argv")
            items = _sequence_items(argv) if argv is not None else None
            command = (
                self._argv_text([program, *items[1:]])
                if program is not None and items is not None
                else None
            )
        else:
            value = _argument(node, args, index, keyword)
            shell = how == "shell" or any(
                a.keyword is not None
                and a.keyword.value == "shell"
                and not (isinstance(a.value, cst.Name) and a.value.value in ("False", "None"))
                for a in node.args
            )
            items = _sequence_items(value) if value is not None else None
            if items is not None and not shell:
                command = self._argv_text(items)
            elif items is not None:  # shell=True: the first item is the command line
                command = self._shell_text(items[0]) if items else None
            elif value is not None and shell:
                command = self._shell_text(value)
            elif value is not None:  # a string without a shell: the program's name alone
                command = self._word(value)
        if not command:
            return
        directory = _keyword_argument(node, "cwd")
        if isinstance(directory, cst.Name) and directory.value == "None":
            directory = None  # the working folder, as without it
        env = _keyword_argument(node, "env")
        pythonpath = self._env_pythonpath(env) if env is not None else None
        if pythonpath:  # the program's own sys.path starts with it
            command = f"export PYTHONPATH={pythonpath}; {command}"
        if directory is not None:  # the command starts in another folder
            where = self._word(directory) or COMPUTED
            command = f"cd {where} && {command}"
        self.add_import(node, "run-command", command)

    def _env_pythonpath(self, env: cst.BaseExpression) -> str | None:
        """``PYTHONPATH`` of an ``env=`` written in place: ``{**os.environ, "PYTHONPATH":
        "src"}``, ``dict(os.environ, PYTHONPATH=...)``, ``os.environ | {...}``; None when
        it sets none that jobdeps can read."""
        if isinstance(env, cst.BinaryOperation) and isinstance(env.operator, cst.BitOr):
            return self._env_pythonpath(env.right)
        value: cst.BaseExpression | None = None
        if isinstance(env, cst.Dict):
            for element in env.elements:
                if isinstance(element, cst.DictElement) and string_value(element.key) == (
                    "PYTHONPATH"
                ):
                    value = element.value
        elif isinstance(env, cst.Call) and self.qualname(env.func) == "dict":
            value = _keyword_argument(env, "PYTHONPATH")
        if value is None:
            return None
        text = self._shell_text(value) if string_value(value) is None else None
        return text if text is not None and COMPUTED not in text else self._word(value)

    def _argv_text(self, items: list[cst.BaseExpression]) -> str | None:
        """An argument list as shell words; None when the program is computed."""
        words = [self._word(item) for item in items]
        if not words or words[0] is None:
            return None
        return " ".join(w if w is not None else COMPUTED for w in words)

    def _word(self, expr: cst.BaseExpression) -> str | None:
        """One argument as a shell word: a literal, ``python`` for ``sys.executable``, a
        path built from ``__file__`` under ``${JOBDEPS_FILE_DIR}`` (the file's folder,
        filled in by the walk, as ``${JOBDEPS_FILE}`` is with the file); None when
        computed."""
        text = string_value(expr)
        if text is not None:
            return shlex.quote(text)
        if self.qualname(expr) == "sys.executable":
            return "python"
        value = self.evaluate(expr)
        if value == FILE_VALUE:  # [sys.executable, __file__, "--child"]: the file again
            return FILE_PATH
        if value is None or value.is_file_itself:
            return None
        if value.anchor == "file":
            tail = value.as_posix()
            return FILE_DIR + ("" if tail == "." else shlex.quote("/" + tail))
        return shlex.quote(value.as_posix())

    def _shell_text(self, expr: cst.BaseExpression) -> str | None:
        """A shell command line: a literal, or an f-string whose fields become words
        (``f"python {HERE}/train.py --lr {lr}"``: ``${computed}`` for a field that is
        not a path jobdeps can evaluate)."""
        text = string_value(expr)
        if text is not None:
            return text
        if not isinstance(expr, cst.FormattedString):
            return None
        pieces = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(part.value)
            elif isinstance(part, cst.FormattedStringExpression):
                pieces.append(self._word(part.expression) or COMPUTED)
        return "".join(pieces)

    def _dynamic_import(self, node: cst.Call, qn: str, args: list[cst.Arg]) -> None:
        text = string_value(args[0].value) if args else None
        if text is None:
            self.add_import(node, "dynamic", "", dynamic=True)
            return
        package: str | None = None
        if qn == "importlib.import_module":
            pkg_arg = _keyword_argument(node, "package")
            if pkg_arg is None and len(args) > 1:
                pkg_arg = args[1].value
            if isinstance(pkg_arg, cst.Name) and pkg_arg.value in ("__package__", "__name__"):
                package = pkg_arg.value
            elif pkg_arg is not None:
                package = string_value(pkg_arg)
        level = len(text) - len(text.lstrip("."))
        names: tuple[str, ...] = ()
        if qn == "__import__":  # __import__(name, globals, locals, fromlist, level)
            fromlist = _keyword_argument(node, "fromlist")
            if fromlist is None and len(args) > 3:
                fromlist = args[3].value
            names = _fromlist_names(fromlist)
        self.add_import(node, "dynamic", text[level:], level=level, package=package, names=names)

    def _syspath_value(self, node: cst.CSTNode, op: str, expr: cst.BaseExpression) -> None:
        value = self.evaluate(expr)
        line = self.pos(node)[0]
        code = _code(expr)
        if value is None or value.is_file_itself:
            self.syspath.append(SysPathEdit(line, op, None, None, code))
        else:
            self.syspath.append(SysPathEdit(line, op, value.as_posix(), value.anchor, code))  # type: ignore[arg-type]

    def _syspath_list(self, node: cst.CSTNode, op: str, expr: cst.BaseExpression) -> None:
        elements = _list_elements(expr)
        if elements is None:
            self.syspath.append(SysPathEdit(self.pos(node)[0], op, None, None, _code(expr)))
            return
        # Each edit is applied in turn: inserting at the front in reverse keeps the list's order.
        for element in reversed(elements) if op == "insert" else elements:
            self._syspath_value(node, op, element)

    # -- literals ----------------------------------------------------------------
    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = string_value(node)
        if value and looks_like_path(value):
            self.literals.append(PathLiteral(self.pos(node)[0], value.removeprefix("./")))

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Divide) and string_value(node.right) is not None:
            value = self.evaluate(node)
            if value is not None and value.anchor == "file" and not value.is_file_itself:
                self.literals.append(PathLiteral(self.pos(node)[0], value.as_posix(), "file"))


class _AliasExpander(cst.CSTTransformer):
    """Rewrites names bound by ``import sys as _s`` / ``from sys import version_info``."""

    def __init__(self, aliases: dict[str, str]) -> None:
        super().__init__()
        self.aliases = aliases
        self.attribute_names: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self.attribute_names.add(id(node.attr))  # `x.vi`: the attribute is not the alias
        return True

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if id(original_node) in self.attribute_names:
            return updated_node
        full = self.aliases.get(original_node.value)
        return cst.parse_expression(full) if full else updated_node


def _code(node: cst.CSTNode, limit: int = 120) -> str:
    text = " ".join(cst.Module(body=[]).code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _argument(
    node: cst.Call, positional: list[cst.Arg], index: int, keyword: str
) -> cst.BaseExpression | None:
    """A call's argument by position or by keyword."""
    if len(positional) > index:
        return positional[index].value
    return _keyword_argument(node, keyword)


def _keyword_argument(node: cst.Call, keyword: str) -> cst.BaseExpression | None:
    """A call's argument given as ``keyword=...``."""
    return next((a.value for a in node.args if a.keyword and a.keyword.value == keyword), None)


def _string_argument(
    node: cst.Call, positional: list[cst.Arg], index: int, keyword: str
) -> str | None:
    """The value of a call's argument when it is a string literal, else None."""
    value = _argument(node, positional, index, keyword)
    return string_value(value) if value is not None else None


def _sequence_items(expr: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    """The elements of a list or tuple display (None for anything else, or a ``*``)."""
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return None
    items = []
    for element in expr.elements:
        if not isinstance(element, cst.Element):
            return None
        items.append(element.value)
    return items


def _fromlist_names(expr: cst.BaseExpression | None) -> tuple[str, ...]:
    """``__import__``'s ``fromlist`` when it is a literal list or tuple of strings
    (each a submodule the call imports, like ``from pkg import sub``), else ()."""
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return ()
    names = []
    for element in expr.elements:
        value = None if isinstance(element, cst.StarredElement) else string_value(element.value)
        if value is None:
            return ()
        names.append(value)
    return tuple(names)


def _list_elements(expr: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    """Elements of ``[a, b]`` or ``[a] + sys.path`` (the ``sys.path`` part dropped)."""
    if isinstance(expr, (cst.List, cst.Tuple)):
        out = []
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                if _dotted(element.value) != "sys.path":
                    return None
                continue
            out.append(element.value)
        return out
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        parts = []
        for side in (expr.left, expr.right):
            if _dotted(side) == "sys.path":
                continue
            inner = _list_elements(side)
            if inner is None:
                return None
            parts.extend(inner)
        return parts
    return None


def _catches_import_error(node: cst.BaseExpression | None) -> bool:
    if node is None:  # bare except
        return True
    if isinstance(node, cst.Tuple):
        return any(_catches_import_error(e.value) for e in node.elements)
    dotted = _dotted(node)
    return dotted is not None and dotted.split(".")[-1] in _OPTIONAL_EXCEPTIONS


def _is_main_test(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = (test.left, target.comparator)
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    strings = [s for s in sides if string_value(s) == "__main__"]
    return len(names) == 1 and len(strings) == 1


def _names_in(test: cst.BaseExpression, qualname) -> set[str]:
    found: set[str] = set()

    class _Walk(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            name = qualname(node)
            if name:
                found.add(name)
            return True

        def visit_Name(self, node: cst.Name) -> None:
            name = qualname(node)
            if name:
                found.add(name)

    test.visit(_Walk())
    return found


def _exec_file(node: cst.BaseExpression, qualname) -> cst.BaseExpression | None:
    """The path expression behind ``exec(open(path).read())`` and its variants (None:
    the code does not come from a file read in place)."""
    if not isinstance(node, cst.Call):
        return None
    func_name = qualname(node.func)
    if func_name == "compile" and node.args:
        return _exec_file(node.args[0].value, qualname)
    if not isinstance(node.func, cst.Attribute):
        return None
    method = node.func.attr.value
    inner = node.func.value
    if (
        method == "read"
        and isinstance(inner, cst.Call)
        and qualname(inner.func) in ("open", "io.open")
    ):
        positional = [a for a in inner.args if a.keyword is None and not a.star]
        return _argument(inner, positional, 0, "file")
    if method == "read_text":
        # a path object: Path("a", "b.py"), HERE / "x.py", Path(__file__).with_name(...):
        # the path evaluator joins the parts, or says it cannot (a computed path)
        return inner
    return None


def _fstring_quote(start: str) -> str:
    """The quote an f-string opens with (``start`` is ``f"``, ``rf'''``...)."""
    return start[-3:] if start.endswith(('"""', "'''")) else start[-1]


def _nests_quote(part: cst.FormattedStringExpression, quote: str) -> bool:
    """Does a string in the field use the f-string's own quote, which only Python 3.12
    reads? ``f"{d["k"]}"`` does; the same field in a triple-quoted f-string does not:
    before 3.12, such a string ends at its triple quote only."""
    found = False

    class _Walk(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            nonlocal found
            if quote in node.quote:
                found = True

        def visit_FormattedString(self, node: cst.FormattedString) -> None:
            nonlocal found
            if quote in _fstring_quote(node.start):
                found = True

    part.expression.visit(_Walk())
    return found


def _syntax_problem(text: str, exc: cst.ParserSyntaxError) -> SyntaxProblem:
    """Where and why the file does not parse, in CPython's words when it agrees.

    libcst often points one line past the error and says only "Syntax Error";
    the interpreter's parser (parsing only: nothing runs) names the real line.
    """
    import ast

    try:
        ast.parse(text)
    except SyntaxError as err:
        if err.lineno is not None:
            return SyntaxProblem(err.lineno, max((err.offset or 1) - 1, 0), err.msg)
    except (ValueError, RecursionError, MemoryError):
        pass
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid syntax"
    return SyntaxProblem(exc.raw_line, exc.raw_column, message)


def _too_deep_for_python(text: str) -> bool:
    """Does the interpreter itself give up on ``text`` (nesting beyond its stack)?

    Such a file cannot be imported on the job's machine either, and libcst's native
    parser, handed the same text, can overflow its own stack and kill the process.
    """
    try:
        from _symtable import symtable
    except ImportError:  # pragma: no cover - not CPython
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symtable(text, "<jobdeps>", "exec")
    except (RecursionError, MemoryError):
        return True
    except Exception:  # a syntax error: libcst reports it, in its own words
        return False
    return False


def extract_facts(text: str) -> FileFacts:
    """Parse ``text`` (already decoded) and return its facts; a syntax error is a fact too."""
    suppressions = find_suppressions(text)
    if _too_deep_for_python(text):
        problem = "Python cannot compile it: nested too deeply (maximum recursion depth)"
        return FileFacts(syntax_error=SyntaxProblem(1, 0, problem), suppressions=suppressions)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return FileFacts(syntax_error=_syntax_problem(text, exc), suppressions=suppressions)
    except RecursionError:
        return FileFacts(syntax_error=SyntaxProblem(1, 0, TOO_DEEP), suppressions=suppressions)
    collector = _Collector()
    try:
        MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
    except RecursionError:  # valid Python, deeper than the visitor's recursion
        return FileFacts(syntax_error=SyntaxProblem(1, 0, TOO_DEEP), suppressions=suppressions)
    return collector.facts(suppressions)
