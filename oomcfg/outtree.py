"""Write rendered files into an output directory (``oomcfg render --out DIR``).

This is not ``apply``: DIR is a review or packaging tree, not a live root, so
there are no backups, reloads or locks (those live in :mod:`oomcfg.host`).
It still never follows a symlink: every directory is entered through a file
descriptor opened with ``O_NOFOLLOW`` relative to its parent (openat(2)), so a
link planted anywhere below DIR (``etc -> /etc``) is refused instead of
written through. A new file is created with ``O_EXCL``; an existing one is
replaced by a temporary file and rename(2), never truncated in place.

It never replaces what oomcfg did not write: an existing file at a rendered
path must carry oomcfg's marker line (or be empty). Existing files are set
aside while the new ones are written, then all checked at once; if any is
someone else's (``render --out /`` by mistake, a hand-made file in a review
tree) none of them is replaced and every one is named (exit 4), as ``apply``
would report a conflict.

It is also the hot path of performance target P4 (10,000 drop-ins): each
directory is opened once and cached, and a new file costs open, write, close.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from oomcfg.errors import EnvironmentProblem
from oomcfg.model import MARKER, RenderedFile

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafeOutput(EnvironmentProblem):
    """The output directory holds a symlink or a non-directory where a directory goes,
    or something oomcfg did not write where a rendered file goes."""


_MARKER = MARKER.encode()
#: How much of an existing file is read to find the marker (a rendered file is
#: a few hundred bytes; anything near this size is not one).
_READ_CAP = 1 << 20


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class _Tree:
    """Directory fds below one root: the current directory and its ancestors.

    Files arrive sorted by path, so each directory is entered once; fds off the
    current chain are closed as soon as the walk leaves them, keeping at most a
    handful open (10,000 unit directories must not need 10,000 descriptors
    under a default ``ulimit -n`` of 1024).
    """

    def __init__(self, root: Path) -> None:
        root.parent.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.fds: dict[str, int] = {"": self._enter(os.fspath(root), None, "")}
        self.umask = _current_umask()

    def _enter(self, name: str, parent: int | None, rel_dir: str) -> int:
        """Create (if missing) and open one directory, refusing a symlink.

        ``rel_dir`` names it in errors only; the path text is built then, not
        for each of 10,000 directories that open fine (P4).
        """
        try:  # noqa: SIM105 - suppress() costs two Python-level calls per directory (P4)
            os.mkdir(name, 0o755, dir_fd=parent)
        except FileExistsError:
            pass
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=parent)
        except OSError as err:
            shown = self.root / rel_dir if rel_dir else self.root
            if err.errno in (errno.ELOOP, errno.ENOTDIR):
                raise UnsafeOutput(f"refusing to write through {shown}: it is a symlink or "
                                   "not a directory") from err
            raise EnvironmentProblem(f"cannot open directory {shown}: {err.strerror}") from err

    def dir_fd(self, rel_dir: str) -> int:
        """The fd of ``rel_dir`` (``a/b``), creating and entering each component once."""
        fd = self.fds.get(rel_dir)
        if fd is None:
            self._leave_all_but(rel_dir)
            parent, _, name = rel_dir.rpartition("/")
            if name in ("", ".", ".."):
                raise UnsafeOutput(f"refusing the path component {name!r} in {rel_dir!r}")
            fd = self._enter(name, self.dir_fd(parent), rel_dir)
            self.fds[rel_dir] = fd
        return fd

    def _leave_all_but(self, rel_dir: str) -> None:
        """Close cached fds that are not ``rel_dir``'s ancestors (the root stays).

        Only the chain of the previous file's directory is cached, in the
        dict's insertion order (parents first), so this closes from its deep
        end and stops at the first ancestor: usually one look and one close,
        the previous sibling directory, never a look at every directory seen.
        """
        inside = rel_dir + "/"
        fds = self.fds
        while len(fds) > 1:
            deepest = next(reversed(fds))
            if inside.startswith(deepest + "/"):
                return
            os.close(fds.pop(deepest))

    def close(self) -> None:
        """Close every directory fd opened so far."""
        for fd in self.fds.values():
            os.close(fd)
        self.fds.clear()


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data``: one write(2) on a regular file, a loop only if it comes up short."""
    written = os.write(fd, data)
    if written < len(data):
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view) :]


def _write_new(tree: _Tree, dir_fd: int, name: str, file: RenderedFile) -> bool:
    """Create ``name`` with O_EXCL; False if something already exists there."""
    try:
        fd = os.open(name, _NEW_FLAGS, file.mode, dir_fd=dir_fd)
    except FileExistsError:
        return False
    try:
        if file.mode & tree.umask:
            os.fchmod(fd, file.mode)
        _write_all(fd, file.content.encode())
    finally:
        os.close(fd)
    return True


