"""Entry-point discovery from the job's ``cmd`` and the shell scripts it runs.

``cmd`` is split as a POSIX shell would (``shlex`` in posix mode with punctuation
characters, so ``&&``, ``||``, ``;``, ``|`` and redirections are tokens of their own);
each simple command is then read through its wrappers (``VAR=value`` prefixes,
``env``, ``nohup``, ``time``, ``srun``, ``mpirun``...) down to the program it runs:

* a Python interpreter (``python``, ``python3.10``, ``/usr/bin/python3``), whose own
  flags are skipped: a script gives a ``script`` entry, ``-m pkg.mod`` a ``module``
  entry when the module is in the job folder, ``-c`` nothing;
* a Python launcher (``deepspeed``, ``torchrun``, ``accelerate launch``,
  ``python -m torch.distributed.run``), whose own options are skipped;
* a shell script (``bash run.sh``, ``./run.sh``, ``bash -c "..."``), read line by line.

A multi-line ``cmd`` runs line by line, as in a script. ``cd DIR`` (and
``pushd``/``popd``) moves the folder later relative paths start from, until the
``)`` of its subshell; a folder outside the job, or one named by an unknown
variable, makes later relative programs unknown.

Arguments of a Python program that are ``.py`` files of the job are entries too
(``python main.py other.py``). ``root-paths`` adds declared entries; the merge keeps
the first origin and marks an entry both discovered and declared as
``"<origin>+root-paths"`` (e.g. ``"cmd+root-paths"``).

Nothing here runs or imports user code: scripts are read as text.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from jobdeps.analyzer.entries import EntryKind, EntrySpec
from jobdeps.analyzer.findings import Finding, finding
from jobdeps.analyzer.jobconfig import JobConfig

PYTHON_RE = re.compile(r"python(\d+(\.\d+)?)?")
# Interpreter flags that take a value; ``-c`` and ``-m`` end the interpreter's options.
_PY_VALUE_FLAGS = "WX"
_PY_LONG_VALUE_FLAGS = ("--check-hash-based-pycs",)
TORCH_LAUNCH_MODULES = ("torch.distributed.run", "torch.distributed.launch")
PY_LAUNCHER_MODULES = (
    *TORCH_LAUNCH_MODULES,
    "deepspeed.launcher.runner",
    "accelerate.commands.launch",
)
PY_LAUNCHERS = ("deepspeed", "torchrun")
# Launchers that run an arbitrary program after their own options.
GENERIC_LAUNCHERS = ("srun", "mpirun", "mpiexec", "orterun", "horovodrun", "numactl", "taskset")
SHELLS = ("bash", "sh", "zsh", "dash", "ksh")
# Words that run the rest of the line as a command.
_PASS_THROUGH = (
    "if", "then", "else", "elif", "while", "until", "do", "!", "{", "exec", "command",
    "builtin", "nohup",
)  # fmt: skip
_OPTION_WRAPPERS = ("time", "nice", "stdbuf", "sudo", "timeout", "xvfb-run")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_VAR = re.compile(r"\$\{([A-Za-z0-9_-]+)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_SEPARATORS = {";", "&", "&&", "||", "|", "|&", "(", ")", ";;", "&;"}
_MAX_SCRIPT_DEPTH = 8
_MAX_CONTINUATION_LINES = 50


UNPARSED_HINT = "; add its Python entry scripts to `root-paths`"


@dataclass
class _Ctx:
    """Where a command comes from, and what discovery has found so far."""

    base_dir: Path
    origin: str
    origin_line: int | None
    path: str | None  # file findings point at
    line: int | None
    variables: dict[str, str]
    inputs: Sequence[str] | None  # posix input paths; None: do not check uploads
    plain_env: bool = False
    depth: int = 0
    visited: set[str] = field(default_factory=set)
    entries: list[EntrySpec] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    prefix_env: dict[str, str] = field(default_factory=dict)
    # The working folder, relative to the job folder ("" is the job folder itself);
    # None after a ``cd`` jobdeps cannot follow, with the reason in ``lost``.
    cwd: str | None = ""
    lost: str = ""
    pushed: list[tuple[str | None, str]] = field(default_factory=list)

    def add_entry(self, kind: EntryKind, target: str, first: tuple[str, ...] = ()) -> None:
        path = tuple(dict.fromkeys((*first, *self.pythonpath())))
        self.entries.append(EntrySpec(kind, target, self.origin, self.origin_line, path))

    def resolve(self, word: str) -> str | None:
        """``word`` (expanded) as a posix path relative to the job folder, from the
        working folder; None when it is outside the job folder or the folder is lost."""
        if not word.replace("\\", "/").startswith("/"):
            if self.cwd is None:
                return None
            word = posixpath.join(self.cwd, word) if self.cwd else word
        return normalize_target(word, self.base_dir)

    def change_dir(self, args: list[str]) -> None:
        """``cd [DIR]``: where later relative paths start from."""
        args = [a for a in args if a not in ("-L", "-P", "-e", "--")]
        target = expand(args[0], self.shell_variables()) if args else None
        if args and args[0] == "-":
            self.cwd, self.lost = None, "the previous folder (`cd -`)"
        elif not args or args[0] == "~" or args[0].startswith("~/"):
            self.cwd, self.lost = None, "the home folder"
        elif target is None:
            self.cwd, self.lost = None, f"`{args[0]}`, which jobdeps cannot resolve"
        else:
            rel = self.resolve(target)
            if rel is None:
                self.cwd, self.lost = None, f"`{target}`, outside the job folder"
            else:
                self.cwd, self.lost = ("" if rel == "." else rel), ""

    def shell_variables(self) -> dict[str, str]:
        """Variables a shell line can use: the config's, ``$PWD`` (the job folder), and an
        empty ``$PYTHONPATH`` unless the command set one (the VM starts without it)."""
        cwd = self.base_dir / self.cwd if self.cwd else self.base_dir
        return {"PWD": str(cwd), "PYTHONPATH": "", **self.variables}

    def pythonpath(self) -> tuple[str, ...]:
        """``PYTHONPATH`` of the command being read, as folders relative to the job folder."""
        raw = self.prefix_env.get("PYTHONPATH", self.variables.get("PYTHONPATH"))
        if not raw:
            return ()
        value = expand(raw, self.shell_variables())
        if value is None:
            return ()
        folders = []
        for part in value.split(":"):
            if not part:
                continue
            rel = self.resolve(part)
            if rel is not None and rel not in folders:
                folders.append(rel)
        return tuple(folders)

    def report(self, code: str, message: str) -> None:
        self.findings.append(finding(code, message, self.path, self.line))

    def unparsed(self, what: str) -> None:
        self.report("CFG030", f"{what}{UNPARSED_HINT}")


# -- words -------------------------------------------------------------------------------


def split_words(text: str) -> list[str]:
    """Shell words and operators; raises ``ValueError`` on unbalanced quotes."""
    lex = shlex.shlex(text, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    lex.commenters = ""
    words: list[str] = []
    for word in lex:
        if word.startswith("#"):
            break
        words.append(word)
    return words


def _is_operator(word: str) -> bool:
    return bool(word) and all(c in "();<>|&" for c in word)


def split_commands(words: list[str]) -> list[list[str]]:
    """Simple commands between ``;``, ``&&``, ``||``, ``|``, ``&`` and parentheses."""
    return [c for c in _command_groups(words) if isinstance(c, list)]


def _command_groups(words: list[str]) -> list[list[str] | str]:
    """Simple commands, with the ``(`` and ``)`` of subshells kept as marks."""
    items: list[list[str] | str] = [[]]
    i = 0
    while i < len(words):
        word = words[i]
        if _is_operator(word):
            current = items[-1]
            if "<" in word or ">" in word:
                if isinstance(current, list) and current and current[-1].isdigit():
                    current.pop()  # the fd of ``2>``
                i += 2  # the redirection and its target
                continue
            items.extend(c for c in word if c in "()")
            items.append([])
        else:
            current = items[-1]
            if isinstance(current, str):
                items.append(current := [])
            current.append(word)
        i += 1
    return [c for c in items if c]


def expand(word: str, variables: Mapping[str, str]) -> str | None:
    """Substitute known ``${VAR}``/``$VAR``; None when an unknown one (or ``$(...)``) is left."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return variables.get(name, m.group(0))

    out = _VAR.sub(sub, word) if "$" in word else word
    for m in _VAR.finditer(out):
        if (m.group(1) or m.group(2)) not in variables:
            return None
    return None if "$(" in out or "`" in out or out == "$" else out


