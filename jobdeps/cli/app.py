"""The ``jobdeps`` command line: parse, call :mod:`jobdeps.api`, render. Nothing else."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from jobdeps import __version__

app = typer.Typer(
    name="jobdeps",
    help="Static dependency analysis for Python jobs on remote runners (DataSphere Jobs).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

# -- shared options ---------------------------------------------------------------------
Entries = Annotated[
    Optional[list[str]],  # noqa: UP045  (typer needs Optional on 3.10)
    typer.Argument(help="Entry scripts, package folders or notebooks.", show_default=False),
]
Modules = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("-m", "--module", help="A module entry, as `python -m MODULE` would run it."),
]
ConfigOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--config", "-c", help="A DataSphere job config.yaml (default: ./config.yaml)."),
]
RootOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--root", help="Project root (default: the config's folder or the current one)."),
]
PyVersionOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--python-version", help="Target Python as 3.N (default: the running one)."),
]
SitePackagesOpt = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option("--site-packages", help="Target environment's site-packages (repeatable)."),
]
PythonOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--python", help="Target interpreter: asked once for its sys.path."),
]
PathOpt = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option("--path", help="Extra import root, after the entry's folder (repeatable)."),
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the cache.")]


def fail(message: str) -> typer.Exit:
    typer.echo(f"jobdeps: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _options(
    python_version: str | None,
    site_packages: list[Path] | None,
    python: Path | None,
    paths: list[Path] | None,
    no_cache: bool,
):
    from jobdeps.api import AnalysisOptions
    from jobdeps.analyzer.stdlib import normalise_version

    if python_version is not None:
        try:
            python_version = normalise_version(python_version)
        except ValueError as exc:
            raise fail(f"--python-version: {exc}") from None
    for folder in [*(site_packages or []), *(paths or [])]:
        if not folder.is_dir():
            raise fail(f"{folder}: no such folder")
    if python is not None and not python.exists():
        raise fail(f"--python {python}: no such interpreter")
    return AnalysisOptions(
        python_version=python_version,
        site_packages=[p.resolve() for p in site_packages or []],
        python=python,
        extra_paths=[p.resolve() for p in paths or []],
        cache=not no_cache,
    )


def _run_analysis(entries, modules, config, root, options, platform_checks=None):
    from jobdeps.api import UsageError, analyze_job, load_job

    try:
        job = load_job(entries or (), modules or (), config, root)
        return job, analyze_job(job, options, platform_checks=platform_checks)
    except UsageError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001  (a traceback is never the answer)
        from jobdeps.analyzer.sitedirs import InterpreterError

        if isinstance(exc, InterpreterError):
            raise fail(str(exc)) from None
        raise


def _exit_code(findings, strict: bool = False) -> int:
    if any(f.severity.value == "error" for f in findings):
        return EXIT_FINDINGS
    if strict and any(f.severity.value == "warning" for f in findings):
        return EXIT_FINDINGS
    return EXIT_OK


@app.command()
def analyze(
    entries: Entries = None,
    module: Modules = None,
    config: ConfigOpt = None,
    root: RootOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    python_version: PyVersionOpt = None,
    site_packages: SitePackagesOpt = None,
    python: PythonOpt = None,
    path: PathOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Walk the import graph from the entry points and classify every import."""
    if fmt not in ("text", "json"):
        raise fail(f"--format must be text or json, not {fmt!r}")
    options = _options(python_version, site_packages, python, path, no_cache)
    _job, analysis = _run_analysis(entries, module, config, root, options)
    if fmt == "json":
        sys.stdout.write(json.dumps(analysis.to_json(), indent=2, sort_keys=False) + "\n")
    else:
        from jobdeps.cli.render import render_analysis

        sys.stdout.write(render_analysis(analysis))
    raise typer.Exit(_exit_code(analysis.findings))


