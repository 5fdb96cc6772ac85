"""A distribution that is not installed is reported once per file, at its first import."""

from __future__ import annotations

from pathlib import Path

from jobdeps.api import analyze_job, load_job


def test_one_finding_per_file_and_missing_distribution(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "import torch\nimport torch.nn as nn\nfrom torch.nn import functional as F\n"
        "import model\n"
    )
    (tmp_path / "model.py").write_text("import torch\nimport torch.optim\n")
    analysis = analyze_job(load_job(["main.py"], cwd=tmp_path))
    missing = [(f.code, f.path, f.line) for f in analysis.findings if f.code == "ENV001"]
    assert missing == [("ENV001", "main.py", 1), ("ENV001", "model.py", 1)]
    torch = analysis.requirement("torch")
    assert torch is not None and torch.version is None
    assert torch.locations == ["main.py:1", "main.py:2", "main.py:3", "model.py:1", "model.py:2"]