def _basename(word: str) -> str:
    return word.rstrip("/").rsplit("/", 1)[-1]


def is_python(word: str) -> bool:
    return bool(PYTHON_RE.fullmatch(_basename(word)))


def _looks_like_program(word: str) -> bool:
    base = _basename(word)
    return (
        is_python(word)
        or word.endswith((".py", ".sh"))
        or base in PY_LAUNCHERS
        or base in GENERIC_LAUNCHERS
        or base in SHELLS
        or base in ("accelerate", "env", "nohup", "time")
    )


def _skip_launcher_options(words: list[str], *, module_flags: bool = False) -> tuple[int, bool]:
    """Index of the launched program after a launcher's options, and whether ``-m`` was seen.

    Options are told from their values by looking ahead: an option without ``=``
    takes the next word as its value unless that word is an option or looks like a
    program (``python``, ``*.py``, a known launcher).
    """
    i, module = 0, False
    while i < len(words):
        word = words[i]
        if word == "--":
            return i + 1, module
        if not word.startswith("-") or word == "-":
            return i, module
        if module_flags and word in ("-m", "--module"):
            module = True
            i += 1
            continue
        if "=" in word or i + 1 >= len(words):
            i += 1
            continue
        nxt = words[i + 1]
        i += 1 if nxt.startswith("-") or _looks_like_program(nxt) else 2
    return i, module


