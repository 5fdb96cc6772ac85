"""The target environment index: installed distributions and the modules they own.

:class:`Environment` answers, from files alone, "where would ``import x.y``
find its module?" (:meth:`Environment.find_module`) and "which installed
distribution put that file there?" (:meth:`Environment.owner`). Nothing of
the analysed environment is imported or executed.

It is lazy, so that a site-packages with thousands of distributions stays
cheap: constructing it only lists folder names; METADATA is read for the
distributions asked for; RECORD files are read only for the candidates of an
imported top-level name (by canonical name first, then ``top_level.txt``, then
the rest), and what each distribution provides is cached on disk
(:mod:`jobdeps.analyzer.envcache`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, get_args

from packaging.utils import canonicalize_name

from jobdeps.analyzer import envcache
from jobdeps.analyzer.distmeta import (
    DirectUrl,
    DirectUrlKind,
    Distribution,
    canonical_from_folder,
    is_importable_path,
    is_metadata_dir_name,
    local_label,
    read_direct_url,
    read_egg_installed_files,
    read_egg_sources,
    read_headers,
    read_record_paths,
    read_top_level,
    top_name_of_path,
)
from jobdeps.analyzer.sitedirs import (
    EditableFinder,
    SearchPath,
    current_site_dirs,
    editable_finders,
    expand_site_dirs,
    query_interpreter,
)

__all__ = [
    "DirectUrl",
    "Distribution",
    "Environment",
    "ModuleHit",
    "umbrella_for",
]

_EXT_SUFFIX_RE = r"(\.[A-Za-z0-9_\-]+)?\.(so|pyd)"


@dataclass(frozen=True)
class ModuleHit:
    """Where a module was found.

    ``path`` is the module's file: ``mod.py``, ``mod.cpython-311-x86_64-linux-gnu.so``,
    a package's ``__init__.py``, or for a namespace package its first portion
    folder (all portions in ``portions``). ``search_path`` is the import root it
    was found under (a site dir, a ``.pth`` folder, or an editable mapping's
    parent); ``via`` is the PEP 660 finder file when one mapped it.
    """

    path: Path
    is_package: bool
    is_namespace: bool
    is_extension: bool
    search_path: Path
    portions: tuple[Path, ...] = ()
    via: Path | None = None
    portion_roots: tuple[Path, ...] = ()

    @property
    def location(self) -> Path:
        """The package folder for packages and namespaces, else the module file."""
        if self.is_namespace:
            return self.path
        return self.path.parent if self.is_package else self.path


class Environment:
    """An installed environment described by its search paths (see module doc)."""

    def __init__(
        self,
        paths: Sequence[SearchPath],
        finders: Sequence[EditableFinder] = (),
        python_version: str | None = None,
    ) -> None:
        self._paths = list(paths)
        self._finders = list(finders)
        self.python_version = python_version
        self._listings: dict[Path, frozenset[str]] = {}
        self._folders: dict[str, Path] = {}  # canonical name -> metadata folder (first wins)
        self._by_dir: dict[Path, list[Path]] = {}  # search path -> its metadata folders
        for sp in self._paths:
            folders = sorted(sp.path / n for n in self._listdir(sp.path) if is_metadata_dir_name(n))
            self._by_dir[sp.path] = folders
            for folder in folders:
                self._folders.setdefault(canonical_from_folder(folder.name), folder)
        self._dists: dict[Path, Distribution] = {}
        self._files: dict[Path, frozenset[str] | None] = {}
        self._entries: dict[Path, envcache.Entry] = {}  # search path -> its cached answers
        self._cache_keys: dict[Path, str] = {}
        self._dirty: set[Path] = set()

    # ------------------------------------------------------------ constructors

    @classmethod
    def from_site_dirs(cls, dirs: Sequence[Path], python_version: str | None = None) -> Environment:
        """The environment made of ``dirs`` and the folders their ``.pth`` files add."""
        paths = expand_site_dirs(dirs)
        finders = [f for sp in paths if sp.added_by is None for f in editable_finders(sp.path)]
        return cls(paths, finders, python_version)

    @classmethod
    def current(cls) -> Environment:
        """The running interpreter's site dirs (never its stdlib)."""
        import platform

        return cls.from_site_dirs(current_site_dirs(), platform.python_version())

    @classmethod
    def from_python(cls, python: Path) -> Environment:
        """Ask ``python`` for its ``sys.path`` once, then read its site dirs as files.

        Raises :class:`jobdeps.analyzer.sitedirs.InterpreterError` with a one-line
        message when the interpreter cannot be run.
        """
        info = query_interpreter(python)
        return cls.from_site_dirs(info.site_dirs, info.python_version)

    # ------------------------------------------------------------ listing

    @property
    def search_paths(self) -> list[Path]:
        """Import roots in import order: site dirs, ``.pth`` folders, editable roots."""
        out = [sp.path for sp in self._paths]
        for finder in self._finders:
            for target in finder.mapping.values():
                root = target.parent
                if root not in out:
                    out.append(root)
        return out

    def _listdir(self, directory: Path) -> frozenset[str]:
        cached = self._listings.get(directory)
        if cached is None:
            try:
                cached = frozenset(os.listdir(directory))
            except OSError:
                cached = frozenset()
            self._listings[directory] = cached
        return cached

    # ------------------------------------------------------------ distributions

    def distribution(self, name: str) -> Distribution | None:
        """The installed distribution called ``name`` (any spelling), or ``None``."""
        folder = self._folders.get(canonicalize_name(name))
        try:
            return self._load(folder) if folder is not None else None
        finally:
            self._flush_cache()

    def distributions(self) -> list[Distribution]:
        """Every installed distribution, sorted by canonical name (reads all METADATA)."""
        dists = [self._load(folder) for _name, folder in sorted(self._folders.items())]
        return [d for d in dists if d is not None]

    def requested_distributions(self) -> list[Distribution]:
        """Distributions with a REQUESTED marker (installed by the user, not as a dependency).

        Checks the marker file first, so only those distributions' METADATA is read.
        """
        folders = [f for _n, f in sorted(self._folders.items()) if (f / "REQUESTED").is_file()]
        return [self._load(f) for f in folders]

    def distribution_names(self) -> list[str]:
        """Canonical names of installed distributions (cheap: folder names only)."""
        return sorted(self._folders)

    def _site_of(self, folder: Path) -> Path:
        return folder.parent

    def _load(self, folder: Path) -> Distribution:
        dist = self._dists.get(folder)
        if dist is not None:
            return dist
        site = self._site_of(folder)
        entry = self._entry(site) if site in self._by_dir else None
        row = entry.dists.get(folder.name) if entry is not None else None
        dist = _dist_from_row(row, folder, site) if row is not None else None
        if dist is None:
            self._stamp(folder)
            dist = self._read_distribution(folder)
            if entry is not None:
                entry.dists[folder.name] = _dist_row(dist)
                self._dirty.add(site)
        self._dists[folder] = dist
        return dist

    def _read_distribution(self, folder: Path) -> Distribution:
        """The distribution as its metadata folder says (METADATA, RECORD, PEP 610)."""
        name, version, requires = read_headers(folder)
        if not name:
            name = folder.name.split("-", 1)[0].rsplit(".", 1)[0]
        files = self._files_of(folder)
        # An umbrella installs nothing importable; a ``.pth`` (editable installs) counts
        # as something, since it adds a folder of modules.
        metadata_only = files is not None and not any(
            is_importable_path(p) or (p.endswith(".pth") and "/" not in p) for p in files
        )
        is_dist_info = folder.name.endswith(".dist-info")
        return Distribution(
            name=name,
            canonical=canonicalize_name(name),
            version=version or "0",
            metadata_path=folder,
            site_dir=self._site_of(folder),
            requires=requires,
            requested=(folder / "REQUESTED").is_file() if is_dist_info else None,
            direct_url=read_direct_url(folder),
            is_metadata_only=metadata_only,
            local_version=local_label(version),
        )

    def _files_of(self, folder: Path) -> frozenset[str] | None:
        """Site-relative installed files: RECORD, else ``installed-files.txt``, else unknown."""
        if folder in self._files:
            return self._files[folder]
        self._stamp(folder)
        files: frozenset[str] | None = None
        if folder.is_dir():
            if (folder / "RECORD").is_file():
                files = frozenset(read_record_paths(folder))
            else:
                egg = read_egg_installed_files(folder)
                files = frozenset(egg) if egg is not None else None
        self._files[folder] = files
        return files

    # ------------------------------------------------------------ top-level index

    def _entry(self, site: Path) -> envcache.Entry:
        """The cached answers for ``site``, keyed by its metadata folders' names and mtimes."""
        entry = self._entries.get(site)
        if entry is None:
            mtimes = {}
            for folder in self._by_dir.get(site, []):
                try:
                    mtimes[folder.name] = folder.stat().st_mtime_ns
                except OSError:
                    mtimes[folder.name] = 0
            key = envcache.cache_key(site, mtimes)
            self._cache_keys[site] = key
            entry = envcache.load(key)
            # rows naming a folder that is not there are damage: dropped
            entry.tops = {k: v for k, v in entry.tops.items() if k in mtimes}
            entry.owners = {k: v for k, v in entry.owners.items() if v == "" or v in mtimes}
            entry.dists = {k: v for k, v in entry.dists.items() if k in mtimes}
            stamps = {k: v for k, v in entry.stamps.items() if k in mtimes}
            edited = {k for k, v in stamps.items() if envcache.metadata_stamps(site / k) != v}
            if edited:  # a metadata file rewritten in place: its rows are made again
                entry.tops = {k: v for k, v in entry.tops.items() if k not in edited}
                entry.dists = {k: v for k, v in entry.dists.items() if k not in edited}
                entry.owners = {}  # "" rows too: an edited RECORD may now own the file
                stamps = {k: v for k, v in stamps.items() if k not in edited}
            # rows without stamps (nothing read for them) are kept as they are
            entry.stamps = stamps
            self._entries[site] = entry
        return entry

    def _stamp(self, folder: Path) -> None:
        """Note the stamps of ``folder``'s metadata files before its rows are made."""
        site = folder.parent
        if site not in self._by_dir:
            return
        entry = self._entry(site)
        if folder.name not in entry.stamps:
            entry.stamps[folder.name] = envcache.metadata_stamps(folder)
            self._dirty.add(site)

    def _tops_table(self, site: Path) -> dict[str, list[str]]:
        return self._entry(site).tops

    def tops_of(self, folder: Path) -> list[str]:
        """Top-level names a distribution provides (RECORD, then top_level.txt, then egg files)."""
        site = folder.parent
        table = self._tops_table(site)
        if folder.name in table:
            return table[folder.name]
        names: set[str] = set()
        files = self._files_of(folder)
        if files is not None:
            names = {t for t in (top_name_of_path(p) for p in files) if t}
        if not names:
            names = {t.split("/")[0].split(".")[0] for t in read_top_level(folder)}
        if not names and files is None:
            for source in read_egg_sources(folder):
                top = top_name_of_path(source.split("/", 1)[-1] if "/" in source else source)
                if top and top != "setup":
                    names.add(top)
        result = sorted(n for n in names if n)
        table[folder.name] = result
        self._dirty.add(site)
        return result

    def _candidates(self, site: Path, top: str) -> Iterator[Path]:
        """Metadata folders in ``site`` that provide ``top``, cheapest guesses first."""
        table = self._tops_table(site)
        folders = self._by_dir.get(site, [])
        seen: set[Path] = set()
        for folder in folders:  # already known
            if folder.name in table and top in table[folder.name]:
                seen.add(folder)
                yield folder
        unknown = [f for f in folders if f.name not in table and f not in seen]
        canonical = canonicalize_name(top)
        by_name = [f for f in unknown if canonical_from_folder(f.name) == canonical]
        by_top_level = [
            f
            for f in unknown
            if f not in by_name and top in {t.split("/")[0] for t in read_top_level(f)}
        ]
        rest = [f for f in unknown if f not in by_name and f not in by_top_level]
        for folder in [*by_name, *by_top_level, *rest]:
            if folder.name in table:  # filled meanwhile by the caller's other lookups
                if top in table[folder.name] and folder not in seen:
                    seen.add(folder)
                    yield folder
                continue
            if top in self.tops_of(folder):
                seen.add(folder)
                yield folder

    def _flush_cache(self) -> None:
        for site in sorted(self._dirty):
            key = self._cache_keys.get(site)
            if key is not None:
                envcache.store(key, self._entries[site])
        self._dirty.clear()

    # ------------------------------------------------------------ module lookup

    def find_module(self, dotted: str) -> ModuleHit | None:
        """Statically locate the third-party module ``dotted`` (``None`` if absent)."""
        parts = dotted.split(".")
        if not parts or not all(p.isidentifier() for p in parts):
            return None
        roots = [(sp.path, sp.path) for sp in self._paths]
        hit = self._find_in(parts[0], roots) or self._find_editable(parts[0])
        for depth, part in enumerate(parts[1:], start=2):
            if hit is None:
                return None
            editable_ns = self._editable_namespace(".".join(parts[:depth]))
            if editable_ns is not None:
                hit = editable_ns
                continue
            if hit.is_namespace:
                dirs = list(zip(hit.portions, hit.portion_roots, strict=True))
            elif hit.is_package:
                dirs = [(hit.path.parent, hit.search_path)]
            else:
                return None
            child = self._find_in(part, dirs)
            if child is not None and hit.via is not None:
                child = replace(child, via=hit.via)
            hit = child
        return hit

    def _find_in(self, name: str, dirs: Sequence[tuple[Path, Path]]) -> ModuleHit | None:
        """Search ``name`` in ``(directory, search_path)`` pairs as ``FileFinder`` would."""
        ext_re = re.compile(re.escape(name) + _EXT_SUFFIX_RE + "$")
        portions: list[tuple[Path, Path]] = []
        for directory, root in dirs:
            listing = self._listdir(directory)
            candidate = directory / name
            if name in listing and candidate.is_dir():
                inner = self._listdir(candidate)
                init = _init_file(inner)
                if init is not None:
                    return ModuleHit(
                        candidate / init,
                        is_package=True,
                        is_namespace=False,
                        is_extension=not init.endswith((".py", ".pyc")),
                        search_path=root,
                    )
            module = _module_file(name, listing, ext_re)
            if module is not None:
                return ModuleHit(
                    directory / module,
                    is_package=False,
                    is_namespace=False,
                    is_extension=not module.endswith((".py", ".pyc")),
                    search_path=root,
                )
            if (
                name in listing
                and candidate.is_dir()
                and "__init__.pyi" not in self._listdir(candidate)
            ):
                portions.append((candidate, root))  # a stub-only package is not a portion
        if portions:
            return ModuleHit(
                portions[0][0],
                is_package=False,
                is_namespace=True,
                is_extension=False,
                search_path=portions[0][1],
                portions=tuple(p for p, _ in portions),
                portion_roots=tuple(r for _, r in portions),
            )
        return None

    def _find_editable(self, name: str) -> ModuleHit | None:
        """A top-level name mapped by a PEP 660 finder (consulted after the paths)."""
        for finder in self._finders:
            target = finder.mapping.get(name)
            if target is None:
                continue
            root = target.parent
            if target.is_dir():
                init = _init_file(self._listdir(target))
                if init is not None:
                    is_ext = not init.endswith((".py", ".pyc"))
                    return ModuleHit(target / init, True, False, is_ext, root, via=finder.finder)
                return ModuleHit(
                    target, False, True, False, root, (target,), finder.finder, (root,)
                )
            if target.is_file():
                is_ext = not target.name.endswith((".py", ".pyc"))
                return ModuleHit(target, False, False, is_ext, root, via=finder.finder)
        return None

    def _editable_namespace(self, dotted: str) -> ModuleHit | None:
        for finder in self._finders:
            dirs = finder.namespaces.get(dotted)
            if dirs:
                existing = tuple(d for d in dirs if d.is_dir())
                if existing:
                    roots = tuple(d.parent for d in existing)
                    return ModuleHit(
                        existing[0], False, True, False, roots[0], existing, finder.finder, roots
                    )
        return None

    # ------------------------------------------------------------ ownership

    def owner(self, dotted: str) -> Distribution | None:
        """The distribution that installed the deepest existing module of ``dotted``."""
        try:
            return self._owner(dotted)
        finally:
            self._flush_cache()

    def _owner(self, dotted: str) -> Distribution | None:
        parts = dotted.split(".")
        hit = None
        for depth in range(len(parts), 0, -1):
            hit = self.find_module(".".join(parts[:depth]))
            if hit is not None:
                break
        if hit is None:
            return None
        if hit.via is not None:
            return self._owner_of_site_file(hit.via)
        if hit.is_namespace:
            return self._namespace_owner(hit)
        return self._owner_of_file(hit.path, hit.search_path)

    def _site_path(self, root: Path) -> SearchPath | None:
        for sp in self._paths:
            if sp.path == root:
                return sp
        return None

    def _owner_of_file(self, path: Path, root: Path) -> Distribution | None:
        rel = path.relative_to(root).as_posix()
        top = top_name_of_path(rel)
        if top is None:
            return None
        owners = self._entry(root).owners
        owner = owners.get(rel)
        if owner is None:  # not cached: the candidates' RECORDs say
            owner = ""
            for folder in self._candidates(root, top):
                files = self._files_of(folder)
                if files is None or rel in files or _sources_match(folder, rel):
                    owner = folder.name
                    break
            owners[rel] = owner
            self._dirty.add(root)
        if owner:
            return self._load(root / owner)
        sp = self._site_path(root)
        if sp is not None and sp.added_by is not None:  # a .pth folder: who installed the .pth?
            return self._owner_of_site_file(sp.added_by)
        return None

    def _owner_of_site_file(self, path: Path) -> Distribution | None:
        """The distribution whose RECORD lists a file lying directly in a site dir."""
        site = path.parent
        rel = path.name
        owners = self._entry(site).owners
        owner = owners.get(rel)
        if owner is None:  # not cached: every RECORD of the site may have to say
            owner = ""
            for folder in self._by_dir.get(site, []):
                files = self._files_of(folder)
                if files is not None and rel in files:
                    owner = folder.name
                    break
            owners[rel] = owner
            self._dirty.add(site)
        return self._load(site / owner) if owner else None

    def _namespace_owner(self, hit: ModuleHit) -> Distribution | None:
        """The single distribution with files under a namespace package, else ``None``."""
        owners: dict[Path, None] = {}
        for portion, root in zip(hit.portions, hit.portion_roots, strict=True):
            prefix = portion.relative_to(root).as_posix() + "/"
            top = prefix.split("/", 1)[0]
            for folder in self._candidates(root, top):
                files = self._files_of(folder)
                if files is None or any(f.startswith(prefix) for f in files):
                    owners[folder] = None
        if len(owners) == 1:
            return self._load(next(iter(owners)))
        return None


