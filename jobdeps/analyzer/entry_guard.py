"""The entry-script guard the platform requires.

While exploring the job, the platform's client executes each entry script's top
level, so every entry needs an ``if __name__ == "__main__":`` guard. Whether a guard
exists is judged on the syntax tree (any quoting or spacing counts); the client,
however, checks the *text*: some line must start exactly with
``if __name__ == '__main__':`` or ``if __name__ == "__main__":``. A guard written
otherwise works in Python but is refused by the platform, hence a warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobdeps.analyzer.findings import Finding, finding

if TYPE_CHECKING:
    import libcst as cst

EXACT_GUARDS = ('if __name__ == "__main__":', "if __name__ == '__main__':")


def _is_dunder_name(node: cst.BaseExpression) -> bool:
    import libcst as cst  # lazily: only callers without the analyzer need it

    return isinstance(node, cst.Name) and node.value == "__name__"


def _is_main_string(node: cst.BaseExpression) -> bool:
    import libcst as cst  # lazily: only callers without the analyzer need it

    if not isinstance(node, cst.SimpleString):
        return False
    try:
        return node.evaluated_value == "__main__"
    except Exception:  # a malformed literal is simply not the guard
        return False


def is_main_guard(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` in either order, any quoting, spacing or parentheses."""
    import libcst as cst  # lazily: only callers without the analyzer need it

    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    left, right = test.left, target.comparator
    return (_is_dunder_name(left) and _is_main_string(right)) or (
        _is_main_string(left) and _is_dunder_name(right)
    )


def find_guard_line(source: str) -> int | None:
    """Line (1-based) of the first module-level main guard; None if none or unparsable.

    The line is counted from the code libcst regenerates for the module up to the
    statement (header and earlier statements), plus the statement's own leading
    blank and comment lines: no position metadata is needed.
    """
    import libcst as cst  # lazily: only callers without the analyzer need it

    try:
        module = cst.parse_module(source)
    except Exception:  # libcst raises ParserSyntaxError and, on odd input, others
        return None
    for index, stmt in enumerate(module.body):
        if isinstance(stmt, cst.If) and is_main_guard(stmt.test):
            if index == 0:
                before = len(module.header)  # one EmptyLine (blank or comment) per line
            else:
                head = module.with_changes(body=module.body[:index], footer=())
                before = head.code.count("\n")
            return before + len(stmt.leading_lines) + 1
    return None


def exact_guard_present(source: str) -> bool:
    """The client's own test: some line starts exactly with one of the guard texts."""
    return any(line.startswith(EXACT_GUARDS) for line in source.splitlines())


def check_entry_guard(source: str, rel_path: str, guard_line: int | None) -> list[Finding]:
    """Findings for one entry script, given the line of its guard (None: no guard)."""
    if guard_line is None:
        return [
            finding(
                "CFG032",
                f'entry script `{rel_path}` has no `if __name__ == "__main__":` guard',
                rel_path,
                None,
            )
        ]
    if exact_guard_present(source):
        return []
    lines = source.splitlines()
    written = lines[guard_line - 1].strip() if 0 < guard_line <= len(lines) else ""
    shown = f" (`{written}`)" if written else ""
    return [
        finding(
            "CFG033",
            f"the main guard{shown} is not written the way the platform matches it",
            rel_path,
            guard_line,
        )
    ]
