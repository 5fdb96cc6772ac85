"""The ``jobdeps`` command line: parse, call :mod:`jobdeps.api`, render. Nothing else."""

from __future__ import annotations

import gc
import os
import signal
from typing import Annotated

import typer

from jobdeps import __version__
from jobdeps.cli.options import EXIT_USAGE

app = typer.Typer(
    name="jobdeps",
    help="Static dependency analysis for Python jobs on remote runners (DataSphere Jobs).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"jobdeps {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """jobdeps: find what a Python job needs, statically, before it runs remotely."""


def _register_commands() -> None:
    from jobdeps.cli import cmd_analyze, cmd_bundle, cmd_check, cmd_requirements

    for command in (cmd_analyze, cmd_check, cmd_requirements, cmd_bundle):
        command.register(app)


_register_commands()


class _Terminated(BaseException):
    """SIGTERM (a CI timeout, ``kill``), raised like Ctrl-C so that every ``finally``
    runs: a half-built bundle folder is removed, not left beside the old one."""


class AbnormalExit(SystemExit):
    """An exit that says the command did not finish its work (interrupted, or an
    internal error): such a run is never recorded for a replay."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def _invoke() -> None:
    """Run the app; a usage error (unknown option or command, bad value) is one line.

    Click's own display of one is three lines and a box ("Usage: ...", "Try ...",
    the message); here it is ``jobdeps: error: <message> (try '<command> --help')``,
    like every other bad input. Exit codes are click's (2 for usage errors).
    """
    try:
        code = app(standalone_mode=False)
    except Exception as exc:
        if type(exc).__name__ == "Abort":  # click's end of input at a prompt: not finished
            typer.echo("jobdeps: aborted", err=True)
            raise AbnormalExit(1) from None
        exit_code = getattr(exc, "exit_code", None)
        show = getattr(exc, "format_message", None)
        if not isinstance(exit_code, int) or show is None:
            raise  # not a click exception: an internal error, reported by main()
        if type(exc).__name__ == "NoArgsIsHelpError":
            # ``jobdeps`` alone: its help (typer with rich has printed it already)
            text = show()
            if text.strip():
                typer.echo(text, err=True)
            raise SystemExit(exit_code) from None
        message = " ".join(show().split()).rstrip(".")
        context = getattr(exc, "ctx", None)
        command = context.command_path if context is not None else _command_named()
        typer.echo(f"jobdeps: error: {message} (try '{command} --help')", err=True)
        raise SystemExit(exit_code) from None
    if isinstance(code, int) and not isinstance(code, bool):
        raise SystemExit(code)  # ``typer.Exit(code)`` in a command, returned as a code
    raise SystemExit(0)


def _command_named() -> str:
    """``jobdeps <command>`` for the command on the command line (a usage error found
    while its options were split carries no context), else ``jobdeps``."""
    import sys

    names = set(getattr(typer.main.get_command(app), "commands", {}))
    for arg in sys.argv[1:]:
        if not arg.startswith("-"):
            return f"jobdeps {arg}" if arg in names else "jobdeps"
    return "jobdeps"


#: The collector's thresholds for a command's process (see :func:`main`).
CLI_GC_THRESHOLDS = (1_000_000, 100, 100)


def main() -> None:
    """Console entry point: usage errors exit 2 with one line, never a traceback."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    # A command is one short process whose objects (facts, graph, report) live to its
    # end and hold few cycles: the collector's passes over them, and the full one the
    # default thresholds bring once the walk is over, were 10% of a cold run on a
    # 5,000-module project, for no memory back. Young garbage is still collected,
    # every million allocations (the walk's own setting, 50,000, was the floor).
    gc.set_threshold(*CLI_GC_THRESHOLDS)
    try:
        _invoke()
    except KeyboardInterrupt:
        typer.echo("jobdeps: interrupted", err=True)
        raise AbnormalExit(130) from None
    except _Terminated:
        typer.echo("jobdeps: terminated", err=True)
        raise AbnormalExit(128 + signal.SIGTERM) from None
    except Exception as exc:
        if os.environ.get("JOBDEPS_DEBUG"):
            raise
        typer.echo(
            f"jobdeps: internal error: {type(exc).__name__}: {exc} "
            "(set JOBDEPS_DEBUG=1 for details)",
            err=True,
        )
        raise AbnormalExit(EXIT_USAGE) from None
