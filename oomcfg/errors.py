"""Typed errors and the documented exit codes, mapped in one place.

Every command returns an :class:`ExitCode`; every error a user can cause is an
:class:`OomcfgError` subclass that knows its exit code, so the CLI edge never
shows a traceback for bad input or a hostile host.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oomcfg.diagnostics import Diagnostic


class ExitCode(IntEnum):
    """Exit codes documented in README.md ("Exit codes")."""

    OK = 0
    FINDINGS = 1  # lint findings, validate drift, apply --check would change
    USAGE = 2  # bad command line (Click's own code)
    INVALID_INPUT = 3  # a profile or linted file is invalid; nothing written
    ENVIRONMENT = 4  # unsafe target, permission, missing tool, cannot check
    ROLLED_BACK = 5  # apply failed and every change was rolled back
    PARTIAL = 6  # files written but a reload or live step failed
    INTERNAL = 70  # a bug in oomcfg (EX_SOFTWARE from sysexits.h)


class OomcfgError(Exception):
    """Base of every error a user can cause; carries its exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL


class InputError(OomcfgError):
    """Invalid input: one or more diagnostics, all reported at once."""

    exit_code = ExitCode.INVALID_INPUT

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class EnvironmentProblem(OomcfgError):
    """The host or target root cannot be used safely (or cannot be read)."""

    exit_code = ExitCode.ENVIRONMENT


class ApplyFailed(OomcfgError):
    """Apply failed part-way and restored the previous state."""

    exit_code = ExitCode.ROLLED_BACK


class TakeEffectFailed(OomcfgError):
    """Files were written, but a reload or a live adjustment failed."""

    exit_code = ExitCode.PARTIAL
