"""Rules about the DataSphere job config (``config.yaml``), its entry points and guards.

CFG001-CFG028 are emitted by :mod:`jobdeps.analyzer.jobconfig` and
:mod:`jobdeps.analyzer.config_checks`, CFG029-CFG031 by
:mod:`jobdeps.analyzer.cmdline`, CFG032-CFG033 by :mod:`jobdeps.analyzer.entry_guard`;
CFG034 belongs to the manual-mode check that compares `local-paths` with the
analysed code (the requirements-file side of manual mode uses the REQ codes).
"""

from __future__ import annotations

from jobdeps.analyzer.findings import Severity, rule

E, W = Severity.ERROR, Severity.WARNING

# -- the file itself ---------------------------------------------------------------
rule(
    "CFG001",
    "config-unreadable",
    "config",
    E,
    "The job config file is missing or cannot be read as UTF-8 text.",
    "Pass the job's config.yaml, the file given to `datasphere project job execute -c`.",
)
rule(
    "CFG002",
    "yaml-syntax-error",
    "config",
    E,
    "config.yaml is not valid YAML (or uses tags a safe loader refuses).",
    "Fix the YAML at the reported line; indentation and unclosed quotes are the usual causes.",
)
rule(
    "CFG003",
    "config-not-mapping",
    "config",
    E,
    "The top level of config.yaml is empty or not a mapping of keys.",
    "Write the config as `key: value` lines, starting with `cmd:`.",
)
rule(
    "CFG004",
    "missing-cmd",
    "config",
    E,
    "`cmd` is missing or empty; the client refuses the job.",
    "Add `cmd: python main.py` (the command the job runs).",
)
rule(
    "CFG005",
    "wrong-type",
    "config",
    E,
    "A key holds the wrong kind of value (a list where a string is expected, ...).",
    "Give the value the form the job config reference shows for this key.",
)
rule(
    "CFG006",
    "unknown-key",
    "config",
    W,
    "An unknown or misspelled key; the client silently ignores it.",
    "Rename it to the key you meant, or remove it.",
)
rule(
    "CFG007",
    "duplicate-key",
    "config",
    W,
    "A key appears twice in the same mapping; only the last one counts.",
    "Keep one occurrence of the key.",
)
rule(
    "CFG008",
    "non-string-value",
    "config",
    W,
    "A value YAML reads as a number, boolean or null where the client reads the raw text.",
    "Quote the value so every reader sees the same text, e.g. `version: '3.10'`.",
)
# -- python environment -----------------------------------------------------------
rule(
    "CFG009",
    "local-paths-with-root-paths",
    "config",
    E,
    "`local-paths` and `root-paths` are given together; the client refuses this.",
    "Keep `local-paths` (manual mode) or `root-paths` (extra entry points), not both.",
)
rule(
    "CFG010",
    "bad-python-version",
    "config",
    E,
    "`env.python.version` is not of the form 3.N or 3.N.M.",
    "Write the version as a quoted string, e.g. `version: '3.10'`.",
)
rule(
    "CFG011",
    "bad-python-env",
    "config",
    E,
    "`env.python` is neither `auto` nor a mapping with `type: auto` or `type: manual`.",
    "Write `python: auto`, or a mapping with `type: auto` or `type: manual`.",
)
rule(
    "CFG012",
    "ignored-in-auto-mode",
    "config",
    W,
    "`local-paths`, `version` or `requirements-file` under `type: auto`; the platform ignores it.",
    "Set `type: manual` to use it, or remove it.",
)
rule(
    "CFG013",
    "no-deps-not-true",
    "config",
    W,
    "`pip.no-deps` is written other than `true`; the client takes it as false.",
    "Write `no-deps: true` (lower case), or remove the key.",
)
rule(
    "CFG014",
    "empty-local-paths",
    "config",
    W,
    "`local-paths: []` is documented but crashes the 0.10.0 client.",
    "List the main script instead, e.g. `local-paths: [main.py]`.",
)
# -- paths, variables, resources ------------------------------------------------
rule(
    "CFG015",
    "path-not-found",
    "config",
    E,
    "An input, `requirements-file` or `local-paths` entry does not exist.",
    "Fix the path; paths are relative to the folder holding config.yaml.",
)
rule(
    "CFG016",
    "unsafe-path",
    "config",
    E,
    "A path without a variable is absolute or contains `..`; the client refuses it.",
    "Use a path inside the job folder, or give it a variable: `- /abs/path: DATA`.",
)
rule(
    "CFG017",
    "undeclared-variable",
    "config",
    E,
    "`${VAR}` in `cmd` is not declared by args, inputs, outputs, s3-mounts or datasets.",
    "Declare the variable (e.g. under `args`) or fix its name.",
)
rule(
    "CFG018",
    "duplicate-variable",
    "config",
    E,
    "The same variable name is declared twice; names are unique across the config.",
    "Rename one of the variables.",
)
rule(
    "CFG019",
    "bad-variable-name",
    "config",
    E,
    "A variable name is not 1-50 letters, digits, `-` or `_`.",
    "Rename the variable using only letters, digits, `-` and `_`.",
)
rule(
    "CFG020",
    "project-home-without-flag",
    "config",
    E,
    "`${DS_PROJECT_HOME}` is used without the `attach-project-disk` flag.",
    "Add `flags: [attach-project-disk]`.",
)
rule(
    "CFG021",
    "bad-resource-id",
    "config",
    E,
    "A resource id (s3-mount, dataset, docker image, spark connector) is not 20 of [0-9a-z].",
    "Copy the id from the DataSphere resource page.",
)
rule(
    "CFG022",
    "plain-docker-password",
    "config",
    E,
    "The docker registry password is plain text; the client refuses it.",
    "Store the password in a Lockbox secret and write `password: {secret-id: NAME}`.",
)
rule(
    "CFG023",
    "bad-working-storage",
    "config",
    E,
    "`working-storage.size` is under 100 Gb or not a size like `150Gb`.",
    "Write a size of at least 100Gb, e.g. `size: 150Gb`, or remove `working-storage`.",
)
rule(
    "CFG024",
    "unknown-signal",
    "config",
    E,
    "`graceful-shutdown.signal` is not SIGHUP, SIGINT, SIGUSR1, SIGUSR2 or SIGTERM.",
    "Use one of SIGHUP, SIGINT, SIGUSR1, SIGUSR2, SIGTERM.",
)
rule(
    "CFG025",
    "too-many-entries",
    "config",
    E,
    "More than 100 entries in inputs, outputs, s3-mounts or datasets.",
    "Put the files in a folder and list the folder once.",
)
rule(
    "CFG026",
    "input-too-large",
    "config",
    E,
    "An input is over 5 GiB, the platform's limit per uploaded file.",
    "Upload the data to S3 or a dataset and mount it instead.",
)
rule(
    "CFG027",
    "upload-too-large",
    "config",
    E,
    "Inputs plus local modules are over 10 GiB, the platform's limit per job.",
    "Move large data to an s3-mount or a dataset.",
)
rule(
    "CFG028",
    "bad-output-dataset",
    "config",
    E,
    "An output dataset lacks `name`, `var` or `size`, or its name is used twice.",
    "Give each output dataset a unique `name`, a `var` and a `size`.",
)
# -- entry points -----------------------------------------------------------------
rule(
    "CFG029",
    "entry-not-found",
    "config",
    E,
    "A program named by `cmd` or `root-paths` does not exist; the job fails to start.",
    "Fix the path; it is relative to the folder holding config.yaml.",
)
rule(
    "CFG030",
    "unparsed-command",
    "config",
    W,
    "Part of a command cannot be parsed, so an entry point may be missed.",
    "List the Python entry scripts under `env.python.root-paths`.",
)
rule(
    "CFG031",
    "script-not-in-inputs",
    "config",
    E,
    "A file the job needs is not among the inputs, so it is not uploaded: a shell script "
    "`cmd` runs, or (plain environment) a Python file it runs or imports.",
    "Add the file (or its folder) to `inputs`.",
)
rule(
    "CFG032",
    "missing-main-guard",
    "config",
    E,
    'An entry script has no `if __name__ == "__main__":` guard; the platform runs its top level.',
    'Move the script\'s top-level work under `if __name__ == "__main__":`.',
)
rule(
    "CFG033",
    "inexact-main-guard",
    "config",
    W,
    "The main guard is not written in the exact text the client looks for.",
    'Write the guard line exactly as `if __name__ == "__main__":` at the start of the line.',
)
# -- manual mode against the analysed code (emitted by the analysis pipeline) ------
rule(
    "CFG034",
    "file-outside-local-paths",
    "config",
    E,
    "Manual mode: a local file the code reaches is not under any `local-paths` entry.",
    "Add the file or its folder to `env.python.local-paths`.",
)
rule(
    "CFG039",
    "unknown-project-setting",
    "config",
    W,
    "An unknown key in `[tool.jobdeps]` of pyproject.toml: it does nothing.",
    "Fix the spelling; the known keys are listed in the README.",
)
rule(
    "CFG040",
    "bad-project-setting",
    "config",
    E,
    "A `[tool.jobdeps]` value of the wrong type or form, or a pyproject.toml that does not parse.",
    "Fix the value as the message says.",
)
