"""The analysis: from entry points to the job's import graph, walked statically.

The walk emulates execution order: a module's imports are followed depth-first
in line order, as the interpreter would run them, so ``sys.path`` edits take
effect from the line that makes them. Each entry gets its own search path
(``python main.py`` puts the script's folder first; ``python -m`` the project
root). Third-party modules are leaves: only local files are walked.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from jobdeps.analyzer import rules as _rules  # noqa: F401  (registers every rule)
from jobdeps.analyzer.conditions import evaluate_condition
from jobdeps.analyzer.dunder_all import all_names
from jobdeps.analyzer.entries import EntrySpec
from jobdeps.analyzer.environment import Environment
from jobdeps.analyzer.facts import TOO_DEEP, FileFacts, ImportFact, SysPathEdit
from jobdeps.analyzer.findings import Finding, Severity, finding, sort_findings
from jobdeps.analyzer.namemap import distribution_for_import
from jobdeps.analyzer.reader import FactsReader
from jobdeps.analyzer.resolver import (
    SITE,
    STDLIB,
    LocalModule,
    PathEntry,
    Resolution,
    Resolver,
    identity,
)
from jobdeps.analyzer.results import (
    Analysis,
    LocalFile,
    Requirement,
    SourceTexts,
    Unresolved,
    Use,
    relpath,
)
from jobdeps.analyzer.sources import DEFAULT_MAX_BYTES
from jobdeps.analyzer.stdlib import BACKPORTS, WINDOWS_ONLY, normalise_version, running_version


class EntryError(ValueError):
    """An entry point that does not exist or cannot be run: a usage error."""


@dataclass
class AnalysisOptions:
    root: Path = Path(".")
    python_version: str | None = None
    site_packages: Sequence[Path] = ()
    python: Path | None = None
    extra_paths: Sequence[Path] = ()
    max_file_bytes: int = DEFAULT_MAX_BYTES
    cache: bool = True
    jobs: int | None = None
    environment: Environment | None = None
    reader: FactsReader | None = None


def _why_loose(fact: ImportFact) -> str:
    return "type-checking only" if fact.type_checking else "optional"


NO_PARENT = "!no-parent"
BEYOND_TOP = "!beyond-top"


def absolute_name(level: int, module: str, package: str | None) -> str:
    """The absolute name of ``from {'.' * level}{module} import ...`` made in ``package``.

    Returns :data:`NO_PARENT` (a script: no ``__package__``) or :data:`BEYOND_TOP`
    when Python would raise ImportError.
    """
    if level == 0:
        return module
    if not package or package == "__main__":
        return NO_PARENT
    bits = package.split(".")
    if level - 1 >= len(bits):
        return BEYOND_TOP
    base = ".".join(bits[: len(bits) - (level - 1)])
    return f"{base}.{module}" if module else base


def _package_of(module: LocalModule) -> str | None:
    """``__package__`` of a module: itself for a package, else its parent."""
    if module.kind == "package":
        return module.name
    return module.name.rpartition(".")[0] or None


@dataclass(frozen=True)
class _Run:
    """A local file an import executes, with the ``__name__``/``__package__`` it runs under."""

    path: Path
    name: str
    package: str | None
    kind: str


@dataclass
class _Frame:
    """One module being executed in the walk."""

    path: Path
    rel: str
    name: str
    package: str | None
    facts: FileFacts
    events: Iterator[tuple[int, int, object]]
    node: str  # ``file:<rel>``, its graph node: one string for all its edges


class _Walker:
    def __init__(self, analysis_root: Path, options: AnalysisOptions, env: Environment) -> None:
        self.root = analysis_root
        self.options = options
        self.version = (
            normalise_version(options.python_version)
            if options.python_version
            else running_version()
        )
        self.env = env
        self.reader = options.reader or FactsReader(
            options.max_file_bytes, cache=options.cache, jobs=options.jobs
        )
        self.resolver = Resolver(env, self.version, self.root)
        self.nodes: dict[str, dict] = {}
        self.edges: dict[tuple[str, str], list[tuple[int, str, ImportFact]]] = {}
        self.local: dict[str, LocalFile] = {}
        self.requirements: dict[str, Requirement] = {}
        self.stdlib: set[str] = set()
        self.unresolved: dict[tuple[str, str], Unresolved] = {}
        self.findings: list[Finding] = []
        self.facts: dict[str, FileFacts] = {}
        self.sources = SourceTexts()
        self.entry_files: dict[str, EntrySpec] = {}
        self._seen: set[tuple[str, str, str | None]] = set()
        self._missing_reported: set[tuple[str, str, Severity | None]] = set()
        self._rels: dict[int, tuple[Path, str]] = {}
        self._hinted_packages: set[Path] = set()
        self._hinted_imports: set[tuple[int, str, tuple[str, ...]]] = set()
        self._star_names: dict[Path, tuple[str, ...] | None] = {}  # package -> __all__
        # programs the walked code starts (``subprocess.run([sys.executable, "x.py"])``),
        # each with where: walked after the entry that started them, as programs of their own
        self.launched: list[tuple[EntrySpec, str, ImportFact]] = []
        self._launched_done: set[tuple[str, str, tuple[str, ...]]] = set()
        self.started: list[EntrySpec] = []  # those walked, in order

    def rel(self, path: Path) -> str:
        """``relpath(path, root)``, memoised by the path object: the walk names the same
        resolved modules at every import of them, and hashing a Path is slow (Python-level
        before 3.12). The memo holds the path, so its identity is not reused during the
        walk (see ``resolver.identity``)."""
        key = identity(path)
        hit = self._rels.get(key)
        if hit is not None and hit[0] is path:
            return hit[1]
        rel = relpath(path, self.root)
        self._rels[key] = (path, rel)
        return rel

    # -- findings ------------------------------------------------------------------
    def report(
        self,
        code: str,
        message: str,
        rel: str | None,
        line: int | None,
        col: int | None = None,
        severity: Severity | None = None,
    ) -> None:
        facts = self.facts.get(rel or "")
        if facts is not None and line is not None and facts.suppressed(line, code):
            return
        self.findings.append(finding(code, message, rel, line, col, severity=severity))

    # -- entries --------------------------------------------------------------------
    def run_entry(self, entry: EntrySpec, *, launched: bool = False) -> None:
        """Walk one program. A ``launched`` one (started by the job's own code) is not an
        entry of the job's: the platform does not run it, so it ships as a local file."""
        # sys.path after the first entry: PYTHONPATH of the command, then --path roots
        extras = [Path(os.path.normpath(self.root / p)) for p in entry.pythonpath]
        extras += [p.resolve() for p in self.options.extra_paths]
        spec = None if launched else entry
        if entry.kind == "module":
            search: list[PathEntry] = [self.root, *extras, STDLIB, SITE]
            self._run_module_entry(entry, search, spec)
            return
        # abspath, not resolve(): a symlinked entry keeps its name inside the project
        path = Path(os.path.abspath(self.root / entry.target))
        if entry.kind == "package" or path.is_dir():
            main = path / "__main__.py"
            if not main.is_file():
                raise EntryError(f"{entry.target}: a folder entry needs a __main__.py")
            search = [path, *extras, STDLIB, SITE]
            self.walk(main, "__main__", None, search, spec, kind="script")
            return
        if not path.is_file():
            raise EntryError(f"{entry.target}: no such file")
        search = [path.parent, *extras, STDLIB, SITE]
        kind = "notebook" if path.suffix == ".ipynb" else "script"
        self.walk(path, "__main__", None, search, spec, kind=kind)

    def _run_module_entry(
        self, entry: EntrySpec, search: list[PathEntry], spec: EntrySpec | None
    ) -> None:
        resolution = self.resolver.resolve(entry.target, search)
        if resolution.kind != "local":
            raise EntryError(
                f"-m {entry.target}: no local module of that name under {self.root}"
                + (f" (it is {resolution.kind})" if resolution.kind != "unresolved" else "")
            )
        *parents, last = resolution.modules
        main: Path | None = None
        if last.kind in ("package", "namespace"):
            folder = last.path.parent if last.kind == "package" else last.path
            main = folder / "__main__.py"
            if not main.is_file():  # checked before walking anything
                raise EntryError(f"-m {entry.target}: the package has no __main__.py")
        for module in parents:
            self.walk_module(module, search)
        if main is not None:
            if last.kind == "package":
                self.walk_module(last, search)
            self.walk(main, "__main__", last.name, search, spec, kind="script")
        else:
            package = last.name.rpartition(".")[0] or None
            self.walk(last.path, "__main__", package, search, spec, kind="script")

    # -- the walk ---------------------------------------------------------------------
    def walk_module(self, module: LocalModule, search: list[PathEntry]) -> None:
        if module.kind == "namespace":
            return
        if module.kind == "extension":
            rel = self.rel(module.path)
            self._add_local(rel, module.path, module.name, "extension")
            return
        self.walk(module.path, module.name, _package_of(module), search, None, kind=module.kind)

    def walk(
        self,
        path: Path,
        name: str,
        package: str | None,
        search: list[PathEntry],
        entry: EntrySpec | None,
        kind: str,
    ) -> None:
        """Execute ``path`` as module ``name``: its imports, depth first, in line order."""
        stack: list[_Frame] = []
        frame = self._enter(path, name, package, entry, kind, search)
        if frame is not None:
            stack.append(frame)
        while stack:
            top = stack[-1]
            event = next(top.events, None)
            if event is None:
                stack.pop()
                continue
            _line, _order, item = event
            if isinstance(item, SysPathEdit):
                self._syspath(top, item, search)
                continue
            assert isinstance(item, ImportFact)
            for run in self._import(top, item, search):
                child = self._enter(run.path, run.name, run.package, None, run.kind, search)
                if child is not None:
                    stack.append(child)

    def _enter(
        self,
        path: Path,
        name: str,
        package: str | None,
        entry: EntrySpec | None,
        kind: str,
        search: list[PathEntry],
    ) -> _Frame | None:
        rel = self.rel(path)
        key = (rel, name, package)
        if key in self._seen:
            self._add_local(rel, path, name, kind)
            return None
        self._seen.add(key)
        self._add_local(rel, path, name, kind)
        if entry is not None:
            self.entry_files.setdefault(rel, entry)
        result = self.reader.read(path)
        if result.problem is not None:
            problem = result.problem
            self.report(
                "IMP011", f"cannot read {rel}: {problem.kind}: {problem.message}", rel, problem.line
            )
            return None
        facts = result.facts
        assert facts is not None
        self.facts[rel] = facts
        self.sources.add(rel, result)
        if result.notebook is not None:
            for line, args in result.notebook.pip_installs:
                self.report("IMP015", f"the notebook installs packages itself: {args}", rel, line)
        if facts.syntax_error is not None:
            err = facts.syntax_error
            if err.message == TOO_DEEP:  # valid Python: not a syntax error, but unread
                self.report("IMP011", f"cannot read {rel}: {TOO_DEEP}", rel, err.line)
            else:
                self.report("IMP010", f"syntax error: {err.message}", rel, err.line, err.col + 1)
            return None
        self._check_features(rel, facts)
        is_main = name == "__main__"
        events: list[tuple[int, int, object]] = [(e.line, 0, e) for e in facts.syspath]
        events.extend(
            (i.line, 1, i) for i in facts.imports if (is_main or not i.main_only) and self._taken(i)
        )
        events.sort(key=lambda e: (e[0], e[1]))
        self._prefetch(facts, package, search)
        return _Frame(path, rel, name, package, facts, iter(events), f"file:{rel}")

    def _prefetch(self, facts: FileFacts, package: str | None, search: list[PathEntry]) -> None:
        """Tell the reader which local files this module is about to import (a hint)."""
        if not self.reader.takes_hints():
            return  # resolving every import twice would be all cost, no gain
        paths: list[Path] = []
        packages: list[Path] = []
        token = self.resolver.search_token(search)
        hinted = self._hinted_imports
        for fact in facts.imports:
            if fact.type_checking or fact.kind not in ("import", "from") or fact.dynamic:
                continue
            name = absolute_name(fact.level, fact.module, package)
            if name.startswith("!"):
                continue
            names = tuple(n for n in fact.names if n != "*") if fact.kind == "from" else ()
            # ``import os``, ``import json``... in module after module: hinted once
            key = (token, name, names)
            if key in hinted:
                continue
            hinted.add(key)
            resolution = self.resolver.resolve(name, search, names)
            if resolution.kind != "local":
                continue
            paths.extend(m.path for m in resolution.modules if m.kind in ("module", "package"))
            if fact.kind == "from" and resolution.modules:
                for imported in fact.names:
                    sub = self.resolver.submodule(resolution.modules[-1], imported)
                    if sub is not None and sub.kind in ("module", "package"):
                        paths.append(sub.path)
            packages.extend(m.path.parent for m in resolution.modules if m.kind == "package")
        # Then the other modules of the packages it enters: most of a package is imported
        # sooner or later, and a worker that only gets the files the walk is about to
        # read keeps in step with it instead of working ahead (a guess: a module never
        # imported costs a worker's time, never the walk's).
        for folder in packages:
            if folder not in self._hinted_packages:
                self._hinted_packages.add(folder)
                names = self.resolver.listing.names(folder)
                paths.extend(folder / n for n in sorted(names) if n.endswith(".py"))
        if paths:
            self.reader.prefetch(paths)

    def _taken(self, fact: ImportFact) -> bool:
        """False when a version/platform guard rules the import out on the target."""
        if not fact.conditional or not fact.condition:
            return True
        return evaluate_condition(fact.condition, self.version) is not False

    def _add_local(self, rel: str, path: Path, name: str, kind: str) -> None:
        info = self.local.get(rel)
        if info is None:
            info = self.local[rel] = LocalFile(rel, path, kind=kind)
            self.nodes[f"file:{rel}"] = {"kind": "local", "label": rel}
        if name and name != "__main__" and not name.startswith("<"):
            info.names.add(name)

    def _check_features(self, rel: str, facts: FileFacts) -> None:
        target = tuple(int(p) for p in self.version.split("."))
        for feature in facts.features:
            if feature.min_version > target:
                need = ".".join(map(str, feature.min_version))
                self.report(
                    "IMP013",
                    f"{feature.feature} needs Python {need}; the target is {self.version}",
                    rel,
                    feature.line,
                )

    # -- sys.path -----------------------------------------------------------------------
    def _syspath(self, frame: _Frame, edit: SysPathEdit, search: list[PathEntry]) -> None:
        if edit.path is None or edit.anchor is None:
            self.report(
                "IMP007",
                f"sys.path changed with `{edit.expr}`, which jobdeps cannot evaluate",
                frame.rel,
                edit.line,
            )
            return
        if edit.anchor == "file":
            base = frame.path.parent
        elif edit.anchor == "cwd":
            base = self.root
        else:
            base = Path("/")
        folder = Path(os.path.normpath(base / edit.path))
        shown = relpath(folder, self.root)
        self.report(
            "IMP008",
            f"sys.path.{edit.op} adds `{shown}` (from `{edit.expr}`)",
            frame.rel,
            edit.line,
        )
        if folder in search:
            return
        if edit.op == "insert" or edit.op == "assign":
            search.insert(0, folder)
        else:
            search.append(folder)

    # -- imports ----------------------------------------------------------------------
    def _absolute(self, frame: _Frame, fact: ImportFact) -> str | None:
        """The absolute module name of a (possibly relative) import, or None after a finding."""
        if fact.level == 0:
            return fact.module
        package = frame.package
        if fact.kind == "dynamic":
            if fact.package == "__name__":
                package = frame.name
            elif fact.package not in (None, "__package__"):
                package = fact.package
        name = absolute_name(fact.level, fact.module, package)
        if not name.startswith("!"):
            return name
        shown = f"{'.' * fact.level}{fact.module}"
        if name == NO_PARENT:
            message = (
                f"relative import `{shown}` in a script: no parent package when it runs as "
                "the main program"
            )
        else:
            top = (package or "").split(".")[0]
            message = f"relative import `{shown}` goes beyond the top-level package `{top}`"
        self.report("IMP005", message, frame.rel, fact.line, fact.col + 1)
        return None

    def _import(self, frame: _Frame, fact: ImportFact, search: list[PathEntry]) -> list[_Run]:
        """Resolve one import; return the local files it executes, in order."""
        if fact.kind == "run-path":
            return self._run_path(frame, fact)
        if fact.kind == "run-command":
            self._run_command(frame, fact)
            return []  # another process: walked after this program
        if fact.dynamic or (fact.kind == "dynamic" and not fact.module and fact.level == 0):
            self.report(
                "IMP009",
                "import with a module name computed at run time: jobdeps cannot follow it",
                frame.rel,
                fact.line,
                fact.col + 1,
            )
            return []
        name = self._absolute(frame, fact)
        if name is None:
            return []
        # `from a import b` and `__import__("a", fromlist=["b"])` import submodule a.b
        names = tuple(n for n in fact.names if n != "*") if fact.kind != "import" else ()
        resolution = self.resolver.resolve(name, search, names)
        if self._namespace_dist(fact, resolution, names):
            # `from google.cloud import storage`: the distribution is the submodule's
            deeper = [self.resolver.resolve(f"{name}.{n}", search) for n in names]
            owned = [d for d in deeper if d.kind == "dist" and d.dist is not None]
            if owned:
                for item in owned:
                    self._record(frame, fact, item.name, item)
                return []
        executed = self._record(frame, fact, name, resolution)
        if fact.kind != "import" and resolution.kind == "local" and resolution.modules:
            parent = resolution.modules[-1]
            for imported in fact.names:
                if imported == "*":
                    self._star(frame, fact, parent, executed)
                    continue
                sub = self.resolver.submodule(parent, imported)
                if sub is not None:
                    executed.append(sub)
                    self._edge(frame, fact, f"file:{self.rel(sub.path)}", sub.name)
        if fact.type_checking:
            return []  # never executed at run time
        if fact.kind == "run-module" and resolution.kind == "local":
            return self._run_module(executed, fact.package or name, search)
        return self._runs(executed, search)

    def _star(
        self, frame: _Frame, fact: ImportFact, parent: LocalModule, executed: list[LocalModule]
    ) -> None:
        """``from pkg import *``: the submodules its ``__all__`` names are imported too."""
        if parent.kind != "package":
            return  # a module has no submodules, a namespace no __all__
        if parent.path in self._star_names:  # star-imported again: parsed once
            names = self._star_names[parent.path]
        else:
            source = self.reader.read(parent.path).source
            names = self._star_names[parent.path] = (
                all_names(source) if source is not None else None
            )
        for imported in names or ():
            sub = self.resolver.submodule(parent, imported)
            if sub is not None and sub not in executed:
                executed.append(sub)
                self._edge(frame, fact, f"file:{self.rel(sub.path)}", sub.name)

    def _runs(self, modules: list[LocalModule], search: list[PathEntry]) -> list[_Run]:
        """The files importing ``modules`` executes (namespaces have none; extensions are
        shipped, not read)."""
        runs = []
        for module in modules:
            if module.kind == "extension":
                self.walk_module(module, search)  # shipped, never read
            elif module.kind != "namespace":
                runs.append(_Run(module.path, module.name, _package_of(module), module.kind))
        return runs

    def _run_module(
        self, modules: list[LocalModule], run_name: str, search: list[PathEntry]
    ) -> list[_Run]:
        """``runpy.run_module(name, run_name=...)``: parents are imported, the target (or a
        package's ``__main__.py``) runs under ``run_name``."""
        *parents, last = modules
        runs = self._runs(parents, search)
        if last.kind in ("package", "namespace"):
            folder = last.path.parent if last.kind == "package" else last.path
            if last.kind == "package":
                runs.extend(self._runs([last], search))
            main = folder / "__main__.py"
            if main.is_file():
                runs.append(_Run(main, run_name, last.name, "run-path"))
        elif last.kind == "module":
            runs.append(_Run(last.path, run_name, last.name.rpartition(".")[0] or None, "run-path"))
        return runs

    @staticmethod
    def _namespace_dist(fact: ImportFact, resolution: Resolution, names: tuple[str, ...]) -> bool:
        """A from-import of a site-packages namespace (or of a module no distribution owns)."""
        if fact.kind != "from" or resolution.kind != "dist" or not names:
            return False
        hit = resolution.hit
        return hit is not None and (hit.is_namespace or resolution.dist is None)

    def _record(
        self, frame: _Frame, fact: ImportFact, name: str, resolution: Resolution
    ) -> list[LocalModule]:
        top = name.split(".")[0]
        loose = fact.optional or fact.type_checking or fact.conditional
        severity = Severity.WARNING if loose else None
        if resolution.kind == "stdlib":
            self.stdlib.add(top)
            self._edge(frame, fact, f"stdlib:{top}", name)
            return []
        if resolution.kind == "missing-stdlib":
            backport = BACKPORTS.get(top)
            advice = f"; use `{backport}`" if backport else ""
            where = f"of Python {self.version}"
            if top in WINDOWS_ONLY:
                where, advice = "on Linux, where jobs run (Windows only)", ""
            self.report(
                "IMP002",
                f"`{name}` is not in the standard library {where}{advice}",
                frame.rel,
                fact.line,
                fact.col + 1,
                severity,
            )
            self._unresolved(frame, fact, name, f"not in the stdlib of Python {self.version}")
            return []
        if resolution.kind == "dist":
            self._dist_use(frame, fact, name, resolution)
            return []
        if resolution.kind == "unresolved" and not resolution.modules:
            self._not_found(frame, fact, name, severity)
            return []
        # local (possibly with a missing submodule)
        modules = list(resolution.modules)
        for module in modules:
            if module.kind != "namespace":
                self._edge(frame, fact, f"file:{self.rel(module.path)}", module.name)
        first = modules[0]
        if first.kind == "extension" or modules[-1].kind == "extension":
            ext = modules[-1]
            self.report(
                "IMP006",
                f"`{name}` is a compiled extension in the project "
                f"({relpath(ext.path, self.root)}): it will not match the job's machine",
                frame.rel,
                fact.line,
                fact.col + 1,
            )
        if resolution.shadows == "stdlib":
            self.report(
                "IMP003",
                f"local `{relpath(first.path, self.root)}` shadows the standard-library module "
                f"`{top}`",
                frame.rel,
                fact.line,
                fact.col + 1,
            )
        elif resolution.shadows:
            self.report(
                "IMP004",
                f"local `{relpath(first.path, self.root)}` shadows `{top}` from the installed "
                f"distribution {resolution.shadows}",
                frame.rel,
                fact.line,
                fact.col + 1,
            )
        if resolution.root_fallback:
            self.report(
                "IMP012",
                f"`{name}` is found only from the project root, not from the entry's folder: "
                "the job needs the root on its path (PYTHONPATH=. or python -m)",
                frame.rel,
                fact.line,
                fact.col + 1,
            )
        if resolution.kind == "unresolved":
            self.report(
                "IMP001",
                f"`{name}`: no module `{resolution.missing_part}` in the local package",
                frame.rel,
                fact.line,
                fact.col + 1,
                severity,
            )
            self._unresolved(frame, fact, name, f"no local module {resolution.missing_part}")
        return modules

    def _edge(self, frame: _Frame, fact: ImportFact, target: str, name: str) -> None:
        # one string per node, shared by its edges (45,000 edges on a 5,000-module walk)
        target = sys.intern(target)
        if target not in self.nodes:
            kind, _, label = target.partition(":")
            self.nodes[target] = {"kind": kind, "label": label}
        self.edges.setdefault((frame.node, target), []).append((fact.line, name, fact))

    def _dist_use(self, frame: _Frame, fact: ImportFact, name: str, resolution: Resolution) -> None:
        dist = resolution.dist
        top = name.split(".")[0]
        if dist is not None:
            from packaging.utils import canonicalize_name

            canonical = canonicalize_name(dist.name)
            req = self.requirements.get(canonical)
            if req is None:
                req = self.requirements[canonical] = Requirement(
                    dist.name, canonical, dist.version, "installed", dist
                )
        else:
            guess, source = distribution_for_import(name)
            req = self._requirement(guess, source)
            self.report(
                "ENV002",
                f"`{top}` is installed but no distribution's metadata owns it; "
                f"assuming `{guess}` ({source})",
                frame.rel,
                fact.line,
                fact.col + 1,
            )
        req.uses.append(Use(frame.rel, fact.line, name, fact))
        self._edge(frame, fact, f"dist:{req.canonical}", name)

    def _requirement(self, name: str, source: str) -> Requirement:
        from packaging.utils import canonicalize_name

        canonical = canonicalize_name(name)
        req = self.requirements.get(canonical)
        if req is None:
            dist = self.env.distribution(name)
            if dist is not None:  # installed under that name, though not owning the import
                req = Requirement(dist.name, canonical, dist.version, "installed", dist)
            else:
                req = Requirement(name, canonical, None, source, None)
            self.requirements[canonical] = req
        return req

    def _not_found(
        self, frame: _Frame, fact: ImportFact, name: str, severity: Severity | None
    ) -> None:
        top = name.split(".")[0]
        guess, source = distribution_for_import(name)
        self._unresolved(
            frame, fact, name, f"not found in the target environment ({source}: {guess})"
        )
        if fact.optional or fact.type_checking:
            # Optional imports go in the requirements only when installed.
            self.report(
                "IMP001",
                f"`{name}` resolves nowhere ({_why_loose(fact)} here); "
                f"if it is needed at run time, install `{guess}`",
                frame.rel,
                fact.line,
                fact.col + 1,
                Severity.WARNING,
            )
            return
        req = self._requirement(guess, source)
        req.uses.append(Use(frame.rel, fact.line, name, fact))
        self._edge(frame, fact, f"dist:{req.canonical}", name)
        if (frame.rel, top, severity) in self._missing_reported:
            return  # one finding per missing distribution and file (its first import)
        self._missing_reported.add((frame.rel, top, severity))
        if source == "guessed":
            self.report(
                "IMP001",
                f"`{top}` resolves nowhere: not local, not stdlib {self.version}, not installed "
                f"(guessing the distribution `{guess}`)",
                frame.rel,
                fact.line,
                fact.col + 1,
                severity,
            )
        else:
            self.report(
                "ENV001",
                f"`{top}` is not installed in the target environment: `{guess}` ({source}) "
                "cannot be pinned",
                frame.rel,
                fact.line,
                fact.col + 1,
                severity,
            )

    def _unresolved(self, frame: _Frame, fact: ImportFact, name: str, reason: str) -> None:
        key = (name, reason)
        item = self.unresolved.get(key)
        if item is None:
            item = self.unresolved[key] = Unresolved(name, reason)
        item.uses.append(Use(frame.rel, fact.line, name, fact))

    def _run_path(self, frame: _Frame, fact: ImportFact) -> list[_Run]:
        if fact.dynamic or not fact.module:
            self.report(
                "IMP009",
                "a file is run with a computed path: jobdeps cannot follow it",
                frame.rel,
                fact.line,
                fact.col + 1,
            )
            return []
        # A literal is relative to the working folder (the job's root), as open() sees
        # it; a path built from __file__ to the file's folder.
        base = {"file": frame.path.parent, "abs": Path("/")}.get(fact.anchor, self.root)
        candidate = Path(os.path.normpath(base / fact.module))
        if candidate.is_file():
            self._edge(frame, fact, f"file:{relpath(candidate, self.root)}", fact.module)
            # exec() runs in the caller's namespace; runpy under its run_name
            if fact.package is None:
                return [_Run(candidate, frame.name, frame.package, "run-path")]
            return [_Run(candidate, fact.package, None, "run-path")]
        beside = frame.path.parent / fact.module
        where = (
            f"; it exists beside {frame.rel}, but the path is relative to the working folder"
            if beside.is_file()
            else ""
        )
        self.report(
            "IMP014",
            f"`{fact.module}` is run here but does not exist{where}",
            frame.rel,
            fact.line,
            fact.col + 1,
        )
        return []

    def _run_command(self, frame: _Frame, fact: ImportFact) -> None:
        """A program this code starts: read its command as the config's ``cmd`` is read
        (a Python script or ``-m`` module of the job, through launchers and shell
        scripts); what cannot be followed is reported here."""
        from jobdeps.analyzer.cmdline import UNPARSED_HINT, entries_from_command
        from jobdeps.analyzer.launchers import (
            COMPUTED,
            FILE_DIR,
            FILE_DIR_NAME,
            FILE_PATH,
            FILE_PATH_NAME,
        )

        # absolute: a ``cd`` in the command does not move it
        folder = os.fspath(frame.path.parent)
        entries, problems = entries_from_command(
            fact.module,
            self.root,
            f"{frame.rel}:{fact.line}",
            None,
            {FILE_DIR_NAME: folder, FILE_PATH_NAME: os.fspath(frame.path)},
            finding_path=frame.rel,
        )
        # the command as the user wrote it, a path from ``__file__`` from the job's root
        shown = fact.module.replace(FILE_DIR, relpath(frame.path.parent, self.root))
        shown = shown.replace(FILE_PATH, frame.rel)
        for problem in problems:
            what = problem.message.removesuffix(UNPARSED_HINT)
            if problem.code == "CFG029":
                code, message = "IMP014", f"`{shown}` is started here: {what}"
            elif COMPUTED in what:
                code = "IMP009"
                message = (
                    f"a program is started with a command computed at run time "
                    f"(`{shown}`): jobdeps cannot follow it"
                )
            else:
                code, message = "IMP009", f"`{shown}` is started here: {what}"
            self.report(code, message, frame.rel, fact.line, fact.col + 1)
        for entry in entries:
            target = self._program_file(entry)
            if target is not None:  # for ``why``: this line leads to that program
                self._edge(frame, fact, f"file:{relpath(target, self.root)}", entry.target)
            self.launched.append((entry, frame.rel, fact))

    def _program_file(self, entry: EntrySpec) -> Path | None:
        """The file a started program runs first: the script, a folder's or a ``-m``
        package's ``__main__.py``, a ``-m`` module's file."""
        if entry.kind != "module":
            target = Path(os.path.normpath(self.root / entry.target))
            return target / "__main__.py" if entry.kind == "package" else target
        resolution = self.resolver.resolve(entry.target, [self.root, STDLIB, SITE])
        if resolution.kind != "local" or not resolution.modules:
            return None
        last = resolution.modules[-1]
        if last.kind in ("package", "namespace"):
            folder = last.path.parent if last.kind == "package" else last.path
            return folder / "__main__.py"
        return last.path

    def run_launched(self, entries: Sequence[EntrySpec]) -> None:
        """Walk the programs the walked code starts, each once (and none that is an
        entry), until they start no new one."""
        done = self._launched_done
        done.update((e.kind, e.target, e.pythonpath) for e in entries)
        while self.launched:
            entry, rel, fact = self.launched.pop(0)
            key = (entry.kind, entry.target, entry.pythonpath)
            if key in done:
                continue
            done.add(key)
            self._seen.clear()  # a process of its own
            try:
                self.run_entry(entry, launched=True)
                self.started.append(entry)
            except EntryError as exc:  # it changed since the command was read, say
                self.report(
                    "IMP014",
                    f"`{fact.module}` is started here: {exc}",
                    rel,
                    fact.line,
                    fact.col + 1,
                )

    # -- results ---------------------------------------------------------------------
    def result(self, entries: list[EntrySpec]) -> Analysis:
        requirements = sorted(self.requirements.values(), key=lambda r: r.canonical)
        requirements = [r for r in requirements if r.uses]
        unresolved = sorted(self.unresolved.values(), key=lambda u: (u.name, u.reason))
        return Analysis(
            root=self.root,
            target_version=self.version,
            entries=entries,
            nodes=self.nodes,
            edges=self.edges,
            local_files=dict(sorted(self.local.items())),
            requirements=requirements,
            stdlib=sorted(self.stdlib),
            unresolved=unresolved,
            findings=sort_findings(self.findings),
            facts=self.facts,
            sources=self.sources,
            environment=self.env,
            entry_files=self.entry_files,
            started=list(self.started),
        )


def build_environment(options: AnalysisOptions) -> Environment:
    if options.environment is not None:
        return options.environment
    version = (
        normalise_version(options.python_version) if options.python_version else running_version()
    )
    if options.site_packages:
        return Environment.from_site_dirs(list(options.site_packages), python_version=version)
    if options.python is not None:
        return Environment.from_python(options.python)
    return Environment.current()


def analyze(entries: Sequence[EntrySpec], options: AnalysisOptions | None = None) -> Analysis:
    """Walk the import graph from ``entries`` and classify every import.

    Raises :class:`EntryError` for an entry that does not exist; every problem
    inside the user's files is a finding instead.
    """
    options = options or AnalysisOptions()
    root = options.root.resolve()
    if not root.is_dir():
        raise EntryError(f"{options.root}: the project root is not a folder")
    env = build_environment(options)
    walker = _Walker(root, options, env)
    # The walk allocates many small, mostly acyclic objects (syntax trees, facts,
    # records): the default GC thresholds make collections walk the growing live heap
    # again and again. Collect far less often during the walk; restore after.
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
    try:
        for entry in entries:
            walker._seen.clear()  # each entry runs in a process of its own
            walker.run_entry(entry)
            walker.run_launched(entries)
    finally:
        gc.set_threshold(*thresholds)
        if options.reader is None:
            walker.reader.close()  # stops a pool, writes the facts cache
    return walker.result(list(entries))
