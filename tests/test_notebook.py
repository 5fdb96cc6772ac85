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
    assert [i.module for i in facts.imports] == ["yaml", "networkx"]
    assert code.pip_installs == ((1, "torch==2.1"),)
    lines = code.text.split("\n")
    assert lines[1] == "import yaml"
    assert code.cell_starts == (1, 5, 8)  # a trailing newline ends each cell


@pytest.mark.parametrize("raw", ["{not json", "[]", json.dumps({"cells": 3})])
def test_not_a_notebook(raw: str) -> None:
    with pytest.raises(NotebookError):
        notebook_code(raw)