def _replace(tree: _Tree, dir_fd: int, name: str, file: RenderedFile) -> None:
    """Replace an existing entry by rename(2), which never follows a symlink at ``name``.

    The temporary name carries the PID: two renders into one tree at once (a CI
    matrix, a make -j) must not unlink or rename each other's temporary file;
    the last rename wins, each file whole.
    """
    temp = f".{name}.oomcfg-new.{os.getpid()}"
    with suppress(FileNotFoundError):  # a leftover of an interrupted run of this PID
        os.unlink(temp, dir_fd=dir_fd)
    if not _write_new(tree, dir_fd, temp, file):
        raise UnsafeOutput(f"cannot create the temporary file {temp}")
    try:
        os.rename(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except IsADirectoryError as err:
        os.unlink(temp, dir_fd=dir_fd)
        raise UnsafeOutput(f"refusing to replace the directory {tree.root / file.path}") from err


def write_tree(root: Path, files: Iterable[RenderedFile]) -> int:
    """Write ``files`` (paths relative to ``root``) below ``root``; return how many.

    ``root`` may not exist yet. Raises :class:`UnsafeOutput` (exit 4) on a
    symlink or a non-directory on the way, and :class:`EnvironmentProblem`
    (exit 4) naming the file for any other failure (ENOSPC, EACCES, ...);
    either says how many files were already written when it was not the first.
    """
    try:
        tree = _Tree(root)
    except OSError as err:
        raise EnvironmentProblem(f"cannot create {root}: {err.strerror}") from err
    written = 0
    existing: list[RenderedFile] = []
    try:
        for file in files:
            if _write_one(tree, file):
                written += 1
            else:
                existing.append(file)
        if existing:
            _refuse_foreign(tree, existing)
            for file in existing:
                _replace_one(tree, file)
                written += 1
    except EnvironmentProblem as err:
        if not written:
            raise
        # No rollback here (a review tree, not apply): never let a partial tree
        # look like a clean refusal.
        raise type(err)(f"{err}; {written} file(s) were written before this, so {root} "
                        "is incomplete") from err
    finally:
        tree.close()
    return written


def _write_one(tree: _Tree, file: RenderedFile) -> bool:
    """Create ``file``; False when something is already at its path (see _refuse_foreign)."""
    rel_dir, _, name = file.path.rpartition("/")
    try:
        return _write_new(tree, tree.dir_fd(rel_dir), name, file)
    except OSError as err:
        raise EnvironmentProblem(f"cannot write {tree.root / file.path}: {err.strerror}") from err


def _replace_one(tree: _Tree, file: RenderedFile) -> None:
    rel_dir, _, name = file.path.rpartition("/")
    try:
        _replace(tree, tree.dir_fd(rel_dir), name, file)
    except OSError as err:
        raise EnvironmentProblem(f"cannot write {tree.root / file.path}: {err.strerror}") from err


#: Foreign paths named in the message; the rest are counted.
_SHOWN = 10


def _refuse_foreign(tree: _Tree, existing: list[RenderedFile]) -> None:
    """Raise :class:`UnsafeOutput` naming every existing path oomcfg may not replace."""
    foreign = []
    for file in existing:
        rel_dir, _, name = file.path.rpartition("/")
        try:
            why = _not_ours(tree.dir_fd(rel_dir), name)
        except OSError as err:
            shown = tree.root / file.path
            raise EnvironmentProblem(f"cannot read {shown}: {err.strerror}") from err
        if why is not None:
            foreign.append(f"{tree.root / file.path} ({why})")
    if foreign:
        more = f", and {len(foreign) - _SHOWN} more" if len(foreign) > _SHOWN else ""
        raise UnsafeOutput(
            f"refusing to replace {len(foreign)} path(s) oomcfg did not write: "
            f"{', '.join(foreign[:_SHOWN])}{more}; move them away or render into an empty "
            "directory ('oomcfg apply' takes over files only with --force)")


def _not_ours(dir_fd: int, name: str) -> str | None:
    """Why the entry ``name`` is not oomcfg's to replace, or None (marker line, or empty).

    Opened without following a symlink and without blocking on a FIFO; only a
    regular file is read, and only its first :data:`_READ_CAP` bytes.
    """
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                     dir_fd=dir_fd)
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a symlink"
        raise
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return "a directory"
        if not stat.S_ISREG(mode):
            return "not a regular file"
        data = os.read(fd, _READ_CAP)
    finally:
        os.close(fd)
    return None if not data or _MARKER in data else "no oomcfg marker line"
