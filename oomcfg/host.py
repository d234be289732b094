"""The one impure seam: every file, /proc, /sys access and process run goes here.

Everything else in oomcfg takes values and returns values. A :class:`Host`
resolves every path under a root (``--root DIR``; ``/`` is the live host), so
tests point it at a temporary directory whose ``proc`` and ``sys`` are fixture
trees instead of mocking. The write side goes through a :class:`FileOps`
object holding the raw system calls (open, write, fsync, rename, ...), so a
test can make any single step fail and check that apply restores the root.
Processes, /proc, /sys and kernel settings are :class:`Host` methods too,
written in :mod:`oomcfg.hostlive` (the running-system half).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from itertools import count
from pathlib import Path

from oomcfg.errors import EnvironmentProblem
from oomcfg.fileops import (
    FileOps,
    Staged,
    access_problem,
    dir_problem,
    is_real_dir,
    lexists,
    quiet_close,
    read_fd,
    target_verdict,
    wait_for_flock,
)
from oomcfg.filestate import FileState
from oomcfg.hosterrors import (
    GONE,
    CommandFailed,
    KernelWriteError,
    LockTimeout,
    UnsafePath,
    root_problem,
)
from oomcfg.hostlive import LiveSide

__all__ = [
    "CommandFailed",
    "FileOps",
    "Host",
    "KernelWriteError",
    "LockTimeout",
    "Staged",
    "UnsafePath",
]


_SLOW_HEADS = frozenset({"", ".", "..", "proc", "sys"})
_NOFOLLOW_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_FOLLOW_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
#: First read of a file that reports size 0 (/proc, /sys): every sysctl fits.
_PSEUDO_FILE_READ = 65535
_TEMP_SERIAL = count()


class Host(LiveSide):
    """A target host (or a directory standing in for one) seen through one seam."""

    def __init__(
        self,
        root: Path = Path("/"),
        proc: Path | None = None,
        sys: Path | None = None,
        ops: FileOps | None = None,
    ) -> None:
        self.root = Path(root)
        self._prefix = str(self.root).rstrip("/") + "/"
        self.proc = proc if proc is not None else self.root / "proc"
        self.sys = sys if sys is not None else self.root / "sys"
        self.ops = ops if ops is not None else FileOps()
        self._dir_verdicts: dict[str, str | None] = {}

    # ------------------------------------------------------------------ paths
    @property
    def is_live(self) -> bool:
        """True when the root is ``/``: only then do reloads and live writes happen."""
        return self.root.resolve() == Path("/")

    def path(self, rel: str | os.PathLike[str]) -> Path:
        """Resolve ``rel`` under the root; ``proc/...`` and ``sys/...`` go to their overrides.

        Refuses ``..`` and NUL so no caller can build a path outside the root.
        """
        parts = self._parts(rel)
        if parts and parts[0] == "proc":
            return self.proc.joinpath(*parts[1:])
        if parts and parts[0] == "sys":
            return self.sys.joinpath(*parts[1:])
        return self.root.joinpath(*parts)

    def _parts(self, rel: str | os.PathLike[str]) -> list[str]:
        text = str(rel)
        parts = [p for p in text.split("/") if p and p != "."]
        if ".." in parts or "\0" in text:
            raise UnsafePath(f"path {text!r} would leave the target root {self.root}")
        return parts

    def _fast_path(self, rel: str) -> str:
        # path() as a string without pathlib: the per-file steps of an apply run
        # this once per file. Anything unusual (a leading or doubled "/", "." or
        # ".." anywhere, a component after the first starting with ".", NUL,
        # proc or sys) takes the full path().
        head = rel.partition("/")[0]
        if head in _SLOW_HEADS or "/." in rel or "//" in rel or "\0" in rel:
            return str(self.path(rel))
        return self._prefix + rel

    def is_dir(self, rel: str) -> bool:
        """True when ``rel`` is a directory (not a symlink to one)."""
        return is_real_dir(self._fast_path(rel))

    # ------------------------------------------------------------------ reads
    def read_bytes(self, rel: str) -> bytes | None:
        """Contents of a regular file; None when it (or a /proc process) does not exist.

        A FIFO, device or socket at the path reads as absent too, checked
        with fstat before the first read: a FIFO planted where a pidfile or
        sysctl.d file belongs would block forever, and a link to ``/dev/zero``
        would be read until memory runs out. A directory raises
        IsADirectoryError, as a plain read does. Symlinks are followed (a
        sysctl.d file is often a link to ``../sysctl.conf``). /proc and /sys
        files report size 0 and some answer only a read from offset 0
        (proc_dointvec), so those are read with one large first read.
        """
        try:
            fd = os.open(self.path(rel), _FOLLOW_READ)
        except OSError as err:
            if err.errno in GONE:  # the file or process is gone: not an error for a reader
                return None
            raise
        try:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(rel))
            if not stat.S_ISREG(st.st_mode):
                return None
            return read_fd(fd, st.st_size or _PSEUDO_FILE_READ)
        except OSError as err:
            if err.errno in GONE:  # the process exited between open and read
                return None
            raise
        finally:
            os.close(fd)

    def read_text(self, rel: str) -> str | None:
        """Text of a file (UTF-8, undecodable bytes replaced), or None when missing."""
        data = self.read_bytes(rel)
        return None if data is None else data.decode("utf-8", "replace")

    def list_dir(self, rel: str) -> list[str]:
        """Sorted entry names of a directory; empty when it does not exist."""
        try:
            return sorted(p.name for p in self.path(rel).iterdir())
        except OSError as err:
            if err.errno in GONE:  # the file or process is gone: not an error for a reader
                return []
            raise

    def read_state(self, rel: str) -> FileState:
        """What is at a target path, read with one open + fstat + read, never via a symlink."""
        target = self._fast_path(rel)
        try:
            fd = os.open(target, _NOFOLLOW_READ)
        except OSError as err:
            return self._state_without_open(rel, Path(target), err)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return FileState(rel, "other", mode=stat.S_IMODE(st.st_mode))
            return FileState(rel, "file", read_fd(fd, st.st_size), stat.S_IMODE(st.st_mode))
        finally:
            os.close(fd)

    def read_states(self, rels: Iterable[str]) -> dict[str, FileState]:
        """:meth:`read_state` for many paths at once: the no-op re-apply's whole read side.

        The same one open(O_NOFOLLOW) + fstat + read per path, with the per-call
        Python overhead hoisted out of the loop (performance.md P6: at 10,000
        services the read-back must cost less than render's writes).
        """
        states: dict[str, FileState] = {}
        prefix, slow, is_reg, imode = self._prefix, _SLOW_HEADS, stat.S_ISREG, stat.S_IMODE
        opener, fstat, read, close = os.open, os.fstat, os.read, os.close
        new = tuple.__new__  # FileState's own __new__ is a Python-level call per file
        for rel in rels:
            # _fast_path's test, inlined; anything unusual still goes through path()
            plain = rel.partition("/")[0] not in slow and "/." not in rel and "//" not in rel
            target = prefix + rel if plain and "\0" not in rel else self._fast_path(rel)
            try:
                fd = opener(target, _NOFOLLOW_READ)
            except OSError as err:
                states[rel] = self._state_without_open(rel, Path(target), err)
                continue
            try:
                st = fstat(fd)
                if not is_reg(st.st_mode):
                    states[rel] = new(FileState, (rel, "other", None, imode(st.st_mode)))
                    continue
                size = st.st_size
                data = read(fd, size + 1)
                if len(data) > size:  # grew since fstat: read the rest
                    data += read_fd(fd, 0)
                states[rel] = new(FileState, (rel, "file", data, imode(st.st_mode)))
            finally:
                close(fd)
        return states

    def _state_without_open(self, rel: str, target: Path, err: OSError) -> FileState:
        if err.errno in GONE:  # the file or process is gone: not an error for a reader
            return FileState(rel, "missing")
        if err.errno == errno.ELOOP or target.is_symlink():
            return FileState(rel, "symlink")
        raise EnvironmentProblem(f"cannot read {target}: {err.strerror}") from err

    # ------------------------------------------------------------------ safety
    def unsafe_reason(self, rel: str) -> str | None:
        """Why writing ``rel`` would be unsafe or cannot work, or None.

        Refused: a symlink on any component inside the root (the write would
        follow it out), a world-writable or foreign-owned directory (someone
        else could swap entries under us), a target that is not a regular file,
        and a directory this process may not write to.
        """
        parts = self._parts(rel)
        for depth in range(1, len(parts)):
            reason = self._dir_verdict("/".join(parts[:depth]))
            if reason is not None:
                return reason
        return target_verdict(self._fast_path(rel)) or self._write_denied(parts[:-1])

    def _dir_verdict(self, rel_dir: str) -> str | None:
        if rel_dir not in self._dir_verdicts:
            self._dir_verdicts[rel_dir] = dir_problem(self._prefix + rel_dir, rel_dir)
        return self._dir_verdicts[rel_dir]

    def _write_denied(self, dir_parts: list[str]) -> str | None:
        # The deepest directory that exists must take new entries. access(2)
        # with W_OK also fails with EROFS on a read-only filesystem, so a
        # read-only /etc is refused up front, not half-way through a transaction.
        for depth in range(len(dir_parts), -1, -1):
            rel_dir = "/".join(dir_parts[:depth])
            if lexists(self._prefix + rel_dir):
                key = f"access:{rel_dir}"
                if key not in self._dir_verdicts:
                    self._dir_verdicts[key] = access_problem(self._prefix + rel_dir, rel_dir)
                return self._dir_verdicts[key]
        return None

    def forget_checks(self) -> None:
        """Drop cached directory verdicts (after this process created directories)."""
        self._dir_verdicts.clear()

    # ------------------------------------------------------------------ writes
    def missing_dirs(self, rel_dir: str) -> list[str]:
        """Directories on the way to ``rel_dir`` that do not exist yet, outermost first."""
        parts = self._parts(rel_dir)
        prefixes = ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
        return [rel for rel in prefixes if not lexists(self._prefix + rel)]

    def make_dir(self, rel_dir: str, mode: int = 0o755) -> None:
        """Create one directory (0755: systemd and sysctl.d need to read it)."""
        self.ops.mkdir(Path(self._fast_path(rel_dir)), mode)

    def make_dirs(self, rel_dir: str, mode: int = 0o755) -> list[str]:
        """Create missing directories down to ``rel_dir``; return those created."""
        created = self.missing_dirs(rel_dir)
        for rel in created:
            self.make_dir(rel, mode)
        return created

    def stage(self, rel: str, data: bytes, mode: int = 0o644) -> Staged:
        """Write ``data`` to a fresh temp file in the target's directory and fsync it.

        The temp name starts with ``.`` and does not end in ``.conf``, so
        neither systemd nor sysctl.d reads it if a crash leaves it behind.
        """
        where = self._fast_path(rel)
        folder, _slash, name = where.rpartition("/")
        target = Path(where)
        temp = Path(f"{folder}/.{name}.oomcfg-{os.getpid()}-{next(_TEMP_SERIAL)}.tmp")
        fd = self.ops.open_new(temp, mode)
        try:
            self._fill(fd, data, mode)
        except OSError:
            self._discard_path(temp)
            raise
        return Staged(rel, temp, target)

    def _fill(self, fd: int, data: bytes, mode: int) -> None:
        try:
            self.ops.write(fd, data)
            self.ops.fchmod(fd, mode)
            self.ops.fsync(fd)
        except OSError:
            quiet_close(fd)
            raise
        self.ops.close(fd)  # close(2) may report a deferred write error: that fails too

    def commit(self, staged: Staged) -> None:
        """Rename a staged file over its target (atomic: old or new, never half)."""
        self.ops.rename(staged.temp, staged.target)

    def discard(self, staged: Staged) -> None:
        """Remove a staged temp file that will not be committed (best effort)."""
        self._discard_path(staged.temp)

    def _discard_path(self, temp: Path) -> None:
        with suppress(FileNotFoundError):
            self.ops.unlink(temp)

    def write_atomic(self, rel: str, data: bytes, mode: int = 0o644) -> None:
        """Replace one file atomically: stage (temp + fsync), rename, fsync the directory."""
        staged = self.stage(rel, data, mode)
        try:
            self.commit(staged)
        except OSError:
            self.discard(staged)
            raise
        self.fsync_dir(str(Path(rel).parent))

    def remove(self, rel: str) -> None:
        """Remove one file; a file already gone is fine."""
        with suppress(FileNotFoundError):
            self.ops.unlink(Path(self._fast_path(rel)))

    def remove_dir(self, rel_dir: str) -> None:
        """Remove one empty directory."""
        self.ops.rmdir(Path(self._fast_path(rel_dir)))

    def fsync_dir(self, rel_dir: str) -> None:
        """Make renames and unlinks in a directory durable."""
        self.ops.fsync_dir(Path(self._fast_path(rel_dir)))

    @contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        """Hold an exclusive flock(2) on the root directory; wait at most ``timeout`` s.

        Locking the root itself writes nothing (a refused apply leaves the root
        byte-identical), and flock locks die with their process, so a crashed
        apply never leaves a stale lock behind.
        """
        try:
            fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as err:
            raise root_problem(self.root, err) from err
        try:
            wait_for_flock(fd, self.root, timeout)
            yield
        finally:
            os.close(fd)