# -- paths -------------------------------------------------------------------------------


def normalize_target(path: str, base_dir: Path) -> str | None:
    """A posix path relative to ``base_dir``; None when it points outside the job folder."""
    raw = path.replace("\\", "/")
    if raw.startswith("/"):
        try:
            raw = Path(raw).relative_to(base_dir.resolve()).as_posix()
        except ValueError:
            try:
                raw = Path(raw).relative_to(base_dir).as_posix()
            except ValueError:
                return None
    norm = os.path.normpath(raw).replace("\\", "/")
    if norm == ".." or norm.startswith("../"):
        return None
    return PurePosixPath(norm).as_posix()


def _local_module(name: str, base_dir: Path) -> bool:
    """Is ``name`` a module, package or runnable package in the folder ``base_dir``?"""
    parts = name.split(".")
    if not all(p.isidentifier() for p in parts):
        return False
    stem = base_dir.joinpath(*parts)
    return (
        stem.with_suffix(".py").is_file()
        or (stem / "__init__.py").is_file()
        or (stem / "__main__.py").is_file()
    )


def _covered_by_inputs(rel: str, inputs: Sequence[str]) -> bool:
    for item in inputs:
        norm = os.path.normpath(item).replace("\\", "/")
        if rel == norm or norm == "." or rel.startswith(norm.rstrip("/") + "/"):
            return True
    return False


