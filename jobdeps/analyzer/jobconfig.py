"""The DataSphere job config (``config.yaml``): a typed model and a safe loader.

The platform's client reads every YAML scalar as text, so the model keeps scalar
values as the text written in the file (``version: 3.10`` is ``"3.10"``, not the
float a YAML loader makes of it). The file is composed into nodes with PyYAML's
``SafeLoader`` only; the node tree gives the line of every key, so findings point at
``config.yaml:LINE``.

:func:`load_job_config` reports what is wrong with the file's *shape* (unreadable,
YAML syntax, wrong types, unknown or duplicate keys, values YAML reads differently
from the client); :func:`jobdeps.analyzer.config_checks.validate_config` reports
what is wrong with its *content*.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jobdeps.analyzer.findings import Finding, finding

KeyPath = tuple[str | int, ...]

_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"


# -- the model ----------------------------------------------------------------------


@dataclass(frozen=True)
class DataPath:
    """An input or output: a path, and the variable ``cmd`` refers to it by."""

    path: str
    var: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class ResourceRef:
    """An s3-mount or dataset: a resource id, and an optional variable."""

    id: str
    var: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class OutputDataset:
    name: str | None
    var: str | None
    size: str | None
    description: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    line: int | None = None


@dataclass(frozen=True)
class EnvVar:
    """``NAME`` (value taken from the local environment: ``value`` None) or ``{NAME: value}``."""

    name: str
    value: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class DockerEnv:
    """``env.docker``: a resource id (string form) or an image with registry credentials."""

    image: str | None
    resource_id: bool = False
    username: str | None = None
    password: str | None = None  # plain text: refused by the client
    password_secret_id: str | None = None


@dataclass(frozen=True)
class PipOptions:
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    trusted_hosts: list[str] = field(default_factory=list)
    no_deps: bool = False
    no_deps_text: str | None = None  # as written; the client wants exactly "true"


@dataclass(frozen=True)
class PythonEnv:
    """``env.python``. ``local_paths`` None means not given; ``[]`` means "just the main script".

    ``form`` tells the string form (``python: auto``) from the mapping form, and
    ``declared_type`` keeps the text written (``None`` when the mapping has no
    ``type``); ``type`` is what jobdeps works with: ``manual`` only when declared so.
    """

    type: Literal["auto", "manual"] = "auto"
    root_paths: list[str] = field(default_factory=list)
    local_paths: list[str] | None = None
    version: str | None = None
    requirements_file: str | None = None
    pip: PipOptions = field(default_factory=PipOptions)
    form: Literal["string", "map"] = "string"
    declared_type: str | None = "auto"


@dataclass(frozen=True)
class Env:
    """``env``; ``python`` None means the plain environment (no Python set-up)."""

    vars: list[EnvVar] = field(default_factory=list)
    docker: DockerEnv | None = None
    python: PythonEnv | None = None


@dataclass(frozen=True)
class WorkingStorage:
    type: str | None = None
    size: str | None = None


@dataclass(frozen=True)
class GracefulShutdown:
    timeout: str | None = None
    signal: str | None = None


@dataclass(frozen=True)
class Spark:
    connector: str | None = None


@dataclass(frozen=True)
class JobConfig:
    """A loaded config. Paths in it are as written, relative to ``base_dir``."""

    path: Path
    base_dir: Path
    display_path: str  # how findings name the file (posix, relative to the project root)
    text: str
    raw: dict[str, Any]
    positions: dict[KeyPath, int]
    cmd: str | None = None
    name: str | None = None
    desc: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    inputs: list[DataPath] = field(default_factory=list)
    outputs: list[DataPath] = field(default_factory=list)
    s3_mounts: list[ResourceRef] = field(default_factory=list)
    datasets: list[ResourceRef] = field(default_factory=list)
    output_datasets: list[OutputDataset] = field(default_factory=list)
    env: Env = field(default_factory=Env)
    flags: list[str] = field(default_factory=list)
    cloud_instance_types: list[str] = field(default_factory=list)
    working_storage: WorkingStorage | None = None
    graceful_shutdown: GracefulShutdown | None = None
    spark: Spark | None = None

    def line_of(self, *keys: str | int) -> int | None:
        """Line (1-based) of a key, e.g. ``line_of("env", "python", "root-paths")``.

        An integer selects a list item: ``line_of("inputs", 0)``.
        """
        return self.positions.get(tuple(keys))

    def has(self, *keys: str | int) -> bool:
        return tuple(keys) in self.positions


# -- the schema: which keys exist, and what form their values take -------------------


@dataclass(frozen=True)
class _Text:
    """A scalar the client reads as text."""


@dataclass(frozen=True)
class _Fields:
    """A mapping with a fixed set of keys."""

    fields: dict[str, _Spec]


@dataclass(frozen=True)
class _MapOf:
    """A mapping with free keys, each value of one form."""

    value: _Spec


@dataclass(frozen=True)
class _ListOf:
    item: _Spec


@dataclass(frozen=True)
class _Either:
    """One form per YAML node kind."""

    scalar: _Spec | None = None
    mapping: _Spec | None = None
    sequence: _Spec | None = None


_Spec = _Text | _Fields | _MapOf | _ListOf | _Either

_T = _Text()
_TEXTS = _ListOf(_T)
_DATA_PATH = _Either(scalar=_T, mapping=_MapOf(_Either(scalar=_T, mapping=_Fields({"var": _T}))))
_RESOURCE = _Either(scalar=_T, mapping=_MapOf(_T))
_PIP = _Fields(
    {"index-url": _T, "extra-index-urls": _TEXTS, "trusted-hosts": _TEXTS, "no-deps": _T}
)
_PYTHON = _Either(
    scalar=_T,
    mapping=_Fields(
        {
            "type": _T,
            "root-paths": _TEXTS,
            "local-paths": _TEXTS,
            "version": _T,
            "requirements-file": _T,
            "pip": _PIP,
        }
    ),
)
_DOCKER = _Either(
    scalar=_T,
    mapping=_Fields(
        {
            "image": _T,
            "username": _T,
            "password": _Either(scalar=_T, mapping=_Fields({"secret-id": _T})),
        }
    ),
)
SCHEMA = _Fields(
    {
        "name": _T,
        "desc": _T,
        "cmd": _T,
        "args": _MapOf(_T),
        "inputs": _ListOf(_DATA_PATH),
        "outputs": _ListOf(_DATA_PATH),
        "s3-mounts": _ListOf(_RESOURCE),
        "datasets": _ListOf(_RESOURCE),
        "output-datasets": _ListOf(
            _Fields({"name": _T, "var": _T, "size": _T, "description": _T, "labels": _MapOf(_T)})
        ),
        "env": _Fields(
            {
                "vars": _ListOf(_Either(scalar=_T, mapping=_MapOf(_T))),
                "docker": _DOCKER,
                "python": _PYTHON,
            }
        ),
        "flags": _TEXTS,
        "cloud-instance-types": _Either(scalar=_T, sequence=_TEXTS),
        "cloud-instance-type": _Either(scalar=_T, sequence=_TEXTS),
        "working-storage": _Fields({"type": _T, "size": _T}),
        "graceful-shutdown": _Fields({"timeout": _T, "signal": _T}),
        "spark": _Fields({"connector": _T}),
    }
)


def _describe(spec: _Spec) -> str:
    if isinstance(spec, _Text):
        return "a string"
    if isinstance(spec, _Fields | _MapOf):
        return "a mapping"
    if isinstance(spec, _ListOf):
        return "a list"
    forms = [_describe(s) for s in (spec.scalar, spec.mapping, spec.sequence) if s is not None]
    return " or ".join(forms)


def _node_kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL_TAG:
        return "empty"
    return "a string"


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _dotted(keypath: KeyPath) -> str:
    return ".".join(str(k) if isinstance(k, str) else f"[{k}]" for k in keypath).replace(".[", "[")


def _client_text(node: ScalarNode) -> str:
    """The scalar as the client reads it: its text, with an empty value as ``""``."""
    if node.tag == _NULL_TAG and node.value in ("", "~"):
        return ""
    return str(node.value)


class _Walker:
    """Walks the node tree against the schema: records key lines and shape problems."""

    def __init__(self, display_path: str, loader: yaml.SafeLoader) -> None:
        self.display_path = display_path
        self.loader = loader
        self.positions: dict[KeyPath, int] = {}
        self.findings: list[Finding] = []

    def _add(self, code: str, message: str, line: int | None, **kw: Any) -> None:
        self.findings.append(finding(code, message, self.display_path, line, **kw))

    def _wrong(self, node: Node, spec: _Spec, keypath: KeyPath) -> None:
        self._add(
            "CFG005",
            f"`{_dotted(keypath)}` should be {_describe(spec)}, not {_node_kind(node)}",
            _line(node),
        )

    def walk(self, node: Node, spec: _Spec, keypath: KeyPath) -> None:
        if isinstance(spec, _Either):
            chosen = (
                spec.scalar
                if isinstance(node, ScalarNode)
                else spec.mapping
                if isinstance(node, MappingNode)
                else spec.sequence
            )
            if chosen is None:
                self._wrong(node, spec, keypath)
            else:
                self.walk(node, chosen, keypath)
        elif isinstance(spec, _Text):
            if isinstance(node, ScalarNode):
                self._check_text(node, keypath)
            else:
                self._wrong(node, spec, keypath)
        elif isinstance(spec, _ListOf):
            if not isinstance(node, SequenceNode):
                self._wrong(node, spec, keypath)
                return
            for i, item in enumerate(node.value):
                self.positions[(*keypath, i)] = _line(item)
                self.walk(item, spec.item, (*keypath, i))
        else:
            if not isinstance(node, MappingNode):
                self._wrong(node, spec, keypath)
                return
            self._walk_mapping(node, spec, keypath)

    def _walk_mapping(self, node: MappingNode, spec: _Fields | _MapOf, keypath: KeyPath) -> None:
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._add(
                    "CFG005",
                    f"a key in `{_dotted(keypath) or 'the top level'}` is not a string",
                    _line(key_node),
                )
                continue
            key = str(key_node.value)
            path = (*keypath, key)
            if key in seen:
                self._add(
                    "CFG007",
                    f"`{_dotted(path)}` is given twice; only the last one counts",
                    _line(key_node),
                )
            seen.add(key)
            self.positions[path] = _line(key_node)
            if isinstance(spec, _MapOf):
                self.walk(value_node, spec.value, path)
            elif key in spec.fields:
                self.walk(value_node, spec.fields[key], path)
            else:
                self._unknown_key(key, spec, keypath, _line(key_node))

    def _unknown_key(self, key: str, spec: _Fields, keypath: KeyPath, line: int) -> None:
        where = f" in `{_dotted(keypath)}`" if keypath else ""
        close = difflib.get_close_matches(key, sorted(spec.fields), n=1, cutoff=0.6)
        if close:
            message = f"unknown key `{key}`{where}: did you mean `{close[0]}`?"
            hint = f"Rename `{key}` to `{close[0]}`; the client ignores keys it does not know."
        else:
            message = f"unknown key `{key}`{where}; the client ignores it"
            hint = "Known keys here: " + ", ".join(f"`{k}`" for k in spec.fields) + "."
        self._add("CFG006", message, line, hint=hint)

    def _check_text(self, node: ScalarNode, keypath: KeyPath) -> None:
        """Warn where YAML's reading of a plain scalar differs from the client's text."""
        if node.tag == _STR_TAG or node.style is not None:
            return
        text = str(node.value)
        if node.tag == _NULL_TAG:
            return
        try:
            value = self.loader.construct_object(node)
        except yaml.YAMLError:
            return
        if isinstance(value, bool):
            if text in ("true", "false"):
                return
            if keypath[-1:] == ("no-deps",):
                return  # CFG013 says it better
            yaml_reads = str(value).lower()
        elif isinstance(value, int | float):
            if str(value) == text:
                return
            yaml_reads = str(value)
        else:
            yaml_reads = type(value).__name__
        self._add(
            "CFG008",
            f"`{_dotted(keypath)}: {text}` is the text '{text}' to the client "
            f"but {yaml_reads} to YAML readers",
            _line(node),
            hint=f"Quote it: `'{text}'`.",
        )


# -- building the model from nodes ------------------------------------------------------


def _get(node: Node | None, key: str) -> Node | None:
    """The value of ``key`` in a mapping node (the last one, as YAML loaders do)."""
    if not isinstance(node, MappingNode):
        return None
    found = None
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            found = value_node
    return found


def _text(node: Node | None) -> str | None:
    return _client_text(node) if isinstance(node, ScalarNode) else None


def _pairs(node: Node | None) -> Iterator[tuple[str, Node]]:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                yield str(key_node.value), value_node


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _texts(node: Node | None) -> list[str]:
    return [t for t in (_text(item) for item in _items(node)) if t is not None]


def _data_paths(node: Node | None) -> list[DataPath]:
    out: list[DataPath] = []
    for item in _items(node):
        if isinstance(item, ScalarNode):
            out.append(DataPath(_client_text(item), None, _line(item)))
        for path, value in _pairs(item):
            var = _text(value) if isinstance(value, ScalarNode) else _text(_get(value, "var"))
            out.append(DataPath(path, var or None, _line(item)))
    return out


def _resources(node: Node | None) -> list[ResourceRef]:
    out: list[ResourceRef] = []
    for item in _items(node):
        if isinstance(item, ScalarNode):
            out.append(ResourceRef(_client_text(item), None, _line(item)))
        for rid, value in _pairs(item):
            out.append(ResourceRef(rid, _text(value) or None, _line(item)))
    return out


def _output_datasets(node: Node | None) -> list[OutputDataset]:
    return [
        OutputDataset(
            name=_text(_get(item, "name")),
            var=_text(_get(item, "var")),
            size=_text(_get(item, "size")),
            description=_text(_get(item, "description")),
            labels={k: _text(v) or "" for k, v in _pairs(_get(item, "labels"))},
            line=_line(item),
        )
        for item in _items(node)
        if isinstance(item, MappingNode)
    ]


def _env_vars(node: Node | None) -> list[EnvVar]:
    out: list[EnvVar] = []
    for item in _items(node):
        if isinstance(item, ScalarNode):
            out.append(EnvVar(_client_text(item), None, _line(item)))
        for name, value in _pairs(item):
            out.append(EnvVar(name, _text(value) or "", _line(item)))
    return out


def _docker(node: Node | None) -> DockerEnv | None:
    if isinstance(node, ScalarNode):
        return DockerEnv(image=_client_text(node), resource_id=True)
    if not isinstance(node, MappingNode):
        return None
    password = _get(node, "password")
    return DockerEnv(
        image=_text(_get(node, "image")),
        username=_text(_get(node, "username")),
        password=_text(password),
        password_secret_id=_text(_get(password, "secret-id")),
    )


def _python(node: Node | None) -> PythonEnv | None:
    if node is None:
        return None
    if isinstance(node, ScalarNode):
        text = _client_text(node)
        return PythonEnv(type="auto", form="string", declared_type=text)
    if not isinstance(node, MappingNode):
        return None
    declared = _text(_get(node, "type"))
    pip = _get(node, "pip")
    no_deps_text = _text(_get(pip, "no-deps"))
    local_node = _get(node, "local-paths")
    return PythonEnv(
        type="manual" if declared == "manual" else "auto",
        root_paths=_texts(_get(node, "root-paths")),
        local_paths=_texts(local_node) if isinstance(local_node, SequenceNode) else None,
        version=_text(_get(node, "version")),
        requirements_file=_text(_get(node, "requirements-file")),
        pip=PipOptions(
            index_url=_text(_get(pip, "index-url")),
            extra_index_urls=_texts(_get(pip, "extra-index-urls")),
            trusted_hosts=_texts(_get(pip, "trusted-hosts")),
            no_deps=no_deps_text == "true",
            no_deps_text=no_deps_text,
        ),
        form="map",
        declared_type=declared,
    )


def _instance_types(root: MappingNode) -> list[str]:
    for key in ("cloud-instance-types", "cloud-instance-type"):
        node = _get(root, key)
        if isinstance(node, ScalarNode):
            return [_client_text(node)]
        if isinstance(node, SequenceNode):
            return _texts(node)
    return []


def _build(
    root: MappingNode,
    *,
    path: Path,
    display_path: str,
    text: str,
    raw: dict[str, Any],
    positions: dict[KeyPath, int],
) -> JobConfig:
    env = _get(root, "env")
    ws = _get(root, "working-storage")
    gs = _get(root, "graceful-shutdown")
    spark = _get(root, "spark")
    return JobConfig(
        path=path,
        base_dir=path.parent,
        display_path=display_path,
        text=text,
        raw=raw,
        positions=positions,
        cmd=_text(_get(root, "cmd")),
        name=_text(_get(root, "name")),
        desc=_text(_get(root, "desc")),
        args={k: _text(v) or "" for k, v in _pairs(_get(root, "args")) if _text(v) is not None},
        inputs=_data_paths(_get(root, "inputs")),
        outputs=_data_paths(_get(root, "outputs")),
        s3_mounts=_resources(_get(root, "s3-mounts")),
        datasets=_resources(_get(root, "datasets")),
        output_datasets=_output_datasets(_get(root, "output-datasets")),
        env=Env(
            vars=_env_vars(_get(env, "vars")),
            docker=_docker(_get(env, "docker")),
            python=_python(_get(env, "python")),
        ),
        flags=_texts(_get(root, "flags")),
        cloud_instance_types=_instance_types(root),
        working_storage=(
            WorkingStorage(_text(_get(ws, "type")), _text(_get(ws, "size")))
            if isinstance(ws, MappingNode)
            else None
        ),
        graceful_shutdown=(
            GracefulShutdown(_text(_get(gs, "timeout")), _text(_get(gs, "signal")))
            if isinstance(gs, MappingNode)
            else None
        ),
        spark=Spark(_text(_get(spark, "connector"))) if isinstance(spark, MappingNode) else None,
    )


# -- loading -----------------------------------------------------------------------------


def _display_path(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def _yaml_error(exc: yaml.YAMLError, display_path: str, text: str) -> Finding:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        where = exc.position
        line: int | None = text.count("\n", 0, where) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        problem = f"character #x{code:04x} is not allowed"
        return finding("CFG002", f"invalid YAML: {problem}", display_path, line)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    line = mark.line + 1 if mark is not None else None
    problem = " ".join(str(problem).split())
    return finding("CFG002", f"invalid YAML: {problem}", display_path, line)


def load_job_config(path: Path, root: Path | None = None) -> tuple[JobConfig | None, list[Finding]]:
    """Load ``config.yaml`` safely; never raises for bad input.

    Returns ``(None, findings)`` when the file is unusable (missing, not YAML, not
    a mapping). Finding paths are relative to ``root`` (default: the config's
    folder, so just the file name).
    """
    path = Path(path)
    display = _display_path(path, root)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return None, [finding("CFG001", f"cannot read {display}: {reason}", display)]
    except UnicodeDecodeError:
        return None, [finding("CFG001", f"{display} is not UTF-8 text", display)]

    try:
        loader = yaml.SafeLoader(text)  # checks the characters: it can raise too
    except yaml.YAMLError as exc:
        return None, [_yaml_error(exc, display, text)]
    try:
        root_node = loader.get_single_node()
        raw = loader.construct_document(root_node) if root_node is not None else None
    except yaml.YAMLError as exc:
        return None, [_yaml_error(exc, display, text)]
    finally:
        loader.dispose()

    if not isinstance(root_node, MappingNode) or not isinstance(raw, dict):
        what = "empty" if root_node is None else f"{_node_kind(root_node)}, not a mapping"
        line = _line(root_node) if root_node is not None else None
        return None, [finding("CFG003", f"{display} is {what}", display, line)]

    walker = _Walker(display, yaml.SafeLoader(""))
    walker.walk(root_node, SCHEMA, ())
    cfg = _build(
        root_node,
        path=path,
        display_path=display,
        text=text,
        raw=raw,
        positions=walker.positions,
    )
    return cfg, walker.findings
