"""The public Python API: everything the CLI does, as functions.

    from jobdeps.api import load_job, analyze_job
    job = load_job(config="config.yaml")
    analysis = analyze_job(job)

:func:`load_job` turns what the user points at (entry paths, ``-m`` modules, or a
DataSphere ``config.yaml``) into entry points and the findings of reading the
config; :func:`analyze_job` walks the import graph and adds the checks that
need both (entry guards, manual-mode coverage).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from jobdeps.analyzer.analysis import AnalysisOptions, EntryError, analyze
from jobdeps.analyzer.entries import EntrySpec
from jobdeps.analyzer.findings import Finding
from jobdeps.analyzer.results import Analysis, relpath
from jobdeps.analyzer.settings import ProjectSettings, load_settings
from jobdeps.preflight import filter_findings

if TYPE_CHECKING:  # the YAML reader is imported only when there is a config to read
    from jobdeps.analyzer.jobconfig import JobConfig, PipOptions

__all__ = [
    "Analysis",
    "AnalysisOptions",
    "EntryError",
    "Job",
    "UsageError",
    "analyze_job",
    "bundle_job",
    "check_job",
    "load_job",
    "requirements_for",
]

DEFAULT_CONFIG_NAME = "config.yaml"


class UsageError(ValueError):
    """Bad input from the user (missing file, no entry): one clear line, exit 2."""


class ConfigUnusable(UsageError):
    """The config cannot be read at all (CFG001-CFG003); ``findings`` say why."""

    def __init__(self, message: str, findings: list[Finding]) -> None:
        super().__init__(message)
        self.findings = findings


@dataclass
class Job:
    """What to analyse: the project root, its entries, and the config if there is one."""

    root: Path
    entries: list[EntrySpec]
    config: JobConfig | None = None
    findings: list[Finding] = field(default_factory=list)
    settings: ProjectSettings = field(default_factory=ProjectSettings)

    @property
    def target_version(self) -> str | None:
        """The Python version the config asks for (manual mode's ``version``)."""
        from jobdeps.analyzer.stdlib import normalise_version

        python = self.config.env.python if self.config else None
        if python is None or not python.version:
            return None
        try:
            return normalise_version(python.version)
        except ValueError:
            return None  # CFG010 says so; analyse for the running Python meanwhile


def load_job(
    entries: Sequence[str] = (),
    modules: Sequence[str] = (),
    config: str | Path | None = None,
    root: str | Path | None = None,
    cwd: Path | None = None,
) -> Job:
    """Build a :class:`Job` from entry paths (relative to ``cwd``), ``-m`` modules, or a config.

    With no entries, no modules and no config, ``config.yaml`` in the root (or
    the current folder) is used when it exists.
    """
    from jobdeps.analyzer.entries import entry_for_path

    cwd = (cwd or Path.cwd()).resolve()
    root_path = (cwd / root).resolve() if root is not None else None
    if config is None and not entries and not modules:
        candidate = (root_path or cwd) / DEFAULT_CONFIG_NAME
        if candidate.is_file():
            config = candidate
        else:
            raise UsageError(
                "nothing to analyse: give entry scripts, -m MODULE, or --config config.yaml "
                f"(no {DEFAULT_CONFIG_NAME} in {root_path or cwd})"
            )
    job_config: JobConfig | None = None
    findings: list[Finding] = []
    specs: list[EntrySpec] = []
    if config is not None:
        from jobdeps.analyzer.cmdline import discover_entries
        from jobdeps.analyzer.config_checks import check_config_file

        config_path = (cwd / config).resolve()
        if not config_path.is_file():
            what = "no such config file"
            if config_path.is_dir():
                what = "is a folder, not a config file"
            raise UsageError(f"{config}: {what}")
        root_path = root_path or config_path.parent
        job_config, config_findings = check_config_file(config_path, root_path)
        findings.extend(config_findings)
        if job_config is None:
            bad = next((f for f in config_findings if f.severity.value == "error"), None)
            where = bad.location() if bad else str(config)
            raise ConfigUnusable(
                f"{where}: {bad.message if bad else 'unusable config'}", config_findings
            )
        discovered, discovery_findings = discover_entries(job_config)
        findings.extend(discovery_findings)
        base = job_config.base_dir.resolve()
        for spec in discovered:
            if base != root_path:  # config paths are relative to its folder
                target = spec.target
                if spec.kind != "module":
                    target = relpath(base / spec.target, root_path)
                paths = tuple(relpath(base / p, root_path) for p in spec.pythonpath)
                spec = replace(spec, target=target, pythonpath=paths)
            specs.append(spec)
    root_path = root_path or cwd
    if not root_path.is_dir():
        raise UsageError(f"{root}: the project root is not a folder")
    for entry in entries:
        path = (cwd / entry).resolve()
        if not path.exists():
            raise UsageError(f"{entry}: no such file")
        specs.append(entry_for_path(relpath(path, root_path), root=root_path))
    for module in modules:
        specs.append(EntrySpec("module", module))
    settings, setting_findings = load_settings(root_path)
    return Job(root_path, _dedupe(specs), job_config, findings + setting_findings, settings)


def _dedupe(specs: list[EntrySpec]) -> list[EntrySpec]:
    seen: set[tuple[str, str]] = set()
    out = []
    for spec in specs:
        if (spec.kind, spec.target) not in seen:
            seen.add((spec.kind, spec.target))
            out.append(spec)
    return out


def analyze_job(
    job: Job, options: AnalysisOptions | None = None, *, platform_checks: bool | None = None
) -> Analysis:
    """Analyse a job; with a config (or ``platform_checks``), add the platform's own checks.

    Raises :class:`UsageError` for an entry that does not exist.
    """
    options = options or AnalysisOptions()
    options.root = job.root
    # The target Python: the flag, else the config's `version` (what the platform runs),
    # else [tool.jobdeps] python-version, else the running interpreter.
    options.python_version = (
        options.python_version or job.target_version or job.settings.python_version
    )
    if not options.extra_paths and job.settings.paths:
        options.extra_paths = [job.root / p for p in job.settings.paths]
    if not job.entries and job.config is None:
        raise UsageError("no entry points found")
    # A config with no usable entry still gets its findings (CFG004, CFG029, CFG030).
    try:
        analysis = analyze(job.entries, options)
    except EntryError as exc:
        raise UsageError(str(exc)) from None
    extra = list(job.findings)
    if platform_checks if platform_checks is not None else job.config is not None:
        extra.extend(_entry_guards(analysis))
    if job.config is not None:
        from jobdeps.analyzer.config_checks import check_total_size
        from jobdeps.analyzer.manual_mode import check_manual_mode

        local_bytes = sum(_size(f.path) for f in analysis.local_files.values())
        extra.extend(check_total_size(job.config, local_bytes))
        extra.extend(check_manual_mode(job.config, analysis))
        extra.extend(_manual_requirements(job, analysis))
    settings = job.settings
    analysis.findings = filter_findings(
        analysis.findings + extra,
        analysis,
        select=settings.select,
        ignore=settings.ignore,
        severity=settings.severity,
    )
    return analysis


def _manual_requirements(job: Job, analysis: Analysis) -> list[Finding]:
    """Manual mode: the user's ``requirements-file`` must cover what the code imports."""
    python = job.config.env.python if job.config else None
    if python is None or python.type != "manual" or not python.requirements_file:
        return []
    from jobdeps.bundler.reqfile import check_requirements_file

    path = job.config.base_dir / python.requirements_file
    if not path.is_file():
        return []  # CFG015 already says it does not exist
    return check_requirements_file(
        path,
        analysis,
        dialect="datasphere",
        display_path=relpath(path.resolve(), job.root),
        pip=python.pip,
    )


def requirements_for(
    job: Job,
    analysis: Analysis,
    *,
    dialect: str = "pip",
    transitive: bool = False,
    include_optional: bool = True,
    pin: str = "exact",
):
    """The requirements of an analysed job (a ``RequirementsResult``), with the config's pip
    options; ``no-deps: true`` forces the transitive closure (pip installs nothing else)."""
    from jobdeps.bundler.requirements import build_requirements

    python = job.config.env.python if job.config else None
    pip = python.pip if python is not None else None
    if python is not None and python.requirements_file and job.config is not None:
        pip = _with_file_options(pip, job.config.base_dir / python.requirements_file)
    if pip is not None and pip.no_deps:
        transitive = True
    result = build_requirements(
        analysis,
        pip=pip,
        transitive=transitive,
        include_optional=include_optional,
        pin=pin,
        dialect=dialect,
    )
    settings = job.settings
    result.findings = filter_findings(
        result.findings,
        analysis,
        select=settings.select,
        ignore=settings.ignore,
        severity=settings.severity,
    )
    return result


def _with_file_options(pip: PipOptions | None, path: Path) -> PipOptions | None:
    """The config's pip options plus the index options of the job's own requirements
    file (manual mode): written requirements replace that file, so its
    ``--extra-index-url``, ``--trusted-host``, ``--index-url`` and ``--no-deps``
    lines must carry over, or packages from a private index fail to install."""
    from jobdeps.analyzer.jobconfig import PipOptions
    from jobdeps.bundler.reqfile import parse_requirements_file

    if not path.is_file():
        return pip
    pip = pip or PipOptions()
    extra, hosts = list(pip.extra_index_urls), list(pip.trusted_hosts)
    index_url, no_deps = pip.index_url, pip.no_deps
    for line in parse_requirements_file(path, path.name).lines:
        if line.kind != "option" or (line.value is None and line.option != "--no-deps"):
            continue
        if line.option == "--extra-index-url" and line.value not in extra:
            extra.append(line.value)
        elif line.option == "--trusted-host" and line.value not in hosts:
            hosts.append(line.value)
        elif line.option == "--index-url" and index_url is None:
            index_url = line.value
        elif line.option == "--no-deps":
            no_deps = True
    return replace(
        pip, index_url=index_url, extra_index_urls=extra, trusted_hosts=hosts, no_deps=no_deps
    )


def default_dialect(job: Job) -> str:
    """``[tool.jobdeps] dialect``, else the platform's with a config, else pip's."""
    return job.settings.dialect or ("datasphere" if job.config is not None else "pip")


def check_job(job: Job, options: AnalysisOptions | None = None, check_options=None):
    """Run every rule on ``job``: see :func:`jobdeps.preflight.run_checks`."""
    from jobdeps.preflight import run_checks

    return run_checks(job, options, check_options)


def bundle_job(
    job: Job,
    options: AnalysisOptions | None = None,
    outdir: Path | None = None,
    *,
    include: Sequence[str] = (),
    allow: Sequence[str] = (),
    verify: bool = False,
):
    """Analyse ``job`` and write its bundle (see :mod:`jobdeps.bundler.bundle`).

    Returns ``(BundleResult, verify_findings)``; raises ``BundleRefused`` on errors and
    ``UnsafeOutdir`` when ``outdir`` holds anything but an earlier bundle.
    """
    from jobdeps.bundler.bundle import DEFAULT_OUTDIR, check_outdir, verify_bundle, write_bundle

    settings = job.settings
    options = options or AnalysisOptions()
    outdir = outdir or job.root / DEFAULT_OUTDIR
    check_outdir(outdir, job.root)  # before the analysis: fail fast
    analysis = analyze_job(job, options)
    requirements = requirements_for(job, analysis, dialect="datasphere")
    result = write_bundle(
        analysis,
        requirements,
        outdir,
        config=job.config,
        include=[*settings.include, *include],
        allow=[*settings.allow, *allow],
    )
    result.findings = filter_findings(
        result.findings + analysis.findings,
        analysis,
        select=settings.select,
        ignore=settings.ignore,
        severity=settings.severity,
    )
    verified = verify_bundle(analysis, result.outdir, options) if verify else []
    return result, verified


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _entry_guards(analysis: Analysis) -> list[Finding]:
    """The platform runs each entry script's top level while exploring: it needs a guard."""
    from jobdeps.analyzer.entry_guard import check_entry_guard

    found: list[Finding] = []
    for rel, entry in sorted(analysis.entry_files.items()):
        if entry.kind not in ("script", "package") or rel.endswith(".ipynb"):
            continue
        facts = analysis.facts.get(rel)
        source = analysis.sources.get(rel)
        if facts is None or source is None or facts.syntax_error is not None:
            continue
        found.extend(check_entry_guard(source, rel, facts.main_guard_line))
    return found