def _init_file(listing: frozenset[str]) -> str | None:
    return _module_file("__init__", listing, re.compile(r"__init__" + _EXT_SUFFIX_RE + "$"))


def _module_file(name: str, listing: frozenset[str], ext_re: re.Pattern[str]) -> str | None:
    """The file ``import name`` would load from a folder: extensions, then source, then pyc."""
    extensions = sorted(n for n in listing if ext_re.match(n))
    if extensions:
        return extensions[0]
    for suffix in (".py", ".pyc"):
        if name + suffix in listing:
            return name + suffix
    return None


def _dist_row(dist: Distribution) -> dict[str, Any]:
    """What the cache keeps of a distribution (the rest follows from its folder)."""
    return {
        "name": dist.name,
        "version": dist.version,
        "requires": list(dist.requires),
        "requested": dist.requested,
        "direct_url": asdict(dist.direct_url) if dist.direct_url is not None else None,
        "metadata_only": dist.is_metadata_only,
        "local_version": dist.local_version,
    }


def _dist_from_row(row: dict[str, Any], folder: Path, site: Path) -> Distribution | None:
    """The distribution a cached row describes, or None for a row of the wrong shape."""
    try:
        name, version, requires = row["name"], row["version"], row["requires"]
        requested, url, local = row["requested"], row["direct_url"], row["local_version"]
        metadata_only = row["metadata_only"]
        if not (
            isinstance(name, str)
            and name
            and isinstance(version, str)
            and isinstance(requires, list)
            and all(isinstance(r, str) for r in requires)
            and requested in (True, False, None)
            and isinstance(metadata_only, bool)
            and (local is None or isinstance(local, str))
            and (url is None or isinstance(url, dict))
        ):
            return None
        direct_url = _direct_url_from_row(url) if url is not None else None
        if url is not None and direct_url is None:
            return None
        return Distribution(
            name=name,
            canonical=canonicalize_name(name),
            version=version,
            metadata_path=folder,
            site_dir=site,
            requires=tuple(requires),
            requested=requested,
            direct_url=direct_url,
            is_metadata_only=metadata_only,
            local_version=local,
        )
    except (KeyError, TypeError):
        return None


