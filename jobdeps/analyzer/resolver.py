"""Static module resolution: where would CPython find ``import a.b.c`` on the job's machine?

The search path is a list of entries in ``sys.path`` order: local folders (the
entry script's folder, ``--path`` roots, folders added by ``sys.path`` edits),
the standard library of the target Python, and the target environment's
site-packages. Regular packages and modules beat namespace portions anywhere on
the path, exactly as the import system's path finder does; a folder without
``__init__.py`` only makes a local namespace package when it holds the
imported submodule.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from jobdeps.analyzer.stdlib import (
    WINDOWS_ONLY,
    all_stdlib_top_level,
    preloaded_modules,
    stdlib_top_level,
)

if TYPE_CHECKING:
    from jobdeps.analyzer.environment import Distribution, ModuleHit


class EnvironmentLike(Protocol):
    def find_module(self, dotted: str) -> ModuleHit | None: ...

    def owner(self, dotted: str) -> Distribution | None: ...


STDLIB = "<stdlib>"
SITE = "<site-packages>"
PathEntry = Path | str  # a local folder, or STDLIB / SITE

#: An object's identity as ``id()`` has it, without the ``builtins.id`` audit event
#: that ``id()`` raises: with an audit hook installed (a recorded run, see
#: ``jobdeps.cli.observe``), 270,000 calls to ``id()`` on a 5,000-module walk cost
#: 0.25 s. In CPython ``object.__hash__`` is the object's address, rotated: distinct
#: for distinct live objects.
identity = object.__hash__


ModuleKind = Literal["module", "package", "namespace", "extension"]


@dataclass(frozen=True)
class LocalModule:
    """A local module the import executes: ``path`` is its file (``__init__.py`` for a
    package, the folder for a namespace package)."""

    name: str
    path: Path
    kind: ModuleKind


@dataclass
class Resolution:
    """The outcome of resolving one absolute module name.

    ``kind``: ``local``, ``stdlib``, ``dist`` (a third-party module in the target
    environment), ``missing-stdlib`` (stdlib in another Python version, not the
    target), or ``unresolved``. For ``local``, ``modules`` lists every local module
    executed, parents first. ``shadows`` names what a local module hides
    (``stdlib`` or a distribution's name). ``root_fallback`` is set when only the
    project root found it.
    """

    kind: Literal["local", "stdlib", "dist", "missing-stdlib", "unresolved"]
    name: str
    modules: list[LocalModule] = field(default_factory=list)
    dist: Distribution | None = None
    hit: ModuleHit | None = None
    shadows: str | None = None
    root_fallback: bool = False
    missing_part: str | None = None  # first name that was not found under a local package

    @property
    def top(self) -> str:
        return self.name.split(".")[0]


#: Stdlib packages stdlib-list leaves out: CPython's own test suite (``test.support``).
#: Never a PyPI name (pipreqs maps ``test`` to pytabix), and, being found only after
#: every local folder, never something a local ``test/`` "shadows".
_UNLISTED_STDLIB = frozenset({"test"})


#: What a folder's listing says of an entry (``os.scandir``'s d_type, no stat): a
#: regular file, a folder, something else (a FIFO...), or a link (asked when needed).
_FILE, _DIR, _NEITHER, _LINK = 0, 1, 2, 3


class DirListing:
    """``os.scandir`` with a cache: resolution asks the same folders again and again.

    The entries' types come with the listing on most file systems, so telling a
    module file from a folder named ``x.py`` costs no ``stat`` (5,000 of them on a
    5,000-module walk); only links are followed with one."""

    def __init__(self) -> None:
        self._cache: dict[Path, frozenset[str]] = {}
        self._kinds: dict[str, dict[str, int]] = {}  # by folder as text
        self._isdir: dict[Path, bool] = {}
        # find_in_dir's answers by (folder as text, name, suffixes)
        self.found: dict[tuple[str, str, tuple[str, ...]], LocalModule | None] = {}

    def names(self, directory: Path) -> frozenset[str]:
        cached = self._cache.get(directory)
        if cached is None:
            kinds = _scan_kinds(directory)
            self._kinds[str(directory)] = kinds
            cached = self._cache[directory] = frozenset(kinds)
        return cached

    def is_dir(self, path: Path) -> bool:
        cached = self._isdir.get(path)
        if cached is None:
            cached = False
            if path.name in self.names(path.parent):
                kind = self._kinds[str(path.parent)][path.name]
                cached = kind == _DIR or (kind == _LINK and os.path.isdir(path))
            self._isdir[path] = cached
        return cached

    def is_file(self, path: Path) -> bool:
        """A regular file (through symlinks), as the import system asks: a folder named
        ``x.py`` or a FIFO is no module. A link that leads nowhere (dangling, or a
        loop) counts, so that the walk reports it (IMP011) instead of "not found"."""
        if path.name not in self.names(path.parent):
            return False
        return self.holds_file(str(path.parent), path.name)

    def holds_file(self, folder: str, filename: str) -> bool:
        """:meth:`is_file` of ``folder/filename``, ``filename`` being listed in ``folder``
        (no Path built: the walk asks this for every module it enters)."""
        kinds = self._kinds.get(folder)
        kind = _LINK if kinds is None else kinds.get(filename, _LINK)
        if kind != _LINK:
            return kind == _FILE
        path = os.path.join(folder, filename)
        return os.path.isfile(path) or (os.path.islink(path) and not os.path.exists(path))


def _scan_kinds(directory: Path) -> dict[str, int]:
    """A folder's entries and what each is, from its listing (empty when unreadable)."""
    kinds: dict[str, int] = {}
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    if entry.is_symlink():
                        kind = _LINK
                    elif entry.is_file(follow_symlinks=False):
                        kind = _FILE
                    elif entry.is_dir(follow_symlinks=False):
                        kind = _DIR
                    else:
                        kind = _NEITHER
                except OSError:  # the type needed a stat that failed: ask again later
                    kind = _LINK
                kinds[entry.name] = kind
    except OSError:
        return {}
    return kinds


def extension_suffixes(version: str) -> tuple[str, ...]:
    """What the target's import system loads as an extension module, in its order
    (CPython on Linux x86_64): ``.cpython-311-x86_64-linux-gnu.so``, ``.abi3.so``, ``.so``."""
    tag = version.replace(".", "")
    return (f".cpython-{tag}-x86_64-linux-gnu.so", ".abi3.so", ".so")


def find_in_dir(
    listing: DirListing, directory: Path, name: str, ext_suffixes: Sequence[str] = (".so",)
) -> LocalModule | None:
    """One step of the path finder inside ``directory``, in CPython's order: a package
    (folder with ``__init__.py``), an extension module, a source module, and last a
    namespace portion (a folder without ``__init__.py``). Memoised in ``listing``."""
    key = (str(directory), name, tuple(ext_suffixes))
    try:
        return listing.found[key]
    except KeyError:
        pass
    found = listing.found[key] = _find_in_dir(listing, directory, name, ext_suffixes)
    return found


def _find_in_dir(
    listing: DirListing, directory: Path, name: str, ext_suffixes: Sequence[str]
) -> LocalModule | None:
    names = listing.names(directory)
    has_dir = False
    if name in names:
        candidate = directory / name
        has_dir = listing.is_dir(candidate)
        if has_dir and listing.is_file(candidate / "__init__.py"):
            return LocalModule(name, candidate / "__init__.py", "package")
    folder = str(directory)
    for suffix in ext_suffixes:
        filename = name + suffix
        if filename in names and listing.holds_file(folder, filename):
            return LocalModule(name, directory / filename, "extension")
    filename = name + ".py"
    if filename in names and listing.holds_file(folder, filename):
        return LocalModule(name, directory / filename, "module")
    if has_dir:
        return LocalModule(name, directory / name, "namespace")
    return None


class Resolver:
    """Resolves absolute module names against a search path, for one target Python."""

    def __init__(
        self,
        environment: EnvironmentLike,
        target_version: str,
        project_root: Path,
        listing: DirListing | None = None,
    ) -> None:
        self.env = environment
        self.version = target_version
        self.root = project_root
        self.listing = listing or DirListing()
        self._stdlib = stdlib_top_level(target_version)
        self._preloaded = preloaded_modules(target_version)
        self.ext_suffixes = extension_suffixes(target_version)
        self._site_cache: dict[str, ModuleHit | None] = {}
        self._memo: dict[tuple[str, int, tuple[str, ...]], Resolution] = {}
        # resolutions that did not depend on the imported names (no namespace portion
        # was judged): ``from app import mod_1`` ... ``mod_4999`` resolve ``app`` once
        self._memo_any: dict[tuple[str, int], Resolution] = {}
        self._judged_names = False  # set by _namespace while _resolve runs
        self._search_tokens: dict[tuple[int, ...], int] = {}
        self._search_kept: list[tuple[PathEntry, ...]] = []

    def site_hit(self, dotted: str) -> ModuleHit | None:
        if dotted not in self._site_cache:
            self._site_cache[dotted] = self.env.find_module(dotted)
        return self._site_cache[dotted]

    def resolve(
        self, name: str, search: Sequence[PathEntry], submodules: Sequence[str] = ()
    ) -> Resolution:
        """Resolve ``name`` on ``search`` (memoised: the walk asks the same names often).

        ``submodules`` are the names of ``from name import a, b``: a top-level folder
        without ``__init__.py`` is a namespace package when it holds one of them.
        """
        token = self.search_token(search)
        cached = self._memo_any.get((name, token))
        if cached is not None:
            return cached
        key = (name, token, tuple(submodules))
        cached = self._memo.get(key)
        if cached is None:
            self._judged_names = False
            cached = self._memo[key] = self._resolve(name, search, tuple(submodules))
            if not self._judged_names:
                self._memo_any[(name, token)] = cached
        return cached

    def search_token(self, search: Sequence[PathEntry]) -> int:
        """The search path as a small number, the same for the same entries.

        Hashing its Paths at every call was a good part of a warm run (``Path.__hash__``
        is Python-level before 3.12). Entries are keyed by identity and kept alive
        here, so an identity is never reused."""
        ids = tuple(map(identity, search))
        token = self._search_tokens.get(ids)
        if token is None:
            token = self._search_tokens[ids] = len(self._search_kept)
            self._search_kept.append(tuple(search))
        return token

    def _resolve(
        self, name: str, search: Sequence[PathEntry], submodules: tuple[str, ...]
    ) -> Resolution:
        top = name.split(".")[0]
        if top in self._preloaded:
            return Resolution("stdlib", name)
        portions: list[Path] = []
        site_namespace = False
        for index, entry in enumerate(search):
            if entry == STDLIB:
                if top in WINDOWS_ONLY:  # jobs run on Linux
                    return Resolution("missing-stdlib", name)
                if top in self._stdlib:
                    return Resolution("stdlib", name)
                continue
            if entry == SITE:
                hit = self.site_hit(top)
                if hit is not None:
                    if not hit.is_namespace:
                        return self._dist(name, hit)
                    site_namespace = True
                continue
            assert isinstance(entry, Path)
            found = find_in_dir(self.listing, entry, top, self.ext_suffixes)
            if found is None:
                continue
            if found.kind == "namespace":
                portions.append(entry)
                continue
            resolution = self._descend(name, [found])
            resolution.shadows = self._shadowed(top, search[index + 1 :])
            return resolution
        if portions:
            local = self._namespace(name, portions, submodules)
            if local is not None:
                return local
        if site_namespace:
            hit = self.site_hit(name) or self.site_hit(top)
            return self._dist(name, hit)
        # Only the project root finds it: the job needs the root on its path.
        if self.root not in search:
            found = find_in_dir(self.listing, self.root, top, self.ext_suffixes)
            if found is not None and found.kind != "namespace":
                resolution = self._descend(name, [found])
                resolution.root_fallback = True
                return resolution
            if found is not None:
                local = self._namespace(name, [self.root], submodules)
                if local is not None:
                    local.root_fallback = True
                    return local
        if top in _UNLISTED_STDLIB:
            return Resolution("stdlib", name)
        if top == "distutils":
            # Gone from the stdlib in 3.12, but setuptools' distutils-precedence.pth
            # installs a finder (``_distutils_hack``) that loads setuptools._distutils.
            shim = self.site_hit("_distutils_hack")
            setuptools = self.site_hit("setuptools")
            if shim is not None and setuptools is not None:
                owner = self.env.owner("setuptools")
                return Resolution("dist", name, dist=owner, hit=setuptools)
        if top in all_stdlib_top_level():
            return Resolution("missing-stdlib", name)
        return Resolution("unresolved", name)

    def _dist(self, name: str, hit: ModuleHit | None) -> Resolution:
        owner = self.env.owner(name)
        if owner is None and "." in name:
            owner = self.env.owner(name.split(".")[0])
        return Resolution("dist", name, dist=owner, hit=hit)

    def _shadowed(self, top: str, rest: Sequence[PathEntry]) -> str | None:
        """What a local top-level module hides that comes later on the path."""
        for entry in rest:
            if entry == STDLIB and top in self._stdlib:
                return "stdlib"
            if entry == SITE:
                hit = self.site_hit(top)
                if hit is not None and not hit.is_namespace:
                    owner = self.env.owner(top)
                    return owner.name if owner is not None else top
        return None

    def _descend(self, name: str, chain: list[LocalModule], start: int = 1) -> Resolution:
        """Walk ``a.b.c`` down from the local modules already in ``chain`` (``start`` parts)."""
        parts = name.split(".")
        current = chain[-1]
        for depth in range(start, len(parts)):
            if current.kind in ("module", "extension"):
                return Resolution(
                    "unresolved", name, chain, missing_part=".".join(parts[: depth + 1])
                )
            folder = current.path.parent if current.kind == "package" else current.path
            found = find_in_dir(self.listing, folder, parts[depth], self.ext_suffixes)
            if found is None:
                return Resolution(
                    "unresolved", name, chain, missing_part=".".join(parts[: depth + 1])
                )
            current = LocalModule(".".join(parts[: depth + 1]), found.path, found.kind)
            chain.append(current)
        return Resolution("local", name, chain)

    def _namespace(
        self, name: str, portions: list[Path], submodules: tuple[str, ...] = ()
    ) -> Resolution | None:
        """A local namespace package counts only when a portion holds the submodule.

        A bare ``import helpers`` of a folder without ``__init__.py`` counts when the
        folder holds Python code; a folder of data named like a distribution
        (``datasets/``) does not make ``import datasets`` local.
        """
        self._judged_names = True
        parts = name.split(".")
        top = parts[0]
        if len(parts) == 1:
            for portion in portions:
                folder = portion / top
                wanted = [s for s in submodules if s != "*"]
                holds = any(
                    find_in_dir(self.listing, folder, sub, self.ext_suffixes) for sub in wanted
                )
                if holds or (not wanted and self._holds_python(folder)):
                    return Resolution("local", name, [LocalModule(top, folder, "namespace")])
            return None
        for portion in portions:
            folder = portion / top
            found = find_in_dir(self.listing, folder, parts[1], self.ext_suffixes)
            if found is None:
                continue
            chain = [LocalModule(top, folder, "namespace")]
            chain.append(LocalModule(f"{top}.{parts[1]}", found.path, found.kind))
            return self._descend(name, chain, 2)
        return None

    def _holds_python(self, folder: Path) -> bool:
        names = self.listing.names(folder)
        return any(n.endswith(".py") for n in names) or any(
            "__init__.py" in self.listing.names(folder / n)
            for n in sorted(names)
            if self.listing.is_dir(folder / n)
        )

    def submodule(self, parent: LocalModule, name: str) -> LocalModule | None:
        """``from parent import name``: the submodule ``name`` if it exists (else a name)."""
        if parent.kind not in ("package", "namespace"):
            return None
        folder = parent.path.parent if parent.kind == "package" else parent.path
        found = find_in_dir(self.listing, folder, name, self.ext_suffixes)
        if found is None:
            return None
        return LocalModule(f"{parent.name}.{name}", found.path, found.kind)
