"""The ``jobdeps`` console script: replay a run whose inputs did not change, else run it.

It imports nothing of the command line (typer, pydantic, the analysis) until it
knows the run cannot be replayed (:mod:`jobdeps.cli.replay`).

Once the command has finished and its output is flushed, the process ends without
tearing the interpreter down: freeing the objects of a large analysis one by one
took 0.1 s of a 2.6 s cold run on a 5,000-module project. The exit functions still
run (a facts cache dropped without ``close()`` writes what it holds then), and every
file a command writes is complete before it returns.
"""

from __future__ import annotations

import atexit
import os
import sys

from jobdeps.cli import replay


def _run() -> None:
    args = sys.argv[1:]
    recordable = replay.eligible(args)
    if recordable:
        code = replay.replay(args)
        if code is not None:
            raise SystemExit(code)
    from jobdeps.cli.app import AbnormalExit
    from jobdeps.cli.app import main as run

    if recordable:
        replay.record(run, AbnormalExit)  # runs it, and exits
    run()


def main() -> None:
    try:
        _run()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # as the interpreter does with ``sys.exit("...")``
        print(code, file=sys.stderr)
        code = 1
    # what the interpreter would run at exit (finalizers that write the facts cache,
    # multiprocessing's clean-up), but not the freeing of every object
    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_functions is None:  # not CPython's atexit: exit the usual way
        raise SystemExit(code)
    run_exit_functions()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: exit as the interpreter would
        raise SystemExit(code) from None
    os._exit(code)
