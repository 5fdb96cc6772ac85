"""Static evaluation of sys.path idioms built from __file__ and the working directory."""

from __future__ import annotations

import pytest

from jobdeps.analyzer.extract import extract_facts


def _edit(code: str):
    facts = extract_facts(code)
    assert len(facts.syspath) == 1, facts.syspath
    edit = facts.syspath[0]
    return edit.op, edit.anchor, edit.path


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "import os, sys\nsys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\n",
            ("insert", "file", "."),
        ),
        (
            "import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))\n",
            ("insert", "file", ".."),
        ),
        (
            "import sys\nfrom pathlib import Path\n"
            "sys.path.append(str(Path(__file__).resolve().parents[1]))\n",
            ("append", "file", ".."),
        ),
        (
            "import sys\nfrom pathlib import Path\nROOT = Path(__file__).parent.parent\n"
            "sys.path.insert(0, str(ROOT / 'src'))\n",
            ("insert", "file", "../src"),
        ),
        (
            "import sys, os.path as osp\nHERE = osp.dirname(osp.realpath(__file__))\n"
            "sys.path.insert(0, osp.join(HERE, 'lib', 'x'))\n",
            ("insert", "file", "lib/x"),
        ),
        ("import sys, os\nsys.path.append(os.getcwd())\n", ("append", "cwd", ".")),
        ("import sys\nsys.path.append('..')\n", ("append", "cwd", "..")),
        ("import sys\nsys.path.insert(0, '/opt/code')\n", ("insert", "abs", "/opt/code")),
        (
            "import sys\nfrom pathlib import Path\nR = Path(__file__).parent\n"
            "sys.path.insert(0, f'{R}/third_party')\n",
            ("insert", "file", "third_party"),
        ),
        (
            "import sys, os\nsys.path.insert(0, os.path.dirname(__file__) + '/../common')\n",
            ("insert", "file", "../common"),
        ),
        (
            "import sys\nfrom os.path import dirname, abspath\n"
            "sys.path.insert(0, dirname(dirname(abspath(__file__))))\n",
            ("insert", "file", ".."),
        ),
    ],
)
def test_idioms(code: str, expected: tuple) -> None:
    assert _edit(code) == expected


def test_yolov5_root_idiom() -> None:
    """FILE/ROOT from __file__, appended only if absent, then re-bound with relpath."""
    code = (
        "import os, sys\nfrom pathlib import Path\n"
        "FILE = Path(__file__).resolve()\nROOT = FILE.parents[0]\n"
        "if str(ROOT) not in sys.path:\n    sys.path.append(str(ROOT))\n"
        "ROOT = Path(os.path.relpath(ROOT, Path.cwd()))\n"
        "sys.path.insert(0, str(ROOT / 'models'))\n"
    )
    facts = extract_facts(code)
    assert [(e.op, e.anchor, e.path) for e in facts.syspath] == [
        ("append", "file", "."),
        ("insert", "file", "models"),
    ]


def test_list_forms() -> None:
    """Front insertions come in reverse, so that inserting each at 0 keeps the list's order."""
    facts = extract_facts(
        "import sys\nsys.path = ['a', 'b'] + sys.path\nsys.path += ['c']\n"
        "sys.path[:0] = ['d', 'e']\nsys.path = sys.path + ['f']\n"
    )
    assert [(e.op, e.path) for e in facts.syspath] == [
        ("insert", "b"),
        ("insert", "a"),
        ("append", "c"),
        ("insert", "e"),
        ("insert", "d"),
        ("append", "f"),
    ]


@pytest.mark.parametrize(
    "code",
    [
        "import sys\nsys.path.insert(0, get_root())\n",
        "import sys, os\nsys.path.insert(0, os.environ['ROOT'])\n",
        "import sys\nsys.path.extend(find_paths())\n",
    ],
)
def test_unknown_expressions_are_kept_as_unknown(code: str) -> None:
    facts = extract_facts(code)
    assert len(facts.syspath) == 1
    assert facts.syspath[0].path is None and facts.syspath[0].anchor is None
