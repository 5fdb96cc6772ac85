"""``jobdeps requirements``: write pinned requirements, or check an existing file.

Writing: the file text goes to stdout (or ``-o FILE``, atomically); the
findings about it (and the analysis' import and environment findings) go to
stderr. Checking (``--check FILE``): the findings go to stdout in ``--format``.
Either way the exit code is 1 when a finding is an error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from jobdeps.analyzer.results import relpath
from jobdeps.cli.options import (
    ConfigOpt,
    Entries,
    Modules,
    NoCacheOpt,
    PathOpt,
    PythonOpt,
    PyVersionOpt,
    RootOpt,
    SitePackagesOpt,
    analysis_options,
    exit_code,
    fail,
    run_analysis,
)

# Analysis findings that bear on the requirements (what is imported, what is installed).
_RELEVANT_PREFIXES = ("IMP", "ENV", "REQ")

DialectOpt = Annotated[
    Optional[str],  # noqa: UP045  (typer needs Optional on 3.10)
    typer.Option(
        "--dialect",
        help="datasphere (only lines the platform accepts; default with a config) or pip.",
    ),
]
PinOpt = Annotated[
    str, typer.Option("--pin", help="exact (==), compatible (~=) or none (bare names).")
]
TransitiveOpt = Annotated[
    bool,
    typer.Option(
        "--transitive", help="The whole Requires-Dist closure (always with no-deps: true)."
    ),
]
NoOptionalOpt = Annotated[
    bool, typer.Option("--no-optional", help="Leave out optional (try/except) imports.")
]
OutputOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output", "-o", help="Write the file here (atomically) instead of stdout."),
]
CheckOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--check", help="Compare this requirements file with what the code needs."),
]
FormatOpt = Annotated[
    str, typer.Option("--format", help="Findings of --check: text, json, github or sarif.")
]


def requirements(
    entries: Entries = None,
    module: Modules = None,
    config: ConfigOpt = None,
    root: RootOpt = None,
    dialect: DialectOpt = None,
    pin: PinOpt = "exact",
    transitive: TransitiveOpt = False,
    no_optional: NoOptionalOpt = False,
    output: OutputOpt = None,
    check: CheckOpt = None,
    fmt: FormatOpt = "text",
    python_version: PyVersionOpt = None,
    site_packages: SitePackagesOpt = None,
    python: PythonOpt = None,
    path: PathOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Write the job's pinned requirements, or --check an existing requirements file."""
    from jobdeps.bundler.requirements import DIALECTS, PINS

    if dialect is not None and dialect not in DIALECTS:
        raise fail(f"--dialect must be one of {', '.join(DIALECTS)}, not {dialect!r}")
    if pin not in PINS:
        raise fail(f"--pin must be one of {', '.join(PINS)}, not {pin!r}")
    if check is not None and output is not None:
        raise fail("--check reads a file and writes none: drop -o")
    from jobdeps.cli.reporters import FORMATS

    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if check is not None and not check.is_file():
        what = "is a folder, not a requirements file" if check.is_dir() else "no such file"
        raise fail(f"{check}: {what}")
    if output is not None and not output.resolve().parent.is_dir():
        raise fail(f"{output}: no such folder {output.resolve().parent}")

    options = analysis_options(python_version, site_packages, python, path, no_cache)
    job, analysis = run_analysis(entries, module, config, root, options)
    from jobdeps.api import default_dialect

    chosen = dialect or default_dialect(job)
    python_env = job.config.env.python if job.config is not None else None
    pip = python_env.pip if python_env is not None else None

    if check is not None:
        _check(check, analysis, chosen, pip, transitive, fmt)
        return

    from jobdeps.analyzer.findings import sort_findings
    from jobdeps.bundler.requirements import build_requirements

    result = build_requirements(
        analysis,
        pip=pip,
        transitive=transitive,
        include_optional=not no_optional,
        pin=pin,
        dialect=chosen,
    )
    text = result.render()
    relevant = [f for f in analysis.findings if f.code.startswith(_RELEVANT_PREFIXES)]
    findings = sort_findings(relevant + result.findings)
    if output is None:
        sys.stdout.write(text)
    else:
        from jobdeps.bundler.atomic import write_text

        try:
            write_text(output, text)
        except OSError as exc:
            raise fail(f"{output}: {exc.strerror or exc}") from None
    if findings:
        sys.stderr.write(_findings_text(findings, analysis.root))
    raise typer.Exit(exit_code(findings))


def _findings_text(findings, root: Path) -> str:
    from jobdeps import __version__
    from jobdeps.cli.reporters import CheckReport, get_reporter

    report = CheckReport(findings=findings, tool_version=__version__, root=root)
    return get_reporter("text", color=False).render(report)


def _check(check: Path, analysis, dialect: str, pip, transitive: bool, fmt: str) -> None:
    from jobdeps import __version__
    from jobdeps.bundler.closure import TargetSpec, requirement_closure
    from jobdeps.bundler.reqfile import check_requirements_file
    from jobdeps.bundler.requirements import needed_distributions
    from jobdeps.cli.reporters import CheckReport, get_reporter

    transitive_names = None
    if transitive:
        roots = sorted({n.pin_canonical for n in needed_distributions(analysis) if n.installed})
        target = TargetSpec(python_version=analysis.target_version)
        closure, _ = requirement_closure(analysis.environment, roots, target)
        transitive_names = set(closure.nodes)
    findings = check_requirements_file(
        check,
        analysis,
        dialect=dialect,
        display_path=relpath(check.resolve(), analysis.root),
        pip=pip,
        transitive_names=transitive_names,
    )
    report = CheckReport(findings=findings, tool_version=__version__, root=analysis.root)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR") if fmt == "text" else None
    sys.stdout.write(get_reporter(fmt, color=color).render(report))
    raise typer.Exit(exit_code(findings))


def register(app: typer.Typer) -> None:
    """Add the ``requirements`` command to ``app``."""
    app.command("requirements")(requirements)
