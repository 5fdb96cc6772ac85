"""The user's job config turned to ``env.python: {type: manual, ...}``.

:func:`make_manual_config` returns new text; the user's file is never touched.
The ``python`` section becomes exactly::

    python:
      type: manual
      version: '3.10'
      requirements-file: requirements.txt
      local-paths:
        - src

All three keys are set, so the platform skips its own exploration (but for a
job with no local file at all, see :func:`manual_python_section`). Everything
else that was in the ``python`` section is dropped, on purpose: ``root-paths``
is not allowed together with ``local-paths``, and in manual mode pip options
(``pip: {extra-index-urls, trusted-hosts, no-deps}``) belong in the
requirements file, which the requirements writer emits. Every other key of the
config, in ``env`` and at the top level, is kept in its order.

How: a text edit of just the ``python`` entry (or an insertion of one), located
with the node marks of ``yaml.compose``, so the user's comments and layout
survive elsewhere. The edit is checked by loading the result and comparing it
with the expected data (values and key order); when the layout is one the edit
cannot handle (flow-style mappings, aliases, keys sharing a line) or the check
fails, the whole config is re-emitted with ``yaml.safe_dump`` instead, which
loses comments but not data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["ManualConfigError", "make_manual_config", "manual_python_section"]


class ManualConfigError(ValueError):
    """The config cannot be turned into a manual one (not YAML, not a mapping...)."""


class _IndentedDumper(yaml.SafeDumper):
    """Indent list items under their key (``key:\\n  - item``), like the docs do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def manual_python_section(
    *, version: str, requirements_file: str, local_paths: Sequence[str]
) -> dict[str, Any]:
    """The new value of ``env.python``.

    With no local path at all (``cmd: python -c ...``) the key is left out: the
    documented ``local-paths: []`` crashes the 0.10.0 client (CFG014), and the
    files the platform would list itself are none."""
    section: dict[str, Any] = {
        "type": "manual",
        "version": str(version),
        "requirements-file": str(requirements_file),
    }
    if local_paths:
        section["local-paths"] = [str(p) for p in local_paths]
    return section


