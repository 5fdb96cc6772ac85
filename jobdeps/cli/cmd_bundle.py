"""``jobdeps bundle``: write what the platform consumes, and optionally verify it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

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
    exit_code,
    fail,
)


def bundle(
    entries: Entries = None,
    module: Modules = None,
    config: ConfigOpt = None,
    root: RootOpt = None,
    outdir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--outdir", help="Where to write the bundle (default: .jobdeps/)."),
    ] = None,
    include: IncludeOpt = None,
    allow: AllowOpt = None,
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
    from jobdeps.bundler.bundle import BundleRefused, UnsafeOutdir
    from jobdeps.bundler.sizes import format_size

    options = analysis_options(python_version, site_packages, python, path, no_cache)
    try:
        job = load_job(entries or (), module or (), config, root)
        result, verified = bundle_job(
            job, options, outdir, include=include or [], allow=allow or [], verify=verify
        )
    except (UsageError, UnsafeOutdir) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:  # a read-only disk, a file where a folder should be...
        where = exc.filename if exc.filename is not None else (outdir or ".jobdeps")
        raise fail(f"{where}: cannot write the bundle: {exc.strerror or exc}") from None
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
        out.write(
            "verify: " + ("FAILED\n" if verified else "every import resolves in the bundle\n")
        )
    raise typer.Exit(EXIT_FINDINGS if verified else exit_code(result.findings))


def register(app: typer.Typer) -> None:
    app.command()(bundle)
