"""``jobdeps check``: every rule over one job, filtered the way the user asked.

Runs the analysis (with the platform's own checks), the requirements step, the
manual-mode coverage checks and the bundle plan, then applies inline
suppressions, ``[tool.jobdeps]`` severity overrides and ``--select``/``--ignore``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from jobdeps.analyzer.analysis import Analysis, AnalysisOptions
from jobdeps.analyzer.findings import Finding, Severity, failing, sort_findings
from jobdeps.analyzer.settings import ProjectSettings


@dataclass
class CheckOptions:
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    strict: bool = False
    dialect: str | None = None
    include: Sequence[str] = ()
    allow: Sequence[str] = ()
    transitive: bool = False
    severity: dict[str, Severity] = field(default_factory=dict)


@dataclass
class CheckResult:
    analysis: Analysis
    findings: list[Finding]
    strict: bool

    @property
    def exit_code(self) -> int:
        return 1 if failing(self.findings, self.strict) else 0


def _matches(code: str, patterns: Sequence[str]) -> bool:
    return any(code.startswith(p.strip().upper()) for p in patterns if p.strip())


def filter_findings(
    findings: Sequence[Finding],
    analysis: Analysis | None,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    severity: dict[str, Severity] | None = None,
) -> list[Finding]:
    """Apply ``# jobdeps: ignore[...]`` comments, severity overrides, select and ignore."""
    out: list[Finding] = []
    for f in findings:
        if analysis is not None and f.path is not None and f.line is not None:
            facts = analysis.facts.get(f.path)
            if facts is not None and facts.suppressed(f.line, f.code):
                continue
        if select and not _matches(f.code, select):
            continue
        if ignore and _matches(f.code, ignore):
            continue
        if severity and f.code in severity:
            f = f.with_severity(severity[f.code])
        out.append(f)
    return sort_findings(out)


def merge_settings(options: CheckOptions, settings: ProjectSettings) -> CheckOptions:
    """Command-line flags win; ``[tool.jobdeps]`` fills in what they leave unset."""
    return CheckOptions(
        select=list(options.select) or settings.select,
        ignore=[*settings.ignore, *options.ignore],
        strict=options.strict or settings.strict,
        dialect=options.dialect or settings.dialect,
        include=[*settings.include, *options.include],
        allow=[*settings.allow, *options.allow],
        transitive=options.transitive,
        severity={**settings.severity, **options.severity},
    )


def run_checks(
    job, analysis_options: AnalysisOptions | None = None, options: CheckOptions | None = None
) -> CheckResult:
    """Analyse ``job`` (a :class:`jobdeps.api.Job`) and run every rule on it."""
    from jobdeps.api import analyze_job, requirements_for
    from jobdeps.bundler.datafiles import unshipped_data_files
    from jobdeps.bundler.plan import plan_bundle

    options = merge_settings(options or CheckOptions(), job.settings)
    # analyze_job applies [tool.jobdeps] (target, paths, and its select/ignore/severity).
    analysis = analyze_job(job, analysis_options or AnalysisOptions(), platform_checks=True)
    findings: list[Finding] = list(analysis.findings)
    dialect = options.dialect or ("datasphere" if job.config is not None else "pip")
    requirements = requirements_for(job, analysis, dialect=dialect, transitive=options.transitive)
    findings.extend(requirements.findings)
    plan = plan_bundle(analysis, include=options.include, allow=options.allow)
    findings.extend(plan.findings)
    inputs = [item.path for item in job.config.inputs] if job.config is not None else []
    findings.extend(unshipped_data_files(analysis, plan.names, inputs))
    filtered = filter_findings(
        findings,
        analysis,
        select=options.select,
        ignore=options.ignore,
        severity=options.severity,
    )
    return CheckResult(analysis, filtered, options.strict)
