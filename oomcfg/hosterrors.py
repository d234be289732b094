"""Typed errors of the host seam: each says what failed and why, with its exit code.

All are :class:`~oomcfg.errors.EnvironmentProblem` (exit 4) unless a caller
decides otherwise (a vanished PID during live adjustment is not a failure).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from pathlib import Path

from oomcfg.errors import EnvironmentProblem

#: errno values meaning "the file or the process is gone" (proc(5): /proc/PID
#: vanishes when the process exits; a read of an exiting task can give ESRCH).
GONE = frozenset({errno.ENOENT, errno.ESRCH, errno.ENOTDIR})


class UnsafePath(EnvironmentProblem):
    """A path that would leave the root (``..``, NUL) or cross a symlink."""


class CommandFailed(EnvironmentProblem):
    """A process run through :meth:`Host.run` failed; the message shows everything."""

    def __init__(self, argv: Sequence[str], returncode: int | None, stdout: str, stderr: str):
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        super().__init__(self._message())

    def _message(self) -> str:
        rc = "did not run" if self.returncode is None else f"exited {self.returncode}"
        parts = [f"command {' '.join(self.argv)!r} {rc}"]
        for label, text in (("stdout", self.stdout), ("stderr", self.stderr)):
            if text.strip():
                parts.append(f"{label}: {text.strip()}")
        return "\n  ".join(parts)


class KernelWriteError(EnvironmentProblem):
    """A write to /proc or /proc/sys was refused; ``errno`` says why."""

    def __init__(self, path: Path, err: OSError) -> None:
        self.path = path
        self.errno = err.errno or 0
        self.strerror = err.strerror or os.strerror(self.errno)
        super().__init__(
            f"cannot write {path}: {self.strerror} ({errno.errorcode.get(self.errno)})"
        )

    @property
    def vanished(self) -> bool:
        """True when the process exited between listing and writing (not a failure)."""
        return self.errno in GONE


class LockTimeout(EnvironmentProblem):
    """Another oomcfg holds the lock longer than we are willing to wait."""


def root_problem(root: Path, err: OSError) -> EnvironmentProblem:
    """Why ``--root`` cannot be used, and what to do; oomcfg never creates a root.

    A typo in ``--root`` must not build ``etc/systemd/...`` somewhere nobody
    looks, so a missing root is refused (exit 4), not created.
    """
    if err.errno == errno.ENOENT:
        return EnvironmentProblem(
            f"target root {root} does not exist; oomcfg never creates it (a mistyped --root "
            "must not build a tree elsewhere): check the path, or create the directory first"
        )
    if err.errno == errno.ENOTDIR:
        return EnvironmentProblem(
            f"target root {root} is not a directory: --root names the directory that "
            "stands for / (default /)"
        )
    return EnvironmentProblem(f"target root {root}: {err.strerror}")
