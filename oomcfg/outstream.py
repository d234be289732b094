"""The process's standard streams, made safe before any command runs.

A fleet's CI and cron jobs start oomcfg with odd streams: standard output
closed (``>&-``, Python then sets ``sys.stdout`` to ``None``), a pipe whose
reader stopped (``oomcfg render x | head -1``: EPIPE), a full disk or
``/dev/full`` (ENOSPC), or standard error closed. bad-inputs.md's bar holds
there too: a documented exit code, never a traceback. So:

* standard output missing -> exit 4 before anything is read or written, with
  a message on standard error: output nobody can see is not a success, and an
  ``apply`` must not change a host while its report goes nowhere;
* a write to standard output fails -> :class:`OutputError` (exit 4, "cannot
  write to standard output: ..."), silent for EPIPE (the reader chose to stop,
  as a C tool dies quietly of SIGPIPE); the descriptor is then pointed at
  ``/dev/null`` so the interpreter's final flush cannot print "Exception
  ignored" either (the recipe in Python's ``signal`` documentation, "Note on
  SIGPIPE");
* standard input or standard error missing -> ``/dev/null``, and write
  errors on standard error are dropped: the exit code is then the only
  channel left, and it must still be the documented one;
* text standard output cannot encode -> never a UnicodeEncodeError: with a
  UTF-8 stream, a non-UTF-8 file name (which Python decodes to surrogates,
  PEP 383) is written back as its original bytes, as ``ls`` does; with any
  other encoding (``PYTHONIOENCODING=ascii``, a Latin-1 locale), what it
  cannot show is written as a ``\\xNN`` escape, as Python already does on
  standard error.

Only :mod:`oomcfg.entry` installs this (the console script and ``python -m
oomcfg``); in-process tests keep their own captured streams.
"""

from __future__ import annotations

import errno
import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: see OUTPUT_EXIT (mypy knows the name)
if TYPE_CHECKING:
    from typing import Literal, TextIO

#: The exit code of a failed or missing standard output: ``ExitCode.ENVIRONMENT``
#: (README, "Exit codes": 4). A plain int: this module is imported on the
#: ``--version`` fast path, which must not pay for :mod:`enum` and :mod:`typing`
#: (performance.md, P1); a test checks the two stay equal.
OUTPUT_EXIT = 4


class OutputError(Exception):
    """Standard output could not be written; carries the OSError.

    Deliberately not an :class:`~oomcfg.errors.OomcfgError`: the commands'
    own error handlers would report it as a refusal of the command, and
    Click's handler would turn an EPIPE into exit 1 ("findings"). It goes
    straight to :func:`report_output_error` at the outermost frame instead.
    """

    def __init__(self, cause: OSError) -> None:
        self.cause = cause
        super().__init__(f"cannot write to standard output: {cause.strerror or cause}")


class _GuardedOutput:
    """Standard output whose write/flush failures become :class:`OutputError`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as err:
            raise OutputError(err) from err

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as err:
            raise OutputError(err) from err

    def __getattr__(self, name: str) -> object:  # isatty, fileno, encoding, buffer, ...
        return getattr(self._stream, name)


class _QuietErrors:
    """Standard error that drops its own write failures (nothing else could report them)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError):  # ValueError: the stream was closed under us
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            return

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def guard_streams() -> int | None:
    """Install the guards; return exit 4 (already reported) when stdout is closed.

    Called once, first thing, by the entry point.
    """
    if sys.stdin is None:
        sys.stdin = _devnull("r")
    sys.stderr = _QuietErrors(sys.stderr or _devnull("w"))
    if sys.stdout is None:
        sys.stderr.write("oomcfg: standard output is closed; nothing was done "
                         "(redirect it to a file or /dev/null instead of closing it)\n")
        return OUTPUT_EXIT
    _never_unencodable(sys.stdout)
    sys.stdout = _GuardedOutput(sys.stdout)
    return None


def _never_unencodable(stream: TextIO) -> None:
    """Choose the stream's ``errors`` so no character can raise (module docstring)."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    errors = "surrogateescape" if encoding in ("utf8", "utf8sig") else "backslashreplace"
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:  # a real TextIOWrapper; anything else is left as it is
        reconfigure(errors=errors)


def _devnull(mode: Literal["r", "w"]) -> TextIO:
    """``/dev/null`` for a missing stream; open for the rest of the process."""
    from pathlib import Path  # noqa: PLC0415 - rare path; the fast path stays lean

    return Path(os.devnull).open(mode, encoding="utf-8")


def finish_output(code: int) -> int:
    """Flush standard output; a failure turns ``code`` into exit 4 (reported)."""
    try:
        sys.stdout.flush()
    except OutputError as err:
        return report_output_error(err)
    return code


def report_output_error(err: OutputError) -> int:
    """Say why output failed (not for EPIPE), silence fd 1 for good, and return exit 4."""
    if err.cause.errno != errno.EPIPE:
        sys.stderr.write(f"oomcfg: {err}\n")
    _silence_stdout()
    return OUTPUT_EXIT


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's last flush of buffered text succeeds."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.__stdout__.fileno() if sys.__stdout__ is not None else 1)
        os.close(null)
    except (OSError, ValueError):
        return
