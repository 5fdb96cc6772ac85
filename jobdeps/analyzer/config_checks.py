"""Validation of a loaded job config: what the platform's client refuses, and what it
gets silently wrong, found before the user pays for a run.

Only the config and the file system are consulted (sizes via ``os.stat``); entry
points are :mod:`jobdeps.analyzer.cmdline`'s business.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

from jobdeps.analyzer.findings import Finding, finding
from jobdeps.analyzer.jobconfig import DataPath, JobConfig, PythonEnv, load_job_config

GIB = 2**30
MAX_FILE_BYTES = 5 * GIB
MAX_TOTAL_BYTES = 10 * GIB
MAX_LIST_ENTRIES = 100
MIN_WORKING_STORAGE_GB = 100
SIGNALS = ("SIGHUP", "SIGINT", "SIGUSR1", "SIGUSR2", "SIGTERM")
PROJECT_HOME_VAR = "DS_PROJECT_HOME"
PROJECT_DISK_FLAG = "attach-project-disk"

_RESOURCE_ID = re.compile(r"[0-9a-z]{20}")
_VAR_NAME = re.compile(r"[A-Za-z0-9_-]{1,50}")
_VERSION = re.compile(r"3\.\d+(\.\d+)?")
_VAR_REF = re.compile(r"\$\{([^}]*)\}")
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", re.IGNORECASE)
_UNIT_GB = {"": 1e-9, "k": 1e-6, "m": 1e-3, "g": 1.0, "t": 1e3}


def _f(cfg: JobConfig, code: str, message: str, line: int | None, **kw) -> Finding:
    return finding(code, message, cfg.display_path, line, **kw)


def is_unsafe_path(path: str) -> bool:
    """Absolute (posix or Windows form) or climbing out with ``..``."""
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute():
        return True
    return ".." in re.split(r"[\\/]", path)


def resolve_path(cfg: JobConfig, path: str) -> Path:
    """A config path on disk: relative paths are relative to the config's folder."""
    p = Path(os.path.expanduser(path))
    return p if p.is_absolute() else cfg.base_dir / p


def path_size(path: Path) -> int:
    """Bytes in a file, or in all files under a folder (``os.stat`` only, no reading)."""
    try:
        if not path.is_dir():
            return path.stat().st_size
        total = 0
        for folder, _dirs, files in os.walk(path):
            for name in files:
                try:
                    total += os.stat(os.path.join(folder, name)).st_size
                except OSError:
                    continue
        return total
    except OSError:
        return 0


def declared_variables(cfg: JobConfig) -> list[tuple[str, int | None]]:
    """Every variable the config declares, with the line declaring it, in file order."""
    out: list[tuple[str, int | None]] = [(k, cfg.line_of("args", k)) for k in cfg.args]
    for group in (cfg.inputs, cfg.outputs, cfg.s3_mounts, cfg.datasets, cfg.output_datasets):
        out.extend((item.var, item.line) for item in group if item.var)
    return out


def _gib(n: int) -> str:
    return f"{n / GIB:.1f} GiB"


# -- the checks ------------------------------------------------------------------------


def _check_cmd(cfg: JobConfig) -> Iterator[Finding]:
    if cfg.cmd is None:
        if not cfg.has("cmd"):
            yield _f(cfg, "CFG004", "`cmd` is required", None)
    elif not cfg.cmd.strip():
        yield _f(cfg, "CFG004", "empty `cmd`", cfg.line_of("cmd"))


def _check_data_paths(cfg: JobConfig) -> Iterator[Finding]:
    for key, items in (("inputs", cfg.inputs), ("outputs", cfg.outputs)):
        for item in items:
            if item.var is None and is_unsafe_path(item.path):
                yield _f(
                    cfg,
                    "CFG016",
                    f"{key[:-1]} `{item.path}` is absolute or contains `..` and has no variable",
                    item.line,
                )
    for item in cfg.inputs:
        yield from _check_input(cfg, item)
    for key, items in (
        ("inputs", cfg.inputs),
        ("outputs", cfg.outputs),
        ("s3-mounts", cfg.s3_mounts),
        ("datasets", cfg.datasets),
    ):
        if len(items) > MAX_LIST_ENTRIES:
            yield _f(
                cfg,
                "CFG025",
                f"`{key}` has {len(items)} entries; the limit is {MAX_LIST_ENTRIES}",
                cfg.line_of(key),
            )


def _check_input(cfg: JobConfig, item: DataPath) -> Iterator[Finding]:
    path = resolve_path(cfg, item.path)
    if not path.exists():
        yield _f(cfg, "CFG015", f"input `{item.path}` does not exist", item.line)
        return
    size = path_size(path)
    if size > MAX_FILE_BYTES:
        yield _f(
            cfg,
            "CFG026",
            f"input `{item.path}` is {_gib(size)}; the limit per file is {_gib(MAX_FILE_BYTES)}",
            item.line,
        )


