"""Rules about what the job's code imports and runs (``IMP``)."""

from __future__ import annotations

from jobdeps.analyzer.findings import Severity, rule

UNRESOLVED_IMPORT = rule(
    "IMP001",
    "unresolved-import",
    "imports",
    Severity.ERROR,
    "An import resolves nowhere: not a local file, not stdlib, not installed.",
    "Install the distribution in the target environment, add the missing file, or fix the name.",
)
MISSING_STDLIB = rule(
    "IMP002",
    "stdlib-missing-in-target",
    "imports",
    Severity.ERROR,
    "A standard-library module that the target Python does not have.",
    "Use the backport named in the message, or target a Python version that has the module.",
)
SHADOWS_STDLIB = rule(
    "IMP003",
    "shadows-stdlib",
    "imports",
    Severity.WARNING,
    "A local module hides a standard-library module of the same name.",
    "Rename the local module (e.g. `random.py` -> `random_utils.py`).",
)
SHADOWS_DISTRIBUTION = rule(
    "IMP004",
    "shadows-distribution",
    "imports",
    Severity.WARNING,
    "A local module hides an installed distribution's module of the same name.",
    "Rename the local module or package, or drop the shadowed distribution.",
)
RELATIVE_BEYOND_TOP = rule(
    "IMP005",
    "relative-import-beyond-top",
    "imports",
    Severity.ERROR,
    "A relative import goes above the top-level package, or is made from a script.",
    "Use an absolute import, or run the module with `python -m package.module`.",
)
LOCAL_EXTENSION = rule(
    "IMP006",
    "local-compiled-extension",
    "imports",
    Severity.ERROR,
    "An import of a compiled extension (.so/.pyd) from the project folder.",
    "Build the extension on the VM or ship it as a wheel in the requirements.",
)
SYSPATH_UNKNOWN = rule(
    "IMP007",
    "syspath-not-evaluated",
    "imports",
    Severity.WARNING,
    "`sys.path` is changed with an expression jobdeps cannot evaluate statically.",
    "Build the path from `__file__` (e.g. `Path(__file__).resolve().parents[1]`) or add "
    "the folders with `--path`.",
)
SYSPATH_EDIT = rule(
    "IMP008",
    "syspath-edit",
    "imports",
    Severity.INFO,
    "`sys.path` is changed in a reached file; the change was followed statically.",
    "Prefer a package layout run with `python -m`, so the import graph does not depend on it.",
)
DYNAMIC_IMPORT = rule(
    "IMP009",
    "dynamic-import",
    "imports",
    Severity.INFO,
    "An import whose module name is computed at run time.",
    "Add the modules it may load to `root-paths` or to `[tool.jobdeps] include`.",
)
SYNTAX_ERROR = rule(
    "IMP010",
    "syntax-error",
    "imports",
    Severity.ERROR,
    "A reached file does not parse; its imports are unknown.",
    "Fix the syntax error.",
)
UNREADABLE_SOURCE = rule(
    "IMP011",
    "unreadable-source",
    "imports",
    Severity.ERROR,
    "A reached file cannot be read: undecodable, too large, unreadable, a symlink loop or "
    "nested too deeply.",
    "Fix the file's encoding (PEP 263 cookie), break the link loop, or exclude the file.",
)
NEEDS_ROOT_ON_PATH = rule(
    "IMP012",
    "needs-root-on-path",
    "imports",
    Severity.WARNING,
    "A local import resolves only from the project root, not from the entry's own folder.",
    "Run the entry as a module (`python -m pkg.train`) from the root, or install the project; "
    "jobdeps ships the module anyway.",
)
TARGET_SYNTAX = rule(
    "IMP013",
    "syntax-newer-than-target",
    "imports",
    Severity.ERROR,
    "A reached file uses syntax the target Python cannot parse.",
    "Rewrite it for the target version or raise the job's Python `version`.",
)
RUN_FILE_MISSING = rule(
    "IMP014",
    "run-file-missing",
    "imports",
    Severity.ERROR,
    "A file run with `exec(open(...).read())`, `runpy` or a command started from Python "
    "does not exist.",
    "Fix the path; it is relative to the job's working folder (the project root).",
)
NOTEBOOK_PIP = rule(
    "IMP015",
    "notebook-pip-install",
    "imports",
    Severity.INFO,
    "A notebook installs packages itself with `%pip install` / `!pip install`.",
    "Put those packages in the job's requirements instead.",
)
