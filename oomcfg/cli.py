"""The command line: the only module that imports Typer.

Each command is a thin function that parses options, calls a pure or seam
function that returns an :class:`~oomcfg.errors.ExitCode`, and exits with it.
Heavy imports (Jinja2, YAML, rich) happen inside commands so that
``oomcfg --version`` and ``--help`` stay fast (performance.md, P1/P2).
"""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from oomcfg.entry import version_line
from oomcfg.errors import ExitCode, OomcfgError

app = typer.Typer(
    name="oomcfg",
    help="Declare, apply and prove a Linux host's out-of-memory posture.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(version_line())
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Declare, apply and prove a Linux host's out-of-memory posture."""


def _finish(code: int) -> NoReturn:
    raise typer.Exit(int(code))


def _fail(err: OomcfgError) -> NoReturn:
    sys.stderr.write(f"oomcfg: {err}\n")
    raise typer.Exit(int(err.exit_code))


def main() -> int:
    """Console-script entry point; maps any uncaught error to exit 70, never a raw traceback."""
    try:
        app(standalone_mode=True)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except OomcfgError as err:
        sys.stderr.write(f"oomcfg: {err}\n")
        return int(err.exit_code)
    except Exception as err:  # noqa: BLE001 - the last line of defence: report, do not trace
        sys.stderr.write(
            f"oomcfg: internal error: {type(err).__name__}: {err}\n"
            "This is a bug in oomcfg; please report it with the command you ran.\n"
        )
        return int(ExitCode.INTERNAL)
    return 0
