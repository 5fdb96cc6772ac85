"""The ``jobdeps`` console script: replay a run whose inputs did not change, else run it.

It imports nothing of the command line (typer, pydantic, the analysis) until it
knows the run cannot be replayed (:mod:`jobdeps.cli.replay`).
"""

from __future__ import annotations

import sys

from jobdeps.cli import replay


def main() -> None:
    args = sys.argv[1:]
    if replay.eligible(args):
        code = replay.replay(args)
        if code is not None:
            raise SystemExit(code)
        from jobdeps.cli.app import AbnormalExit
        from jobdeps.cli.app import main as run

        replay.record(run, AbnormalExit)
    from jobdeps.cli.app import main as run

    run()
