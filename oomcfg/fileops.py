"""The raw system calls behind the host seam, and what an lstat says about a path.

:class:`FileOps` is the one object through which :class:`~oomcfg.host.Host`
creates, writes, syncs, renames and removes files under a target root. It is
injectable so a test can make any single step fail (ENOSPC, EIO) and prove
that :mod:`oomcfg.transaction` restores the root. The verdict functions say
why a directory or target is unsafe to write through (bad-inputs.md,
"Writing to a host"). Only :mod:`oomcfg.host` uses this module.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time
from contextlib import suppress
from pathlib import Path
from typing import NamedTuple

from oomcfg.hosterrors import LockTimeout


class FileOps:
    """The raw system calls the write side makes, one method per step.

    Tests subclass or wrap this to fail any single step (ENOSPC, EIO) and
    prove the transaction in :mod:`oomcfg.apply` restores the root.
    """

    def mkdir(self, path: Path, mode: int) -> None:
        """Create one directory with exactly ``mode`` (never parents: one level per step).

        mkdir(2) applies the umask (a root shell's 077 would give 0700), so
        the mode is set again through a descriptor opened without following
        a symlink: the directory just made, never what might replace it. If
        that fails the new directory is removed, so the step fails as a whole.
        """
        path.mkdir(mode)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                os.fchmod(fd, mode)
            finally:
                os.close(fd)
        except OSError:
            with suppress(OSError):
                path.rmdir()
            raise

    def open_new(self, path: Path, mode: int) -> int:
        """Create a file that must not exist yet; never follows a symlink."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        return os.open(path, flags, mode)

    def write(self, fd: int, data: bytes) -> None:
        """Write all of ``data``; a short write is retried, not ignored."""
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def fchmod(self, fd: int, mode: int) -> None:
        """Set the exact mode (the umask applied at open time is not wanted)."""
        os.fchmod(fd, mode)

    def fsync(self, fd: int) -> None:
        """Flush a file's data to disk before it is renamed into place (fsync(2))."""
        os.fsync(fd)

    def close(self, fd: int) -> None:
        """Close a descriptor; close(2) can report a deferred write error."""
        os.close(fd)

    def rename(self, src: Path, dst: Path) -> None:
        """Atomically replace ``dst`` (rename(2): same filesystem, never half-written)."""
        src.rename(dst)

    def unlink(self, path: Path) -> None:
        """Remove one file."""
        path.unlink()

    def rmdir(self, path: Path) -> None:
        """Remove one empty directory."""
        path.rmdir()

    def fsync_dir(self, path: Path) -> None:
        """Make a rename or unlink in ``path`` durable (fsync(2) on the directory)."""
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Staged(NamedTuple):
    """A complete, fsynced temp file next to its target, waiting for rename."""

    rel: str
    temp: Path
    target: Path


def wait_for_flock(fd: int, path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"another oomcfg apply holds the lock on {path} (waited {timeout:g}s); "
                    "wait for it to finish, or check for a hung oomcfg process"
                ) from None
            time.sleep(0.05)


def dir_problem(path: str, rel: str) -> str | None:
    """Why writing below the directory ``path`` is unsafe, or None (also when missing)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None  # created by us later, 0755 and owned by us
    if stat.S_ISLNK(st.st_mode):
        return f"{rel} is a symlink (writes would follow it out of the root)"
    if not stat.S_ISDIR(st.st_mode):
        return f"{rel} is not a directory"
    if st.st_mode & stat.S_IWOTH:
        return f"{rel} is world-writable (mode {stat.S_IMODE(st.st_mode):04o})"
    if st.st_uid not in (0, os.geteuid()):
        return f"{rel} is owned by uid {st.st_uid}, not root"
    return None


def access_problem(path: str, rel: str) -> str | None:
    """Why this process cannot create entries in the directory ``path``, or None."""
    if os.access(path, os.W_OK | os.X_OK):
        return None
    return f"{rel or 'the root'} is not writable here (no permission, or a read-only filesystem)"


def target_verdict(path: str) -> str | None:
    """Why replacing the file at ``path`` is unsafe (a symlink, not a regular file), or None."""
    name = path.rsplit("/", 1)[-1]
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return f"{name} is a symlink (writes would follow it)"
    if not stat.S_ISREG(st.st_mode):
        return f"{name} exists and is not a regular file"
    return None


def lexists(path: str) -> bool:
    """True when anything (even a dangling symlink) is at ``path``."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    return True


def is_real_dir(path: str) -> bool:
    """True for a directory itself, False for a symlink to one or anything else."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def quiet_close(fd: int) -> None:
    with suppress(OSError):
        os.close(fd)


def read_fd(fd: int, size: int) -> bytes:
    """All of a regular file's bytes, given the size fstat(2) reported."""
    # Ask for one byte more than fstat saw: a shorter answer is the whole file
    # (read(2) on a regular file is short only at EOF), so one call suffices.
    data = os.read(fd, size + 1)
    if len(data) <= size:
        return data
    chunks = [data]
    while chunks[-1]:
        chunks.append(os.read(fd, 65536))
    return b"".join(chunks)
