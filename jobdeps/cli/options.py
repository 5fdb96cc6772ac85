"""What every command shares: option types, building analysis options, errors, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from jobdeps.analyzer.findings import failing

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
IncludeOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--include", help="Extra files to ship (glob, repeatable)."),
]
AllowOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--allow", help="A path the secret check lets through (repeatable)."),
]


def fail(message: str) -> typer.Exit:
    typer.echo(f"jobdeps: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def analysis_options(
    python_version: str | None,
    site_packages: list[Path] | None,
    python: Path | None,
    paths: list[Path] | None,
    no_cache: bool,
):
    from jobdeps.analyzer.stdlib import normalise_version
    from jobdeps.api import AnalysisOptions

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


def run_analysis(entries, modules, config, root, options, platform_checks=None):
    from jobdeps.api import UsageError, analyze_job, load_job

    try:
        job = load_job(entries or (), modules or (), config, root)
        return job, analyze_job(job, options, platform_checks=platform_checks)
    except UsageError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}") from None
    except Exception as exc:
        from jobdeps.analyzer.sitedirs import InterpreterError

        if isinstance(exc, InterpreterError):
            raise fail(str(exc)) from None
        raise


def exit_code(findings, strict: bool = False) -> int:
    return EXIT_FINDINGS if failing(findings, strict) else EXIT_OK