def make_manual_config(
    config_text: str, *, version: str, requirements_file: str, local_paths: Sequence[str]
) -> str:
    """``config_text`` with ``env.python`` replaced by a manual section (see module doc).

    ``env`` missing is added at the end; ``env.python`` missing is added at the
    end of ``env``. Raises :class:`ManualConfigError` (a ``ValueError``) with a
    one-line message when the text is not a YAML mapping or ``env`` is not one.
    """
    python = manual_python_section(
        version=version, requirements_file=requirements_file, local_paths=local_paths
    )
    try:
        data = yaml.safe_load(config_text) if config_text.strip() else {}
    except yaml.YAMLError as exc:
        raise ManualConfigError(f"config is not valid YAML: {_one_line(exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ManualConfigError("config is not a YAML mapping")
    env = data.get("env")
    if env is None:
        env = {}
    if not isinstance(env, dict):
        raise ManualConfigError("config key 'env' is not a mapping")
    expected = dict(data)
    expected["env"] = {**env, "python": python}

    edited = _text_edit(config_text, python, expected["env"])
    if edited is not None and _same(_load(edited), expected):
        return edited
    return yaml.dump(
        expected,
        Dumper=_IndentedDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=4096,
    )


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _load(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _same(a: Any, b: Any) -> bool:
    """Equal values and equal key order, all the way down."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# --- the text edit ---------------------------------------------------------


def _has_aliases(text: str) -> bool:
    return any(isinstance(ev, yaml.AliasEvent) for ev in yaml.parse(text, Loader=yaml.SafeLoader))


def _content_end(node: Node) -> int:
    """Index just past the last character that belongs to ``node``'s content.

    Block collections' own end marks sit at the next token (after trailing
    comments and blank lines), so they are measured by their last child.
    """
    if isinstance(node, ScalarNode) or node.flow_style:
        return node.end_mark.index
    if isinstance(node, MappingNode):
        return max(_content_end(v) for _, v in node.value) if node.value else node.end_mark.index
    if isinstance(node, SequenceNode):
        return max(_content_end(v) for v in node.value) if node.value else node.end_mark.index
    return node.end_mark.index


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, end: int) -> int:
    """Index just past the newline ending the line where content ends at ``end``."""
    if end > 0 and text[end - 1] == "\n":
        return end
    nl = text.find("\n", end)
    return len(text) if nl < 0 else nl + 1


def _starts_line(text: str, node: Node) -> bool:
    start = node.start_mark.index
    return text[_line_start(text, start) : start].strip() == ""


def _find_key(mapping: MappingNode, name: str) -> list[tuple[Node, Node]]:
    return [
        (k, v)
        for k, v in mapping.value
        if isinstance(k, ScalarNode) and k.value == name and k.tag.endswith(":str")
    ]


def _step(root: MappingNode) -> int:
    """The document's indentation step, guessed from its first nested block mapping."""
    stack: list[Node] = [root]
    while stack:
        node = stack.pop(0)
        if isinstance(node, MappingNode):
            for k, v in node.value:
                if isinstance(v, MappingNode) and not v.flow_style and v.value:
                    step = v.value[0][0].start_mark.column - k.start_mark.column
                    if step > 0:
                        return step
                stack.append(v)
    return 2


def _block(mapping: dict[str, Any], indent: int, step: int, newline: str) -> str:
    dumped = yaml.dump(
        mapping,
        Dumper=_IndentedDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        indent=step,
        width=4096,
    )
    pad = " " * indent
    return "".join(pad + line + newline for line in dumped.splitlines())


def _text_edit(text: str, python: dict[str, Any], new_env: dict[str, Any]) -> str | None:
    """The config with its ``python`` entry rewritten in place, or None if unsafe."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is not None and _has_aliases(text):
            return None
    except yaml.YAMLError:
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    if root is None:  # empty document (maybe only comments)
        body = text if not text or text.endswith("\n") else text + newline
        return body + _block({"env": {"python": python}}, 0, 2, newline)
    if not isinstance(root, MappingNode) or root.flow_style or not root.value:
        return None
    if not all(_starts_line(text, k) for k, _ in root.value):
        return None
    step = _step(root)
    envs = _find_key(root, "env")
    if len(envs) > 1:
        return None
    if not envs:
        # Append env at the end of the top-level mapping.
        return _insert_after(
            text,
            root,
            _block({"env": {"python": python}}, root.value[0][0].start_mark.column, step, newline),
            past_comments=True,
        )
    env_key, env = envs[0]
    flat = isinstance(env, MappingNode) and (
        env.flow_style or not env.value or not all(_starts_line(text, k) for k, _ in env.value)
    )
    if (isinstance(env, ScalarNode) and env.tag.endswith(":null")) or flat:
        # `env:` empty, or written in flow style: rewrite just the env entry as a block.
        return _replace_entry(
            text, env_key, env, _block({"env": new_env}, env_key.start_mark.column, step, newline)
        )
    if not isinstance(env, MappingNode):
        return None
    child_col = env.value[0][0].start_mark.column
    pythons = _find_key(env, "python")
    if len(pythons) > 1:
        return None
    new = _block({"python": python}, child_col, step, newline)
    if pythons:
        py_key, py_value = pythons[0]
        return _replace_entry(text, py_key, py_value, new)
    return _insert_after(text, env, new)


def _replace_entry(text: str, key: Node, value: Node, new: str) -> str | None:
    """Replace the lines from ``key`` to the end of ``value``'s content with ``new``."""
    start = _line_start(text, key.start_mark.index)
    content_end = _content_end(value)
    end = _line_end(text, content_end)
    tail = text[content_end:end].strip()
    if tail and not tail.startswith("#"):
        return None  # something else shares the last line
    return text[:start] + new + text[end:]


def _insert_after(text: str, node: Node, new: str, *, past_comments: bool = False) -> str:
    """Insert ``new`` on the line after ``node``'s content.

    With ``past_comments``, trailing comment and blank lines that end the text
    stay above the insertion (a config's closing remarks stay in place).
    """
    end = _line_end(text, _content_end(node))
    if past_comments and all(
        not line.strip() or line.lstrip().startswith("#") for line in text[end:].splitlines()
    ):
        end = len(text)
    head = text[:end]
    if head and not head.endswith("\n"):
        head += "\r\n" if new.endswith("\r\n") else "\n"
    return head + new + text[end:]
