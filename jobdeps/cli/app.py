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
