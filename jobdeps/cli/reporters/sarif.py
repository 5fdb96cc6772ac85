"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run; the driver lists the rules the findings use (from the rule registry,
or a bare descriptor for a code the registry does not know), and every result
points at its rule by id and index. File locations are relative to
``%SRCROOT%``, left unbound so that no absolute path of this machine gets into
the log (viewers resolve it against the repository). The document is built in a
fixed order from the report alone, so the same report always renders the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote

from jobdeps.analyzer.findings import Finding, Rule, Severity, all_rules

if TYPE_CHECKING:
    from jobdeps.cli.reporters import CheckReport

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://pypi.org/project/jobdeps/"
SRCROOT = "%SRCROOT%"

_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}


class SarifReporter:
    """Renders SARIF; ``rules`` (code -> Rule) defaults to the registry, read at render time."""

    format = "sarif"

    def __init__(self, rules: Mapping[str, Rule] | None = None) -> None:
        self._rules = rules

    def render(self, report: CheckReport) -> str:
        rules = self._rules if self._rules is not None else {r.code: r for r in all_rules()}
        return json.dumps(build_log(report, rules), indent=2, check_circular=False) + "\n"


def build_log(report: CheckReport, rules: Mapping[str, Rule]) -> dict:
    """The SARIF log as a dict."""
    codes = sorted({f.code for f in report.findings})
    index = {code: i for i, code in enumerate(codes)}
    run: dict = {
        "tool": {
            "driver": {
                "name": "jobdeps",
                "version": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_rule_descriptor(code, rules.get(code)) for code in codes],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.code]) for f in report.findings],
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _rule_descriptor(code: str, rule: Rule | None) -> dict:
    if rule is None:  # a code outside the registry: say only what we know
        return {"id": code}
    descriptor: dict = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
    }
    if rule.hint:
        descriptor["help"] = {"text": rule.hint}
    descriptor["defaultConfiguration"] = {"level": _LEVEL[rule.severity]}
    descriptor["properties"] = {"tags": [rule.group]}
    return descriptor


def _result(f: Finding, rule_index: int) -> dict:
    result: dict = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
    }
    if f.path is not None:
        physical: dict = {"artifactLocation": artifact_location(f.path)}
        if f.line is not None and f.line >= 1:
            region: dict = {"startLine": f.line}
            if f.col is not None and f.col >= 1:
                region["startColumn"] = f.col
            physical["region"] = region
        result["locations"] = [{"physicalLocation": physical}]
    return result


def artifact_location(path: str) -> dict:
    """A finding's posix path as an artifactLocation: relative to %SRCROOT%, or absolute."""
    if PurePosixPath(path).is_absolute():
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": SRCROOT}
