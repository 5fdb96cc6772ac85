"""The ``if __name__ == "__main__":`` guard on entry scripts."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from jobdeps.analyzer.entry_guard import (
    check_entry_guard,
    exact_guard_present,
    find_guard_line,
    is_main_guard,
)
from jobdeps.analyzer.findings import Severity

SOURCES = {
    "plain": 'import os\n\n\nif __name__ == "__main__":\n    pass\n',
    "after_docstring_and_defs": (
        '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n"""Doc.\n\nMore.\n"""\n'
        "import sys\n\n\ndef main():\n    return 0\n\n\nclass A:\n    x = 1\n\n"
        "# run it\n\nif __name__ == '__main__':\n    sys.exit(main())\n"
    ),
    "no_spaces": "x = 1\nif __name__=='__main__':\n    pass\n",
    "reversed": 'if "__main__" == __name__:\n    pass\n',
    "parenthesised": "x = (\n    1,\n)\nif (__name__ == '__main__'):\n    pass\n",
    "triple_quoted": 'if __name__ == """__main__""":\n    pass\n',
    "with_else": "if __name__ == '__main__':\n    a = 1\nelse:\n    a = 2\n",
    "crlf": 'import os\r\n\r\nif __name__ == "__main__":\r\n    pass\r\n',
    "second_if": "if DEBUG:\n    pass\nif __name__ == '__main__':\n    pass\n",
    "header_comments": "# comment\n\n# another\nif __name__ == '__main__':\n    pass\n",
    "semicolons": "a = 1; b = 2\nif __name__ == '__main__': main()\n",
}


def _guard_line_by_metadata(source: str) -> int | None:
    """Reference answer from libcst's position metadata, to cross-check the cheap count."""
    wrapper = MetadataWrapper(cst.parse_module(source))
    positions = wrapper.resolve(PositionProvider)
    for stmt in wrapper.module.body:
        if isinstance(stmt, cst.If) and is_main_guard(stmt.test):
            return positions[stmt].start.line
    return None


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_find_guard_line_matches_position_metadata(name: str) -> None:
    source = SOURCES[name]
    line = find_guard_line(source)
    assert line is not None
    assert line == _guard_line_by_metadata(source)
    assert "__main__" in source.splitlines()[line - 1]


@pytest.mark.parametrize(
    "source",
    [
        "print('hi')\n",
        "if __name__ == '__main__' and FLAG:\n    pass\n",
        "if __name__ != '__main__':\n    pass\n",
        "if __name__ == '__mian__':\n    pass\n",
        "if name == '__main__':\n    pass\n",
        "def f():\n    if __name__ == '__main__':\n        pass\n",
        "try:\n    pass\nfinally:\n    if __name__ == '__main__':\n        pass\n",
        "TEXT = '''\nif __name__ == \"__main__\":\n'''\n",
        "def broken(:\n",
        "",
    ],
)
def test_no_guard(source: str) -> None:
    assert find_guard_line(source) is None


def test_missing_guard_is_an_error() -> None:
    (f,) = check_entry_guard("print(1)\n", "jobs/run.py", None)
    assert (f.code, f.severity, f.path, f.line) == ("CFG032", Severity.ERROR, "jobs/run.py", None)


@pytest.mark.parametrize(
    "name", ["plain", "after_docstring_and_defs", "crlf", "with_else", "semicolons"]
)
def test_exact_guard_is_accepted(name: str) -> None:
    source = SOURCES[name]
    assert check_entry_guard(source, "m.py", find_guard_line(source)) == []


@pytest.mark.parametrize("name", ["no_spaces", "reversed", "parenthesised", "triple_quoted"])
def test_inexact_guard_is_a_warning(name: str) -> None:
    source = SOURCES[name]
    line = find_guard_line(source)
    (f,) = check_entry_guard(source, "m.py", line)
    assert (f.code, f.severity, f.line) == ("CFG033", Severity.WARNING, line)
    assert source.splitlines()[line - 1].strip() in f.message


def test_semicolon_form_still_matches_the_client_text() -> None:
    # The client only checks how the line starts; a body on the same line is fine.
    assert exact_guard_present("if __name__ == '__main__': main()\n")
    assert not exact_guard_present("    if __name__ == '__main__':\n")
    assert not exact_guard_present("if __name__ == '__main__' :\n")


def test_guard_text_inside_a_string_does_not_count_as_a_guard() -> None:
    source = 'DOC = """\nif __name__ == "__main__":\n"""\nprint(DOC)\n'
    line = find_guard_line(source)
    assert line is None
    assert [f.code for f in check_entry_guard(source, "m.py", line)] == ["CFG032"]
