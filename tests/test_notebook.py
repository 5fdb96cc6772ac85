"""Notebook entries: code cells in order, IPython syntax blanked, pip installs as hints."""

from __future__ import annotations

import json

import pytest

from jobdeps.analyzer.extract import extract_facts
from jobdeps.analyzer.notebook import NotebookError, notebook_code


def _nb(*cells: tuple[str, str]) -> str:
    return json.dumps(
        {"cells": [{"cell_type": kind, "source": src, "metadata": {}} for kind, src in cells]}
    )


def test_cells_magics_and_pip_hints() -> None:
    raw = _nb(
        ("markdown", "import not_code\n"),
        ("code", "%pip install torch==2.1\nimport yaml\n!ls -la\n"),
        ("code", "%%bash\npython -c 'import nope'\n"),
        ("code", ["files = !ls\n", "%time import json\n", "import networkx\n"]),
    )
    code = notebook_code(raw)
    facts = extract_facts(code.text)
    assert [i.module for i in facts.imports] == ["yaml", "json", "networkx"]
    assert code.pip_installs == ((1, "torch==2.1"),)
    lines = code.text.split("\n")
    assert lines[1] == "import yaml"
    assert code.cell_starts == (1, 5, 8)  # a trailing newline ends each cell


def test_magics_that_run_python_give_their_statement() -> None:
    """`%time import yaml` was blanked (the import lost); `r = %timeit -o ...` and help
    (`np.mean?`) were left as they are: a syntax error that lost every import."""
    raw = _nb(
        (
            "code",
            [
                "%time import yaml\n",
                "r = %timeit -o sum([1])\n",
                "%timeit -n 10 -r 3 import csv\n",
                "    %prun -s cumtime import networkx\n",
                "%time\n",
                "out = %sx ls\n",
                "np.mean?\n",
                "??np\n",
                "np.*load*??\n",
            ],
        ),
    )
    code = notebook_code(raw)
    assert code.text.split("\n")[:9] == [
        "import yaml",
        "",
        "import csv",
        "    import networkx",
        "",
        "",
        "",
        "",
        "",
    ]


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "[]",
        json.dumps({"cells": 3}),
        json.dumps({"cells": [{"cell_type": "code", "source": [1, 2]}]}),
        '{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
)
def test_not_a_notebook(raw: str) -> None:
    with pytest.raises(NotebookError):
        notebook_code(raw)
