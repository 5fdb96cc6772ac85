"""Rules about the target environment: what is installed, how, and what it requires."""

from __future__ import annotations

from jobdeps.analyzer.findings import Severity, rule

IMPORT_NOT_INSTALLED = rule(
    "ENV001",
    "import-not-installed",
    "environment",
    Severity.ERROR,
    "An imported third-party module is not installed in the target environment: "
    "its requirement cannot be pinned.",
    "Install it where jobdeps looks (or pass --site-packages/--python for the job's "
    "environment), then rerun to pin the version.",
)
GUESSED_DISTRIBUTION = rule(
    "ENV002",
    "guessed-distribution",
    "environment",
    Severity.WARNING,
    "A module is installed in site-packages but no distribution's metadata owns it: "
    "the distribution name is guessed.",
    "Install the package locally so jobdeps reads its owner, or write the requirement "
    "yourself in a requirements file.",
)
DIST_MISSING_DEPENDENCY = rule(
    "ENV003",
    "dist-missing-dependency",
    "environment",
    Severity.ERROR,
    "An installed distribution requires another one that is not installed (for the "
    "target's markers).",
    "Install the missing distribution (`pip install NAME`) or repair the environment "
    "with `pip check`.",
)
DIST_VERSION_CONFLICT = rule(
    "ENV004",
    "dist-version-conflict",
    "environment",
    Severity.WARNING,
    "An installed distribution's version does not satisfy what another one requires.",
    "Run `pip check` and install a version that satisfies every requirement.",
)
EDITABLE_INSTALL = rule(
    "ENV005",
    "editable-install",
    "environment",
    Severity.ERROR,
    "An imported distribution is an editable install found only through site-packages: "
    "neither the requirements nor the bundle carry it.",
    "Install it as a wheel (pinned like any other), or put its source folder on the "
    "job's path (`PYTHONPATH=libs/x/src` in `cmd`) so that it ships as local code.",
)
VCS_INSTALL = rule(
    "ENV006",
    "vcs-install",
    "environment",
    Severity.ERROR,
    "A distribution was installed from a VCS or URL: the platform's requirements file "
    "accepts only `name==version`.",
    "Publish it to an index the job can reach (extra-index-urls), or ship its source "
    "as local code.",
)
LOCAL_VERSION_LABEL = rule(
    "ENV007",
    "local-version-label",
    "environment",
    Severity.WARNING,
    "An installed version has a local label (like `+cu121`) that PyPI does not serve.",
    "Add the index that serves it to env.python.pip.extra-index-urls (for PyTorch: "
    "https://download.pytorch.org/whl/cu121), or pin the public version.",
)
UMBRELLA_PINNED = rule(
    "ENV008",
    "umbrella-distribution",
    "environment",
    Severity.INFO,
    "An imported module belongs to a distribution pulled in by a metadata-only package "
    "the user installed; the umbrella is pinned instead.",
    "Nothing to do; pin the payload distribution yourself if the job needs exactly it.",
)