def _check_variables(cfg: JobConfig) -> Iterator[Finding]:
    declared = declared_variables(cfg)
    seen: set[str] = set()
    for name, line in declared:
        if not _VAR_NAME.fullmatch(name):
            yield _f(cfg, "CFG019", f"variable name `{name}` is not 1-50 of [A-Za-z0-9_-]", line)
        if name == PROJECT_HOME_VAR:
            yield _f(cfg, "CFG018", f"variable `{name}` is reserved by the platform", line)
        elif name in seen:
            yield _f(cfg, "CFG018", f"variable `{name}` is declared more than once", line)
        seen.add(name)
    if not cfg.cmd:
        return
    line = cfg.line_of("cmd")
    reported: set[str] = set()
    for ref in _VAR_REF.findall(cfg.cmd):
        if ref in reported:
            continue
        reported.add(ref)
        if ref == PROJECT_HOME_VAR:
            if PROJECT_DISK_FLAG not in cfg.flags:
                yield _f(
                    cfg,
                    "CFG020",
                    f"`${{{ref}}}` needs the `{PROJECT_DISK_FLAG}` flag",
                    line,
                )
        elif ref not in seen:
            yield _f(cfg, "CFG017", f"`${{{ref}}}` in `cmd` is not declared", line)


def _check_resources(cfg: JobConfig) -> Iterator[Finding]:
    for key, items in (("s3-mounts", cfg.s3_mounts), ("datasets", cfg.datasets)):
        for item in items:
            if not _RESOURCE_ID.fullmatch(item.id):
                yield _f(cfg, "CFG021", f"{key} id `{item.id}` is not 20 of [0-9a-z]", item.line)
    docker = cfg.env.docker
    if docker is not None:
        if docker.resource_id and not _RESOURCE_ID.fullmatch(docker.image or ""):
            yield _f(
                cfg,
                "CFG021",
                f"docker image id `{docker.image}` is not 20 of [0-9a-z]",
                cfg.line_of("env", "docker"),
            )
        if docker.password is not None:
            yield _f(
                cfg,
                "CFG022",
                "the docker password is plain text",
                cfg.line_of("env", "docker", "password"),
            )
    connector = cfg.spark.connector if cfg.spark is not None else None
    if connector is not None and not _RESOURCE_ID.fullmatch(connector):
        yield _f(
            cfg,
            "CFG021",
            f"spark connector id `{connector}` is not 20 of [0-9a-z]",
            cfg.line_of("spark", "connector"),
        )


def _check_output_datasets(cfg: JobConfig) -> Iterator[Finding]:
    names: set[str] = set()
    for ds in cfg.output_datasets:
        missing = [k for k in ("name", "var", "size") if not getattr(ds, k)]
        if missing:
            what = ", ".join(f"`{k}`" for k in missing)
            yield _f(cfg, "CFG028", f"output dataset has no {what}", ds.line)
        if ds.name:
            if ds.name in names:
                yield _f(cfg, "CFG028", f"output dataset name `{ds.name}` is used twice", ds.line)
            names.add(ds.name)


def parse_size_gb(text: str) -> float | None:
    """``150Gb`` -> 150.0 (decimal units, as the client's examples write them)."""
    m = _SIZE.fullmatch(text)
    if m is None:
        return None
    return float(m.group(1)) * _UNIT_GB[m.group(2).lower()]


def _check_machine(cfg: JobConfig) -> Iterator[Finding]:
    ws = cfg.working_storage
    if ws is not None and ws.size is not None:
        line = cfg.line_of("working-storage", "size")
        gb = parse_size_gb(ws.size)
        if gb is None:
            yield _f(cfg, "CFG023", f"working-storage size `{ws.size}` is not a size", line)
        elif gb < MIN_WORKING_STORAGE_GB:
            yield _f(
                cfg,
                "CFG023",
                f"working-storage size `{ws.size}` is under {MIN_WORKING_STORAGE_GB}Gb",
                line,
            )
    gs = cfg.graceful_shutdown
    if gs is not None and gs.signal is not None and gs.signal not in SIGNALS:
        yield _f(
            cfg,
            "CFG024",
            f"unknown signal `{gs.signal}`",
            cfg.line_of("graceful-shutdown", "signal"),
        )


