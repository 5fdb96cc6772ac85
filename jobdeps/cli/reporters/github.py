"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

GitHub shows these as annotations on the pull request. Paths are taken as they
are in the findings (relative to the project root), which is what GitHub
expects when the project root is the repository checkout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobdeps.analyzer.findings import Finding, Severity

if TYPE_CHECKING:
    from jobdeps.cli.reporters import CheckReport

_COMMAND = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


class GithubReporter:
    format = "github"

    def render(self, report: CheckReport) -> str:
        return "".join(annotation(f) + "\n" for f in report.findings)


def annotation(f: Finding) -> str:
    """``::error file=PATH,line=N,col=C,title=CODE::message`` for one finding."""
    props: list[tuple[str, str]] = []
    if f.path is not None:
        props.append(("file", f.path))
        if f.line is not None:
            props.append(("line", str(f.line)))
            if f.col is not None:
                props.append(("col", str(f.col)))
    props.append(("title", f.code))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{_COMMAND[f.severity]} {rendered}::{escape_data(f.message)}"


def escape_data(text: str) -> str:
    """Escape a command's message the way the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as data, and also ``:`` and ``,``, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