@app.command()
def why(
    name: Annotated[str, typer.Argument(help="A distribution, module or local file.")],
    entries: Entries = None,
    module: Modules = None,
    config: ConfigOpt = None,
    root: RootOpt = None,
    python_version: PyVersionOpt = None,
    site_packages: SitePackagesOpt = None,
    path: PathOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Show the shortest import chain from an entry point to NAME."""
    from jobdeps.analyzer.why import find_targets, shortest_chain
    from jobdeps.cli.render import render_chain

    options = _options(python_version, site_packages, None, path, no_cache)
    _job, analysis = _run_analysis(entries, module, config, root, options)
    targets = find_targets(analysis, name)
    if not targets:
        raise fail(f"{name}: not imported by the job")
    for target in targets:
        sys.stdout.write(render_chain(target, shortest_chain(analysis, target)))


def _split_codes(values: list[str] | None) -> list[str]:
    return [c.strip().upper() for v in values or [] for c in v.split(",") if c.strip()]


@app.command()
def check(
    entries: Entries = None,
    module: Modules = None,
    config: ConfigOpt = None,
    root: RootOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", help="text, json, github or sarif.")
    ] = "text",
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
    include: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--include", help="Extra files to ship (glob, repeatable)."),
    ] = None,
    allow: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--allow", help="A path the secret check lets through (repeatable)."),
    ] = None,
    python_version: PyVersionOpt = None,
    site_packages: SitePackagesOpt = None,
    python: PythonOpt = None,
    path: PathOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Run every rule before the job is submitted: exit 0 clean, 1 errors, 2 bad input."""
    from jobdeps.api import UsageError, check_job, load_job
    from jobdeps.cli.reporters import FORMATS, CheckReport, get_reporter
    from jobdeps.preflight import CheckOptions

    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if dialect not in (None, "pip", "datasphere"):
        raise fail(f"--dialect must be pip or datasphere, not {dialect!r}")
    options = _options(python_version, site_packages, python, path, no_cache)
    check_options = CheckOptions(
        select=_split_codes(select),
        ignore=_split_codes(ignore),
        strict=strict,
        dialect=dialect,
        include=include or [],
        allow=allow or [],
        transitive=transitive,
    )
    try:
        job = load_job(entries or (), module or (), config, root)
        result = check_job(job, options, check_options)
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
    reporter = get_reporter(fmt, color=sys.stdout.isatty() if fmt == "text" else False)
    sys.stdout.write(reporter.render(report))
    raise typer.Exit(result.exit_code)


@app.command()
def bundle(
    entries: Entries = None,
    module: Modules = None,
    config: ConfigOpt = None,
    root: RootOpt = None,
    outdir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--outdir", help="Where to write the bundle (default: .jobdeps/)."),
    ] = None,
    include: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--include", help="Extra files to ship (glob, repeatable)."),
    ] = None,
    allow: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--allow", help="A path the secret check lets through (repeatable)."),
    ] = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Unpack like the platform and re-check imports.")
    ] = False,
    python_version: PyVersionOpt = None,
    site_packages: SitePackagesOpt = None,
    python: PythonOpt = None,
    path: PathOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Write local/, local.zip, requirements.txt, manifest.json and config.manual.yaml."""
    from jobdeps.api import UsageError, bundle_job, load_job
    from jobdeps.bundler.bundle import BundleRefused
    from jobdeps.bundler.sizes import format_size

    options = _options(python_version, site_packages, python, path, no_cache)
    try:
        job = load_job(entries or (), module or (), config, root)
        result, verified = bundle_job(
            job, options, outdir, include=include or [], allow=allow or [], verify=verify
        )
    except UsageError as exc:
        raise fail(str(exc)) from None
    except BundleRefused as exc:
        for f in exc.findings:
            typer.echo(f"{f.location()}: {f.code} {f.severity.value}: {f.message}", err=True)
        typer.echo("jobdeps: bundle refused; the previous bundle (if any) is unchanged", err=True)
        raise typer.Exit(EXIT_FINDINGS) from None
    plan = result.plan
    out = sys.stdout
    out.write(f"Bundle written to {result.outdir}\n")
    out.write(f"  local files: {len(plan.files)} ({format_size(plan.total_bytes)})\n")
    for rel, size in plan.sizes.largest(5) if plan.sizes else []:
        out.write(f"    {format_size(size):>10}  {rel}\n")
    out.write(f"  requirements: {len(result.requirements.lines)} lines\n")
    out.write(f"  local.zip sha256: {result.archive_sha256}\n")
    if result.local_paths:
        out.write(f"  local-paths: {', '.join(result.local_paths)}\n")
    findings = result.findings + verified
    for f in findings:
        out.write(f"{f.location()}: {f.code} {f.severity.value}: {f.message}\n")
    if verify:
        out.write("verify: " + ("FAILED\n" if verified else "every import resolves in the bundle\n"))
    raise typer.Exit(EXIT_FINDINGS if verified else _exit_code(result.findings))


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"jobdeps {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """jobdeps: find what a Python job needs, statically, before it runs remotely."""


def main() -> None:
    """Console entry point: usage errors exit 2 with one line, never a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("jobdeps: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("JOBDEPS_DEBUG"):
            raise
        typer.echo(
            f"jobdeps: internal error: {type(exc).__name__}: {exc} (set JOBDEPS_DEBUG=1 for details)",
            err=True,
        )
        sys.exit(EXIT_USAGE)
