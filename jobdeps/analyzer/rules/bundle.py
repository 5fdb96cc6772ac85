"""Rules for what goes into the bundle: secrets, sizes, paths and verification."""

from __future__ import annotations

from jobdeps.analyzer.findings import Severity, rule

SECRET_FILE = rule(
    "BND001",
    "secret-file",
    "bundle",
    Severity.ERROR,
    "A file that holds credentials or a private key would be shipped.",
    "Remove it from the bundle (or .gitignore it); pass --allow PATH if it really must ship.",
)
FILE_TOO_LARGE = rule(
    "BND002",
    "file-too-large",
    "bundle",
    Severity.ERROR,
    "A file is larger than the platform's 5 GiB limit for one uploaded file.",
    "Keep large data out of the bundle: read it from S3, a dataset or the project disk.",
)
BUNDLE_TOO_LARGE = rule(
    "BND003",
    "bundle-too-large",
    "bundle",
    Severity.ERROR,
    "The files to upload add up to more than the platform's 10 GiB limit.",
    "Leave data out of the bundle (s3-mounts, datasets) or exclude it with .gitignore.",
)
LARGE_FILE = rule(
    "BND004",
    "large-file",
    "bundle",
    Severity.WARNING,
    "A file larger than 100 MiB would be shipped with the job's code.",
    "Check that it is meant to ship; data is better read from S3 or a dataset.",
)
OUTSIDE_ROOT = rule(
    "BND005",
    "outside-root",
    "bundle",
    Severity.ERROR,
    "A local import or an included file lives outside the project root.",
    "Move it under the project root, or install it as a package and pin it.",
)
SYMLINK_ESCAPE = rule(
    "BND006",
    "symlink-escape",
    "bundle",
    Severity.ERROR,
    "A symbolic link inside the project points outside the project root.",
    "Replace the link with the files themselves, or move its target under the root.",
)
UNRESOLVED_IN_BUNDLE = rule(
    "BND007",
    "unresolved-in-bundle",
    "bundle",
    Severity.ERROR,
    "An import of the job does not resolve in the unpacked bundle.",
    "Add the missing module to the bundle (--include) or fix the local-paths layout.",
)
INCLUDE_MATCHED_NOTHING = rule(
    "BND008",
    "include-matched-nothing",
    "bundle",
    Severity.WARNING,
    "An --include pattern (or [tool.jobdeps] include entry) matched no file.",
    "Check the pattern: it is a glob relative to the project root, like 'configs/*.yaml'.",
)
UNSHIPPABLE_NAME = rule(
    "BND009",
    "unshippable-name",
    "bundle",
    Severity.ERROR,
    "A file to ship has a name a zip archive cannot carry: not UTF-8, or with a backslash.",
    "Rename the file (UTF-8, and `/` only between folders), or leave it out of the includes.",
)
DATA_FILE_NOT_SHIPPED = rule(
    "BND100",
    "data-file-not-shipped",
    "bundle",
    Severity.WARNING,
    "A string in a reached file names a project file that is neither an input nor bundled.",
    "Add the file to `inputs` in config.yaml or to `[tool.jobdeps] include`.",
)
