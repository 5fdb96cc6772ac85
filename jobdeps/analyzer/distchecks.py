"""Findings and requirement lines for installed (or missing) distributions.

Small pure helpers the pipeline calls per imported distribution: how it was
installed (PEP 610 editable / VCS / URL), whether its local version label can
be served, and what to require when it is not installed at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal
from urllib.parse import urlparse

from jobdeps.analyzer.distmeta import Distribution
from jobdeps.analyzer.findings import Finding, Severity, finding
from jobdeps.analyzer.namemap import distribution_for_import

Dialect = Literal["platform", "pip"]

# Indexes known to serve local-labelled wheels for any label, by host and path prefix.
_ANY_LABEL_INDEXES = (("download.pytorch.org", "/whl"),)


def local_label_served(label: str, extra_index_urls: Sequence[str]) -> bool:
    """Whether one of ``extra_index_urls`` can serve a version with local ``label``.

    True when an index URL names the label as a path segment
    (``https://download.pytorch.org/whl/cu121``) or is a known index serving
    every label (``https://download.pytorch.org/whl``).
    """
    bare = label.lstrip("+").lower()
    for url in extra_index_urls:
        parsed = urlparse(url.strip())
        segments = [s.lower() for s in parsed.path.split("/") if s]
        if bare in segments:
            return True
        path = "/" + "/".join(segments)
        for host, prefix in _ANY_LABEL_INDEXES:
            if parsed.hostname == host and path == prefix:
                return True
    return False


def requirement_line(dist: Distribution, dialect: Dialect = "platform") -> str | None:
    """What to write for ``dist``: ``name==version``, ``name @ URL`` (pip), or ``None``.

    ``None`` for an editable install: its files are local code, not a requirement.
    VCS and URL installs become ``name @ URL`` in the pip dialect; the platform
    accepts only ``name==version``, so it gets the pin (and :func:`install_findings`
    reports the problem).
    """
    direct = dist.direct_url
    if direct is not None and direct.editable:
        return None
    if direct is not None and dialect == "pip":
        return f"{dist.name} @ {direct.pip_url()}"
    return dist.pin()


def install_findings(
    dist: Distribution,
    *,
    dialect: Dialect = "platform",
    extra_index_urls: Sequence[str] = (),
    path: str | None = None,
    line: int | None = None,
) -> list[Finding]:
    """Findings about how ``dist`` was installed, at the import that needs it."""
    out: list[Finding] = []
    direct = dist.direct_url
    if direct is not None and direct.editable:
        out.append(
            finding(
                "ENV005",
                f"{dist.name} is an editable install of {direct.url}, found only through "
                "site-packages: the requirements leave it out and the bundle does not ship "
                "it, so the import fails on the job's machine",
                path,
                line,
                severity=Severity.ERROR if dialect == "platform" else Severity.WARNING,
            )
        )
    elif direct is not None:
        how = f"{direct.vcs} repository" if direct.kind == "vcs" else direct.kind
        out.append(
            finding(
                "ENV006",
                f"{dist.name} {dist.version} was installed from "
                f"{'an' if how[:1] in ('a', 'e', 'i', 'o', 'u') else 'a'} {how} "
                f"({direct.pip_url()})",
                path,
                line,
                severity=Severity.ERROR if dialect == "platform" else Severity.INFO,
            )
        )
    if dist.local_version and not local_label_served(dist.local_version, extra_index_urls):
        out.append(
            finding(
                "ENV007",
                f"{dist.name}=={dist.version} has local label {dist.local_version}, "
                "which no configured index serves",
                path,
                line,
            )
        )
    return out


def unresolved_import(
    import_name: str, path: str | None = None, line: int | None = None
) -> tuple[str, str, list[Finding]]:
    """``(distribution, source, findings)`` for an import the environment does not have."""
    dist, source = distribution_for_import(import_name)
    out = [
        finding(
            "ENV001",
            f"{import_name} is not installed in the target environment; "
            f"requiring {dist} unpinned ({source})",
            path,
            line,
        )
    ]
    if source == "guessed":
        out.append(
            finding(
                "ENV002",
                f"no known distribution provides {import_name}; guessed {dist}",
                path,
                line,
            )
        )
    return dist, source, out
