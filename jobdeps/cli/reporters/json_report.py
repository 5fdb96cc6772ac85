"""Machine-readable output: the same finding objects as ``jobdeps analyze``, plus a summary.

Named ``json_report`` so that it never shadows the standard ``json`` module.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobdeps.cli.reporters import CheckReport

# Bump when a key changes meaning or disappears; adding keys does not bump it.
SCHEMA_VERSION = 1

_RESERVED = frozenset({"version", "tool", "findings", "summary", "entries"})


class JsonReporter:
    format = "json"

    def render(self, report: CheckReport) -> str:
        document = build_document(report)
        return json.dumps(document, sort_keys=True, indent=2, check_circular=False) + "\n"


def build_document(report: CheckReport) -> dict:
    """The JSON document as a dict; ``report.extra`` is merged in at the top level.

    Raises ``ValueError`` if ``extra`` would overwrite one of the report's own keys:
    that is a programming error, and silently dropping either side would hide it.
    """
    clash = sorted(_RESERVED.intersection(report.extra))
    if clash:
        raise ValueError(f"extra JSON keys clash with the report's own: {', '.join(clash)}")
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "jobdeps", "version": report.tool_version},
        "findings": [f.to_dict() for f in report.findings],
        "summary": report.summary(),
        "entries": list(report.entries),
        **report.extra,
    }
