"""The rule catalog: one module per group, each registering its rules on import.

``docs/rules.md`` documents every code registered here; a test keeps the two in step.
"""

from __future__ import annotations

import importlib

for _group in ("config", "imports", "environment", "requirements", "bundle"):
    try:
        importlib.import_module(f"jobdeps.analyzer.rules.{_group}")
    except ModuleNotFoundError as exc:  # a group not written yet
        if exc.name != f"jobdeps.analyzer.rules.{_group}":
            raise
