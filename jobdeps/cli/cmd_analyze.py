"""``jobdeps analyze`` and ``jobdeps why``: the import graph, as text, JSON or a chain."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

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
    options = analysis_options(python_version, site_packages, python, path, no_cache)
    _job, analysis = run_analysis(entries, module, config, root, options)
    if fmt == "json":
        from jobdeps.cli.render import write_json

        write_json(analysis.to_json(), sys.stdout)
    else:
        from jobdeps.cli.render import render_analysis

        sys.stdout.write(render_analysis(analysis))
    raise typer.Exit(exit_code(analysis.findings))


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
    from jobdeps.analyzer.why import find_targets, shortest_chain, unresolved_chains
    from jobdeps.cli.render import render_chain

    options = analysis_options(python_version, site_packages, None, path, no_cache)
    _job, analysis = run_analysis(entries, module, config, root, options)
    targets = find_targets(analysis, name)
    chains = [(target, shortest_chain(analysis, target)) for target in targets]
    if not chains:  # imported, but resolving nowhere (optional, TYPE_CHECKING...)?
        chains = unresolved_chains(analysis, name)
    if not chains:
        raise fail(f"{name}: not imported by the job")
    for target, chain in chains:
        sys.stdout.write(render_chain(target, chain))


def register(app: typer.Typer) -> None:
    app.command()(analyze)
    app.command()(why)
