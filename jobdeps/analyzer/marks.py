"""What the fast readers look for, and the collector's rules they reproduce.

Shared by the statement-tree plan (:mod:`jobdeps.analyzer.fastpath`) and the
scanner tier (:mod:`jobdeps.analyzer.scanner`): the keyword marks that make a
line matter to the collector, and the collector's own tables and tests for
context flags, on :mod:`ast` nodes (``extract`` has them on libcst nodes and
imports libcst; a test holds the tables equal).
"""

from __future__ import annotations

import ast
import re

from jobdeps.analyzer.conditions import dotted_name

# What makes a line worth giving to libcst (a superset of what the collector uses).
# Plain words, so the regex engine can skip ahead fast; word boundaries are
# checked in Python on the (few) hits.
# Marks a plain import statement or an ``if`` test may hold...
PLAIN_MARKS = r"import|__name__|TYPE_CHECKING"
# ...and marks of everything else the collector reads.
OTHER_MARKS = (
    # ``exec``, and ``os.execv``, ``os.execlp``...; ``os.system``, ``os.popen``: programs
    # started (see launchers.py). One literal each: an alternation tries every position
    r"exec(?P<os_exec>[lv]p?e?)?",
    r"(?P<os_system>system)",
    r"(?P<os_popen>popen)",
    "subprocess",
    "runpy",
    "run_path",
    "run_module",
    "spec_from_file_location",
    "addsitedir",
    r"(?P<syspath>sys(?:\s|\\\n)*\.(?:\s|\\\n)*path)",
    # '/' then a string, maybe across brackets, continuations and comments: Path / "x"
    # (after a name, ')' or ']', checked in Python: what can end a path expression).
    # A comment runs to the end of its line (the lookahead): a banner of '#'s could
    # otherwise be split in 2**n ways, and a failed match tried every one of them.
    r"""(?P<slash>/(?:[ \t\f\n(]|\\\n|#[^\n]*(?![^\n]))*[rRuUbBfF]{0,2}["'])""",
)
KEYWORD_RE = re.compile("|".join((PLAIN_MARKS, *OTHER_MARKS)))
# Inside an f-string's replacement fields, what the collector may read there: not
# ``__name__`` or ``TYPE_CHECKING``, which count only as an ``if`` test of their own
# (a field is an expression inside a string, never a statement's test) or as
# ``import_module``'s package (whose call ``import`` marks).
FIELD_MARKS_RE = re.compile("|".join(("import", *OTHER_MARKS)))
_OS_CALLS = ("os_exec", "os_system", "os_popen")
BOUNDED = {"exec"}  # too common inside other words to take without \b
# read path values (``exec(open(os.path.join(HERE, "x.py")).read())`` runs a file,
# ``subprocess.run([sys.executable, os.path.join(HERE, "x.py")])`` starts one)
CONSUMERS = {"addsitedir", "run_path", "spec_from_file_location", "exec", "subprocess"}

# Copies of the collector's tables (``extract`` imports libcst); tested equal.
OPTIONAL_EXCEPTIONS = frozenset(
    {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
)
EXITS = frozenset({"sys.exit", "exit", "quit", "os._exit", "os.abort"})
CONDITION_NAMES = frozenset(
    {
        "sys.version_info",
        "sys.platform",
        "os.name",
        "platform.system",
        "platform.machine",
        "platform.python_version",
        "sys.implementation",
    }
)
CONDITION_HEADS = frozenset({"sys", "os", "platform"})
# The collector writes a guard's source text up to this many characters.
CONDITION_LIMIT = 400
SUPPRESS_NAMES = ("contextlib.suppress", "suppress")


def catches_import_error(node: ast.expr | None) -> bool:
    if node is None:  # bare except
        return True
    if isinstance(node, ast.Starred):
        node = node.value
    if isinstance(node, ast.Tuple):
        return any(catches_import_error(e) for e in node.elts)
    dotted = dotted_name(node)
    return dotted is not None and dotted.split(".")[-1] in OPTIONAL_EXCEPTIONS


def is_main_test(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = (test.left, test.comparators[0])
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    strings = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(strings) == 1


def guard_kind(test: ast.expr) -> tuple[str | None, bool]:
    """``("type_checking" | "main", negated)`` for the two guards the collector knows
    by their shape (``if TYPE_CHECKING``, ``if __name__ == "__main__"``, either
    under ``not``), else ``(None, negated)``."""
    negated = False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        negated, test = True, test.operand
    dotted = dotted_name(test)
    if dotted is not None and dotted.split(".")[-1] == "TYPE_CHECKING":
        return "type_checking", negated
    if is_main_test(test):
        return "main", negated
    return None, negated


def keyword_kind(text: str, match: re.Match[str]) -> str | None:
    """``needed``, ``consumer`` (reads path values), or None for a false hit."""
    start, end = match.span()
    word = match.group(0)
    group = match.lastgroup
    if group == "syspath":
        if not is_word(text, start, start + 3) or not is_word(text, end - 4, end):
            return None
        return "consumer"
    if group == "slash":
        before = _code_before(text, start)
        if _ends_in_comment(before):
            return "consumer"  # a comment before the '/': cannot tell, keep it
        return "consumer" if before and (is_word_char(before[-1]) or before[-1] in ")]") else None
    if group in _OS_CALLS:
        return "consumer" if is_word(text, start, end) and _after_os(text, start) else None
    if word in BOUNDED and not is_word(text, start, end):
        return None
    if word in CONSUMERS:
        return "consumer"
    return "needed"


def _after_os(text: str, start: int) -> bool:
    """Is the word at ``start`` an attribute of a name ``os`` (``os.system``, spaces and
    line continuations allowed)? A bare ``system`` is ``os.system`` only after ``from os
    import system``, and ``o.system`` only after ``import os as o``: the readers take
    those imports as aliases; ``platform.system()`` and a variable ``system`` are no
    mark. True when a comment comes between: cannot tell."""
    before = _code_before(text, start)
    if _ends_in_comment(before):
        return True
    if not before.endswith("."):
        return False
    head = before[:-1].rstrip(_BLANKS)
    return head.endswith("os") and (len(head) == 2 or not is_word_char(head[-3]))


_BLANKS = " \t\f\n\\"  # what may stand between tokens of one expression (in brackets)


def _code_before(text: str, start: int) -> str:
    """The 200 characters before ``start``, blanks and line continuations stripped."""
    return text[max(0, start - 200) : start].rstrip(_BLANKS)


def _ends_in_comment(before: str) -> bool:
    """Does a ``#`` come on the last line of ``before``? (Maybe a comment: cannot tell.)"""
    return "#" in before[before.rfind("\n") + 1 :]


def is_word(text: str, start: int, end: int) -> bool:
    return not (
        (start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"))
        or (end < len(text) and (text[end].isalnum() or text[end] == "_"))
    )


def is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def may_reuse_quotes(text: str, pos: int, quote: str) -> bool:
    """Could the f-string whose body starts at ``pos`` hold its own quote in a
    replacement field? Lexed the pre-3.12 way, such a string ends early with a
    ``{`` left open (a superset test: false positives only cost time)."""
    if len(quote) == 3:
        end = text.find(quote, pos)
        body = text[pos:] if end < 0 else text[pos:end]
    else:
        match = re.compile(rf"(?:[^{quote}\\\n]|\\.)*").match(text, pos)
        body = match.group(0) if match else ""
    body = body.replace("{{", "").replace("}}", "")
    return body.count("{") > body.count("}")
