"""Where jobdeps keeps its caches, from the environment alone.

Kept apart (and free of :mod:`pathlib`) because the command line asks it before
anything else is imported: a replayed run (:mod:`jobdeps.cli.replay`) must start in
milliseconds.
"""

from __future__ import annotations

import os

#: A cached answer about a file is trusted only when recorded this long after the
#: file's stamp: a second change within one timestamp tick keeps the stamp (the facts
#: cache's ``files`` rows, and a replayed run's reads).
RACY_NS = 2_000_000_000


def cache_folder() -> str | None:
    """The cache folder, or ``None`` when caching is off (``JOBDEPS_NO_CACHE=1``).

    ``JOBDEPS_CACHE_DIR`` chooses it; by default ``$XDG_CACHE_HOME/jobdeps`` or
    ``~/.cache/jobdeps``.
    """
    if os.environ.get("JOBDEPS_NO_CACHE", "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get("JOBDEPS_CACHE_DIR")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "jobdeps")
