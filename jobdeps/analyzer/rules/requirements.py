"""Rules about requirements files: the one jobdeps writes and the one a user wrote.

The same codes serve ``jobdeps requirements`` (generation and ``--check``) and
the manual-mode check of ``env.python.requirements-file``: one code per kind of
problem, wherever it is found.
"""

from __future__ import annotations

from jobdeps.analyzer.findings import Severity, rule

MISSING = rule(
    "REQ001",
    "requirement-missing",
    "requirements",
    Severity.ERROR,
    "The code imports a distribution (or, with no-deps, needs one in the closure) that the "
    "requirements file does not list.",
    "Add the pinned line (`jobdeps requirements` prints it), or install nothing by removing "
    "the import.",
)
UNUSED = rule(
    "REQ002",
    "requirement-unused",
    "requirements",
    Severity.WARNING,
    "The requirements file lists a distribution the code never imports (info when it is "
    "a dependency of an imported distribution).",
    "Remove the line, or keep it if something outside the analysed code needs it.",
)
VERSION_MISMATCH = rule(
    "REQ003",
    "version-mismatch",
    "requirements",
    Severity.WARNING,
    "A requirement's version does not match the version installed in the target "
    "environment, where the job was tried.",
    "Pin the installed version, or install the pinned one locally and test again.",
)
PLATFORM_REJECTS_LINE = rule(
    "REQ004",
    "platform-rejected-line",
    "requirements",
    Severity.ERROR,
    "A line the platform does not accept: comments, `-r`, `-e`, `--index-url`, markers, "
    "URLs and options other than --no-deps, --extra-index-url and --trusted-host.",
    "Keep only `name==version`, `--no-deps`, `--extra-index-url URL` and `--trusted-host "
    "HOST` lines (`jobdeps requirements --dialect datasphere` writes such a file).",
)
INVALID_LINE = rule(
    "REQ005",
    "invalid-requirement",
    "requirements",
    Severity.ERROR,
    "A line that is neither a valid PEP 508 requirement nor a known pip option.",
    "Fix the line's syntax: `name==version`, optionally with `[extras]`.",
)
GUESSED_LEFT_OUT = rule(
    "REQ006",
    "guessed-requirement-left-out",
    "requirements",
    Severity.ERROR,
    "No installed distribution and no name table provides an import, so its distribution "
    "is only a guess: it is left out of the requirements.",
    "Install the package locally (or pass --site-packages/--python for the job's "
    "environment) so jobdeps reads its real name and version.",
)
UNPINNED = rule(
    "REQ007",
    "unpinned-requirement",
    "requirements",
    Severity.INFO,
    "A requirement without a version: the job installs whatever is newest on the day.",
    "Pin the version installed in the target environment (`name==version`).",
)
INDEX_URL_UNSUPPORTED = rule(
    "REQ008",
    "index-url-not-expressible",
    "requirements",
    Severity.WARNING,
    "The config's pip `index-url` cannot go into a platform requirements file (the platform "
    "rejects `--index-url`).",
    "Use `extra-index-urls` for the extra index, or write the file with `--dialect pip`.",
)
FILE_UNREADABLE = rule(
    "REQ009",
    "requirements-file-unreadable",
    "requirements",
    Severity.ERROR,
    "A requirements file (or a file it includes with -r) is missing, unreadable or "
    "includes itself.",
    "Fix the path, relative to the file that names it.",
)
DUPLICATE = rule(
    "REQ010",
    "duplicate-requirement",
    "requirements",
    Severity.WARNING,
    "A distribution is listed more than once in the requirements.",
    "Keep one line per distribution.",
)