def _check_python(cfg: JobConfig) -> Iterator[Finding]:
    py = cfg.env.python
    if py is None:
        return
    at = ("env", "python")
    if py.form == "string":
        if py.declared_type != "auto":
            yield _f(
                cfg,
                "CFG011",
                f"`env.python: {py.declared_type}`: the string form accepts only `auto`",
                cfg.line_of(*at),
            )
        return
    if py.declared_type is None:
        yield _f(
            cfg,
            "CFG011",
            "`env.python` has no `type`; write `type: auto` or `type: manual`",
            cfg.line_of(*at),
        )
    elif py.declared_type not in ("auto", "manual"):
        yield _f(
            cfg,
            "CFG011",
            f"`env.python.type: {py.declared_type}` is neither `auto` nor `manual`",
            cfg.line_of(*at, "type"),
        )
    yield from _check_python_paths(cfg, py)
    no_deps = py.pip.no_deps_text
    if no_deps is not None and no_deps not in ("true", "false"):
        yield _f(
            cfg,
            "CFG013",
            f"`no-deps: {no_deps}` is read as false by the client; only `true` enables it",
            cfg.line_of(*at, "pip", "no-deps"),
        )


def _check_python_paths(cfg: JobConfig, py: PythonEnv) -> Iterator[Finding]:
    at = ("env", "python")
    if py.local_paths is not None and cfg.has(*at, "root-paths"):
        yield _f(
            cfg,
            "CFG009",
            "`local-paths` cannot be used together with `root-paths`",
            cfg.line_of(*at, "local-paths"),
        )
    if py.type == "auto" and py.declared_type is not None:
        for key in ("local-paths", "version", "requirements-file"):
            if cfg.has(*at, key):
                yield _f(
                    cfg,
                    "CFG012",
                    f"`{key}` is ignored under `type: auto`",
                    cfg.line_of(*at, key),
                )
    if py.type == "manual" and not any(
        cfg.has(*at, k) for k in ("local-paths", "version", "requirements-file")
    ):
        yield _f(
            cfg,
            "CFG011",
            "`type: manual` needs at least one of `version`, `requirements-file`, `local-paths`",
            cfg.line_of(*at, "type"),
        )
    if py.version is not None and not _VERSION.fullmatch(py.version):
        yield _f(
            cfg,
            "CFG010",
            f"python version `{py.version}` is not 3.N or 3.N.M",
            cfg.line_of(*at, "version"),
        )
    req = py.requirements_file
    if req is not None and (not req or not resolve_path(cfg, req).is_file()):
        folder = bool(req) and resolve_path(cfg, req).is_dir()
        yield _f(
            cfg,
            "CFG015",
            f"requirements-file `{req}` " + ("is a folder" if folder else "does not exist"),
            cfg.line_of(*at, "requirements-file"),
        )
    if py.local_paths is not None:
        if not py.local_paths and py.type == "manual":
            yield _f(
                cfg,
                "CFG014",
                "`local-paths: []` crashes the 0.10.0 client",
                cfg.line_of(*at, "local-paths"),
            )
        for i, local in enumerate(py.local_paths):
            if not resolve_path(cfg, local).exists():
                yield _f(
                    cfg,
                    "CFG015",
                    f"local-paths entry `{local}` does not exist",
                    cfg.line_of(*at, "local-paths", i),
                )


def validate_config(cfg: JobConfig) -> list[Finding]:
    """Everything wrong with the config's content that needs only it and the file system."""
    findings: list[Finding] = []
    for check in (
        _check_cmd,
        _check_data_paths,
        _check_variables,
        _check_resources,
        _check_output_datasets,
        _check_machine,
        _check_python,
    ):
        findings.extend(check(cfg))
    return findings


def input_bytes(cfg: JobConfig) -> int:
    """Total size of the inputs that exist (folders counted file by file)."""
    return sum(
        path_size(p) for p in (resolve_path(cfg, item.path) for item in cfg.inputs) if p.exists()
    )


def check_total_size(cfg: JobConfig, local_bytes: int) -> list[Finding]:
    """Inputs plus local modules (``local_bytes``, measured by the caller) over 10 GiB."""
    total = input_bytes(cfg) + local_bytes
    if total <= MAX_TOTAL_BYTES:
        return []
    line = cfg.line_of("inputs") or cfg.line_of("cmd")
    return [
        _f(
            cfg,
            "CFG027",
            f"inputs and local modules are {_gib(total)}; the limit is {_gib(MAX_TOTAL_BYTES)}",
            line,
        )
    ]


def check_config_file(
    path: Path, root: Path | None = None
) -> tuple[JobConfig | None, list[Finding]]:
    """Load and validate in one call: the loader's findings, then the content checks."""
    cfg, findings = load_job_config(path, root)
    if cfg is not None:
        findings = findings + validate_config(cfg)
    return cfg, findings
