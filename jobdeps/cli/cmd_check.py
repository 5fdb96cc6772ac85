"""``jobdeps check``: the preflight, every rule, in the format CI speaks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from jobdeps import __version__
from jobdeps.cli.options import (
    EXIT_FINDINGS,
    AllowOpt,
    ConfigOpt,
    Entries,
    IncludeOpt,
    Modules,
    NoCacheOpt,
    PathOpt,
    PythonOpt,
    PyVersionOpt,
    RootOpt,
    SitePackagesOpt,
    analysis_options,
    fail,
)


def _split_codes(values: list[str] | None) -> list[str]:
    return [c.strip().upper() for v in values or [] for c in v.split(",") if c.strip()]


def check(
    entries: Entries = None,
    module: Modules = None,
    config: ConfigOpt = None,
    root: RootOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json, github or sarif.")] = "text",
    select: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--select", help="Only these rule codes or prefixes (comma-separated)."),
    ] = None,
    ignore: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--ignore", help="Skip these rule codes or prefixes (comma-separated)."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
    dialect: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--dialect", help="Requirements dialect to judge: pip or datasphere."),
    ] = None,
    transitive: Annotated[
        bool, typer.Option("--transitive", help="Check the full Requires-Dist closure.")
    ] = False,
    include: IncludeOpt = None,
    allow: AllowOpt = None,
    python_version: PyVersionOpt = None,
    site_packages: SitePackagesOpt = None,
    python: PythonOpt = None,
    path: PathOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Run every rule before the job is submitted: exit 0 clean, 1 errors, 2 bad input."""
    from jobdeps.api import ConfigUnusable, UsageError, check_job, load_job
    from jobdeps.cli.reporters import FORMATS, CheckReport, get_reporter
    from jobdeps.preflight import CheckOptions

    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if dialect not in (None, "pip", "datasphere"):
        raise fail(f"--dialect must be pip or datasphere, not {dialect!r}")
    from jobdeps.analyzer.findings import unknown_code

    for flag, values in (("--select", select), ("--ignore", ignore)):
        for code in _split_codes(values):
            problem = unknown_code(code)
            if problem is not None:
                raise fail(f"{flag}: {problem}")
    options = analysis_options(python_version, site_packages, python, path, no_cache)
    check_options = CheckOptions(
        select=_split_codes(select),
        ignore=_split_codes(ignore),
        strict=strict,
        dialect=dialect,
        include=include or [],
        allow=allow or [],
        transitive=transitive,
    )
    reporter = get_reporter(fmt, color=sys.stdout.isatty() if fmt == "text" else False)
    try:
        job = load_job(entries or (), module or (), config, root)
        result = check_job(job, options, check_options)
    except ConfigUnusable as exc:
        # An unreadable config is a finding (CFG001-CFG003) in every format CI reads.
        where = Path(config).resolve().parent if config else Path.cwd()
        report = CheckReport(exc.findings, __version__, where)
        sys.stdout.write(reporter.render(report))
        raise typer.Exit(EXIT_FINDINGS) from None
    except UsageError as exc:
        raise fail(str(exc)) from None
    analysis = result.analysis
    summary = analysis.to_json()
    summary.pop("findings")
    report = CheckReport(
        findings=result.findings,
        tool_version=__version__,
        root=analysis.root,
        entries=[e.to_dict() for e in analysis.entries],
        extra={"analysis": summary} if fmt == "json" else {},
    )
    sys.stdout.write(reporter.render(report))
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command()(check)