def _direct_url_from_row(row: dict[str, Any]) -> DirectUrl | None:
    names = {f.name: f.type for f in fields(DirectUrl)}
    if set(row) != set(names) or not isinstance(row.get("url"), str):
        return None
    if row.get("kind") not in get_args(DirectUrlKind) or not isinstance(row["editable"], bool):
        return None
    if not all(
        row[k] is None or isinstance(row[k], str)
        for k in ("vcs", "commit_id", "requested_revision", "archive_hash")
    ):
        return None
    return DirectUrl(**row)


def _sources_match(folder: Path, rel: str) -> bool:
    """An egg-info without file list: does SOURCES.txt name ``rel`` (any source root)?"""
    if not folder.name.endswith(".egg-info"):
        return False
    return any(s == rel or s.endswith("/" + rel) for s in read_egg_sources(folder))


def umbrella_for(env: Environment, dist: Distribution) -> Distribution | None:
    """The metadata-only distribution the user installed that pulls in ``dist``.

    Only when ``dist`` itself was not explicitly requested: ``tensorflow``
    (REQUESTED, installs no modules) over ``tensorflow-intel`` (provides
    ``tensorflow/``). Markers are not evaluated: an umbrella names its
    platform-specific payload under a marker for *this* platform.
    """
    if dist.requested:
        return None
    from packaging.requirements import InvalidRequirement, Requirement

    for candidate in env.requested_distributions():
        if candidate.canonical == dist.canonical:
            continue
        required = set()
        for raw in candidate.requires:
            try:
                required.add(canonicalize_name(Requirement(raw).name))
            except InvalidRequirement:
                continue
        if dist.canonical in required and candidate.is_metadata_only:
            return candidate
    return None
