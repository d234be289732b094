"""Process entry point: answers a bare ``oomcfg --version`` before importing Typer.

Importing Typer (with the Click it vendors) costs about five times a bare
interpreter start, and performance.md's target P1 allows ``oomcfg --version``
four: scripts, CI probes and configuration-management facts call it in loops.
So the console script and ``python -m oomcfg`` land here; the exact argv
``["--version"]`` is answered with nothing but this package's ``__init__``
loaded, and everything else goes to the Typer app in :mod:`oomcfg.cli`, which
prints the same line for ``--version`` in any other position.
"""

from __future__ import annotations

import sys

from oomcfg import __version__


def version_line() -> str:
    """The one ``--version`` line, shared by this fast path and the Typer option."""
    return f"oomcfg {__version__}\n"


def main() -> int:
    """Console-script entry point: the import-free ``--version`` path, else the full CLI.

    The standard streams are guarded first (:mod:`oomcfg.outstream`): a closed or
    failing standard output is exit 4 with a message, never a traceback.
    """
    from oomcfg.outstream import (  # noqa: PLC0415 - after the --version check's imports
        OutputError,
        finish_output,
        guard_streams,
        report_output_error,
    )

    closed = guard_streams()
    if closed is not None:
        return int(closed)
    try:
        if sys.argv[1:] == ["--version"]:
            sys.stdout.write(version_line())
            return finish_output(0)
        _import_cli_quietly()
        from oomcfg.cli import main as cli_main  # noqa: PLC0415 - deferred on purpose (P1)

        return finish_output(cli_main())
    except OutputError as err:
        return report_output_error(err)
    except KeyboardInterrupt:
        # Ctrl-C before the CLI is running (while Typer imports); once it runs, Typer
        # ends the same way. 128 + SIGINT, the shell's convention for a signal death.
        return INTERRUPTED


#: Exit status after Ctrl-C (SIGINT is 2): what shells report for a process it killed.
INTERRUPTED = 130


def _import_cli_quietly() -> None:
    """Import the CLI (Typer and the Click it vendors) with the cyclic collector paused.

    Those imports allocate only module-level objects that live until exit, yet
    every collector pass during them walks all of them again: a few percent of
    a short command such as ``validate`` (performance.md, P7). Afterwards they
    are frozen (``gc.freeze``), so later passes skip them too; reference
    counting still frees whatever is dropped.
    """
    from oomcfg.gcpause import paused_gc  # noqa: PLC0415 - not on the --version path

    with paused_gc():
        import oomcfg.cli  # noqa: F401, PLC0415 - deferred on purpose (P1)
