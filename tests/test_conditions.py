"""Version and platform guards judged for the target Python on Linux."""

from __future__ import annotations

import pytest

from jobdeps.analyzer.conditions import evaluate_condition
from jobdeps.analyzer.extract import extract_facts


@pytest.mark.parametrize(
    ("text", "v310", "v312"),
    [
        ("(sys.version_info >= (3, 11))", False, True),
        ("not (sys.version_info >= (3, 11))", True, False),
        ("(sys.version_info[:2] < (3, 12))", True, False),
        ("(sys.version_info.minor >= 11)", False, True),
        ("(sys.version_info[1] == 10)", True, False),
        ('(sys.platform == "win32")', False, False),
        ('(sys.platform.startswith("linux"))', True, True),
        ('(os.name == "nt")', False, False),
        ('(platform.system() == "Darwin")', False, False),
        ("(sys.version_info >= (3, 11) and HAVE_X)", False, None),
        ("(sys.version_info >= (3, 11) or HAVE_X)", None, True),
        ("(some_call())", None, None),
        ("(", None, None),
    ],
)
def test_evaluate(text: str, v310: bool | None, v312: bool | None) -> None:
    assert evaluate_condition(text, "3.10") is v310
    assert evaluate_condition(text, "3.12") is v312


def test_conditions_recorded_for_if_elif_else() -> None:
    facts = extract_facts(
        "import sys\n"
        "if sys.version_info >= (3, 11):\n    import tomllib\n"
        "elif sys.platform == 'win32':\n    import winreg\n"
        "else:\n    import tomli\n"
    )
    by_module = {i.module: i.condition for i in facts.imports if i.conditional}
    assert by_module == {
        "tomllib": "(sys.version_info >= (3, 11))",
        "winreg": "not (sys.version_info >= (3, 11)) and (sys.platform == 'win32')",
        "tomli": "not (sys.version_info >= (3, 11)) and not (sys.platform == 'win32')",
    }