def _shebang(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            first = fh.readline(200)
    except OSError:
        return ""
    return first.decode("utf-8", "replace") if first.startswith(b"#!") else ""


# -- commands ----------------------------------------------------------------------------


def _command(words: list[str], ctx: _Ctx) -> None:
    """One simple command: strip assignments and wrappers, then dispatch on the program."""
    i = 0
    while i < len(words) and _ASSIGNMENT.match(words[i]):
        i += 1
    if i == len(words):  # ``NAME=value`` alone: a shell variable for later lines
        for word in words:
            name, _, value = word.partition("=")
            expanded = expand(value, ctx.shell_variables())
            if expanded is None:
                ctx.variables.pop(name, None)
            else:
                ctx.variables[name] = expanded
        return
    saved = dict(ctx.prefix_env)
    for word in words[:i]:  # `PYTHONPATH=. python x.py`: for this command only
        name, _, value = word.partition("=")
        ctx.prefix_env[name] = value
    try:
        _dispatch(words[i:], ctx)
    finally:
        ctx.prefix_env = saved


def _dispatch(words: list[str], ctx: _Ctx) -> None:
    head = words[0]
    program = expand(head, ctx.variables)
    if program is None:
        if any(w.endswith(".py") for w in words):
            ctx.unparsed(f"the program in `{' '.join(words)}` is a variable jobdeps cannot resolve")
        return
    base = _basename(program)
    rest = words[1:]
    if program in ("cd", "pushd"):
        if program == "pushd":
            ctx.pushed.append((ctx.cwd, ctx.lost))
        ctx.change_dir(rest)
    elif program == "popd":
        if ctx.pushed:
            ctx.cwd, ctx.lost = ctx.pushed.pop()
    elif base == "export":
        _command([w for w in rest if not w.startswith("-")] or [""], ctx)
    elif program in _PASS_THROUGH:
        if rest:
            _command(rest, ctx)
    elif base in _OPTION_WRAPPERS or base == "env":
        start, _ = _skip_launcher_options(rest)
        if base == "timeout" and start < len(rest):
            start += 1  # the duration
        tail = rest[start:]  # ``env A=B cmd``: _command strips the assignments
        if tail:
            _command(tail, ctx)
    elif base in GENERIC_LAUNCHERS:
        start, _ = _skip_launcher_options(rest)
        if start < len(rest):
            _command(rest[start:], ctx)
    elif base in PY_LAUNCHERS:
        _python_launcher(base, rest, ctx)
    elif base == "accelerate":
        if rest[:1] == ["launch"]:
            _python_launcher("accelerate launch", rest[1:], ctx)
    elif is_python(program):
        _python(rest, ctx)
    elif base in SHELLS:
        _shell(rest, ctx)
    elif base in ("source", "."):
        if rest:
            _shell_script(rest[0], ctx)
    elif program.endswith(".sh"):
        _shell_script(program, ctx)
    elif program.endswith(".py") and "/" in program:
        _python_program(program, rest, ctx)  # ``./main.py``: an executable script
    elif "/" in program:
        _local_executable(program, rest, ctx)


def _python(words: list[str], ctx: _Ctx) -> None:
    """``python [flags] (script | -m module | -c code | -) [args]``."""
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            i += 1
            break
        if word == "-" or not word.startswith("-"):
            break
        if word.startswith("--"):
            i += 2 if word in _PY_LONG_VALUE_FLAGS else 1
            continue
        for j, flag in enumerate(word[1:], start=1):
            if flag in "cm" + _PY_VALUE_FLAGS:
                attached = word[j + 1 :]
                value = attached or (words[i + 1] if i + 1 < len(words) else None)
                after = i + (1 if attached else 2)
                if flag == "c":
                    return
                if flag == "m":
                    if value is not None:
                        _python_module(value, words[after:], ctx)
                    return
                i = after
                break
        else:
            i += 1
    if i < len(words) and words[i] != "-":
        _python_program(words[i], words[i + 1 :], ctx)


def _python_module(name_word: str, args: list[str], ctx: _Ctx) -> None:
    name = expand(name_word, ctx.variables)
    if name is None:
        ctx.unparsed(f"`-m {name_word}` names its module by a variable")
        return
    if name in PY_LAUNCHER_MODULES:
        _python_launcher(name, args, ctx)
        return
    # ``python -m`` looks in the working folder, then on PYTHONPATH
    if ctx.cwd is None:
        ctx.unparsed(f"`-m {name}` runs in {ctx.lost}")
        return
    if any(_local_module(name, ctx.base_dir / f) for f in (ctx.cwd, *ctx.pythonpath())):
        ctx.add_entry("module", name, (ctx.cwd,) if ctx.cwd else ())
    _program_arguments(args, ctx)


def _python_launcher(launcher: str, words: list[str], ctx: _Ctx) -> None:
    """``deepspeed``/``torchrun``/``accelerate launch`` options, then a script or module."""
    start, module = _skip_launcher_options(words, module_flags=True)
    if start >= len(words):
        ctx.unparsed(f"no program found after `{launcher}`")
        return
    if any(w in ("--no_python", "--no-python") for w in words[:start]):
        _command(words[start:], ctx)
    elif module:
        _python_module(words[start], words[start + 1 :], ctx)
    else:
        _python_program(words[start], words[start + 1 :], ctx)


def _python_program(word: str, args: list[str], ctx: _Ctx) -> None:
    """A Python script, a folder with ``__main__.py``, or an error when it is missing."""
    target = expand(word, ctx.variables)
    if target is None:
        ctx.unparsed(f"the script `{word}` is a variable jobdeps cannot resolve")
        return
    rel = ctx.resolve(target)
    if rel is None:
        if ctx.lost and not target.startswith("/"):
            ctx.unparsed(f"`{target}` runs in {ctx.lost}")
        return  # outside the job folder (e.g. in the docker image): not ours to analyse
    shown = rel if ctx.cwd else target
    path = ctx.base_dir / rel
    if path.is_dir():
        if (path / "__main__.py").is_file():
            ctx.add_entry("package", rel)
        else:
            ctx.report("CFG029", f"`{shown}` is a folder without `__main__.py`")
    elif path.is_file():
        ctx.add_entry("notebook" if rel.endswith(".ipynb") else "script", rel)
        if ctx.plain_env and ctx.inputs is not None and not _covered_by_inputs(rel, ctx.inputs):
            ctx.report("CFG031", f"`{rel}` runs in the plain environment but is not an input")
    else:
        ctx.report("CFG029", f"Python script `{shown}` does not exist")
        return
    _program_arguments(args, ctx)


def _program_arguments(args: list[str], ctx: _Ctx) -> None:
    """``python main.py other.py``: arguments that are ``.py`` files of the job are entries."""
    for arg in args:
        candidates = [arg]
        if arg.startswith("-") and "=" in arg:
            candidates.append(arg.split("=", 1)[1])
        for candidate in candidates:
            value = expand(candidate, ctx.variables)
            if value is None or not value.endswith(".py"):
                continue
            rel = ctx.resolve(value)
            if rel is not None and (ctx.base_dir / rel).is_file():
                ctx.add_entry("script", rel)


def _shell(words: list[str], ctx: _Ctx) -> None:
    """``bash [options] (script | -c string)``."""
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-c" or (word.startswith("-") and not word.startswith("--") and "c" in word):
            if i + 1 < len(words):
                where = (ctx.cwd, ctx.lost)  # a child shell: its ``cd`` stays there
                _command_string(words[i + 1], ctx)
                ctx.cwd, ctx.lost = where
            return
        if word in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
            i += 2
        elif word.startswith(("-", "+")):
            i += 1
        else:
            _shell_script(word, ctx)
            return


def _command_string(text: str, ctx: _Ctx) -> None:
    try:
        words = split_words(text)
    except ValueError as exc:
        ctx.unparsed(f"cannot split `{text}`: {exc}")
        return
    saved: list[tuple[str | None, str]] = []
    for item in _command_groups(words):
        if item == "(":
            saved.append((ctx.cwd, ctx.lost))
        elif item == ")":
            if saved:
                ctx.cwd, ctx.lost = saved.pop()
        elif isinstance(item, list):
            _command(item, ctx)


def _local_executable(word: str, args: list[str], ctx: _Ctx) -> None:
    """``./tool``: a local file run directly; its shebang says what it is."""
    rel = ctx.resolve(word)
    if rel is None or not (ctx.base_dir / rel).is_file():
        return
    shebang = _shebang(ctx.base_dir / rel)
    if "python" in shebang:
        _python_program(rel, args, ctx)
    elif any(re.search(rf"\b{s}\b", shebang) for s in SHELLS):
        _shell_script(rel, ctx)


def _shell_script(word: str, ctx: _Ctx) -> None:
    """Read a shell script of the job and discover the Python commands in it."""
    target = expand(word, ctx.variables)
    if target is None:
        ctx.unparsed(f"the shell script `{word}` is a variable jobdeps cannot resolve")
        return
    rel = ctx.resolve(target)
    if rel is None:
        if ctx.lost and not target.startswith("/"):
            ctx.unparsed(f"the shell script `{target}` runs in {ctx.lost}")
        return
    path = ctx.base_dir / rel
    if not path.is_file():
        ctx.report("CFG029", f"shell script `{rel if ctx.cwd else target}` does not exist")
        return
    if ctx.inputs is not None and not _covered_by_inputs(rel, ctx.inputs):
        ctx.report("CFG031", f"shell script `{rel}` is not among the inputs")
    if rel in ctx.visited or ctx.depth >= _MAX_SCRIPT_DEPTH:
        return
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError as exc:
        ctx.report("CFG030", f"cannot read `{rel}`: {exc.strerror}")
        return
    sub = _Ctx(
        base_dir=ctx.base_dir,
        origin="",
        origin_line=ctx.origin_line,
        path=rel,
        line=None,
        variables={},
        inputs=ctx.inputs,
        plain_env=ctx.plain_env,
        depth=ctx.depth + 1,
        visited=ctx.visited | {rel},
        entries=ctx.entries,
        findings=ctx.findings,
        cwd=ctx.cwd,
        lost=ctx.lost,
    )
    for lineno, logical in script_lines(text):
        sub.origin = f"{rel}:{lineno}"
        sub.line = lineno
        _command_string(logical, sub)


_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


def script_lines(text: str) -> list[tuple[int, str]]:
    """Logical lines of a shell script with their first line number.

    Backslash continuations are joined, a line with an unclosed quote is joined
    with the next ones, here-document bodies and comment lines are dropped.
    """
    lines = text.splitlines()
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        start = i
        logical = lines[i]
        i += 1
        while logical.endswith("\\") and i < len(lines):
            logical = logical[:-1] + " " + lines[i]
            i += 1
        for _ in range(_MAX_CONTINUATION_LINES):
            try:
                split_words(logical)
                break
            except ValueError:
                if i >= len(lines):
                    break
                logical += "\n" + lines[i]
                i += 1
        stripped = logical.strip()
        if not stripped or stripped.startswith("#"):
            continue
        out.append((start + 1, logical))
        heredoc = _HEREDOC.search(logical)
        if heredoc:
            end = heredoc.group(2)
            while i < len(lines) and lines[i].strip() != end:
                i += 1
            i += 1
    return out


# -- public API ----------------------------------------------------------------------------


def entries_from_command(
    cmd: str,
    base_dir: Path,
    origin: str,
    line: int | None,
    variables: Mapping[str, str] | None = None,
    *,
    finding_path: str | None = None,
    inputs: Sequence[str] | None = None,
    plain_env: bool = False,
) -> tuple[list[EntrySpec], list[Finding]]:
    """Entry points of one command line, in order of appearance (duplicates kept once).

    ``variables`` are substituted for ``${NAME}``; ``inputs`` (posix paths), when
    given, is checked to hold every shell script run (and, with ``plain_env``, every
    Python script). Findings point at ``finding_path:line``.
    """
    ctx = _Ctx(
        base_dir=Path(base_dir),
        origin=origin,
        origin_line=line,
        path=finding_path,
        line=line,
        variables=dict(variables or {}),
        inputs=inputs,
        plain_env=plain_env,
    )
    # A shell runs a multi-line ``cmd`` (a YAML ``|`` block) line by line: a newline
    # ends a command as ``;`` does, unless a quote or a backslash carries it on.
    for _lineno, logical in script_lines(cmd):
        _command_string(logical, ctx)
    return _dedupe(ctx.entries), ctx.findings


def _dedupe(entries: list[EntrySpec]) -> list[EntrySpec]:
    seen: dict[tuple[str, str], EntrySpec] = {}
    for entry in entries:
        seen.setdefault((entry.kind, entry.target), entry)
    return list(seen.values())


def config_variables(cfg: JobConfig) -> dict[str, str]:
    """Values known before the run: ``args``, and input/output variables (their paths)."""
    known = dict(cfg.args)
    for item in (*cfg.inputs, *cfg.outputs):
        if item.var:
            known.setdefault(item.var, item.path)
    return known


def root_path_entries(cfg: JobConfig) -> tuple[list[EntrySpec], list[Finding]]:
    """Entries declared under ``env.python.root-paths``."""
    py = cfg.env.python
    if py is None:
        return [], []
    at = ("env", "python", "root-paths")
    key_line = cfg.line_of(*at)
    entries: list[EntrySpec] = []
    findings: list[Finding] = []
    for i, declared in enumerate(py.root_paths):
        line = cfg.line_of(*at, i)
        rel = normalize_target(declared, cfg.base_dir)
        if rel is None:
            findings.append(
                finding(
                    "CFG016",
                    f"root-paths entry `{declared}` is outside the job folder",
                    cfg.display_path,
                    line,
                )
            )
            continue
        path = cfg.base_dir / rel
        if not path.exists():
            findings.append(
                finding(
                    "CFG029",
                    f"root-paths entry `{declared}` does not exist",
                    cfg.display_path,
                    line,
                )
            )
            continue
        if path.is_dir() and not (path / "__main__.py").is_file():
            findings.append(
                finding(
                    "CFG029",
                    f"root-paths entry `{declared}` is a folder without `__main__.py`",
                    cfg.display_path,
                    line,
                )
            )
            continue
        kind: EntryKind = (
            "package" if path.is_dir() else "notebook" if rel.endswith(".ipynb") else "script"
        )
        entries.append(EntrySpec(kind, rel, "root-paths", key_line))
    return entries, findings


def merge_entries(discovered: list[EntrySpec], declared: list[EntrySpec]) -> list[EntrySpec]:
    """Discovered first, then declared; one entry per (kind, target).

    A declared entry that was also discovered keeps the discovered origin and line,
    with ``+root-paths`` appended to its origin.
    """
    merged: dict[tuple[str, str], EntrySpec] = {}
    for entry in _dedupe(discovered):
        merged[(entry.kind, entry.target)] = entry
    for entry in declared:
        key = (entry.kind, entry.target)
        first = merged.get(key)
        if first is None:
            merged[key] = entry
        elif not first.origin.endswith("+root-paths") and first.origin != "root-paths":
            merged[key] = EntrySpec(
                first.kind, first.target, f"{first.origin}+root-paths", first.origin_line
            )
    return list(merged.values())


def discover_entries(cfg: JobConfig) -> tuple[list[EntrySpec], list[Finding]]:
    """Entries from ``cmd`` (and the shell scripts it runs) merged with ``root-paths``."""
    discovered: list[EntrySpec] = []
    findings: list[Finding] = []
    if cfg.cmd and cfg.cmd.strip():
        discovered, findings = entries_from_command(
            cfg.cmd,
            cfg.base_dir,
            "cmd",
            cfg.line_of("cmd"),
            config_variables(cfg),
            finding_path=cfg.display_path,
            inputs=[item.path for item in cfg.inputs],
            plain_env=cfg.env.python is None,
        )
    declared, declared_findings = root_path_entries(cfg)
    if declared:
        # The user did what the finding asks: the entries are declared in root-paths.
        findings = [f for f in findings if not f.message.endswith(UNPARSED_HINT)]
    findings.extend(declared_findings)
    entries = merge_entries(discovered, declared)
    if cfg.env.python is not None and not entries and cfg.cmd and cfg.cmd.strip():
        findings.append(
            finding(
                "CFG030",
                "no Python program found in `cmd`; add the entry scripts to `root-paths`",
                cfg.display_path,
                cfg.line_of("cmd"),
            )
        )
    return entries, findings
