"""All-or-nothing file changes under a root: stage, then rename, else restore.

bad-inputs.md "Writing to a host": a zero-length unit file masks the unit, and
a host where half the files changed is a state nobody tested. So a
:class:`Transaction` first writes every new file to a temp file in its target
directory and fsyncs it (any ENOSPC/EIO happens here, before anything is
replaced), then renames them over their targets, removes what must go, and
fsyncs every touched directory (rename(2) is atomic; the directory fsync makes
it durable). If any step fails, every change already made is undone from the
previous bytes held in memory, every temp file and new directory is removed,
and :class:`~oomcfg.errors.ApplyFailed` says exactly what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

from oomcfg.errors import ApplyFailed
from oomcfg.host import Host, Staged


class Write(NamedTuple):
    """The desired end state of one path; ``data`` None removes it.

    ``old``/``old_mode`` are what is there now (None: nothing), used to undo.
    """

    path: str
    data: bytes | None
    mode: int = 0o644
    old: bytes | None = None
    old_mode: int | None = None


class _Progress:
    """What has been done so far, in order, so it can be undone exactly.

    A plain slotted class: a dataclass costs ~0.6 ms to define at start-up (P6).
    """

    __slots__ = ("created_dirs", "done", "removed_dirs", "staged")

    def __init__(self) -> None:
        self.created_dirs: list[str] = []
        self.staged: dict[str, Staged] = {}
        self.done: list[Write] = []
        self.removed_dirs: list[str] = []


class Transaction:
    """Apply a list of :class:`Write` to a :class:`Host` atomically as a whole."""

    def __init__(self, host: Host, prune_dirs: Sequence[str] = (), command: str = "apply") -> None:
        """``prune_dirs``: directories to remove when the removals leave them empty.

        ``command`` names what failed in the report (``apply``, ``rollback``).
        """
        self.host = host
        self.prune_dirs = tuple(prune_dirs)
        self.command = command
        self._progress = _Progress()
        self._step = ""

    def run(self, writes: Sequence[Write]) -> None:
        """Make every write happen, or none; raises ApplyFailed after undoing.

        An interruption (Ctrl-C's KeyboardInterrupt, SystemExit) between two
        steps is undone the same way and then goes on, so the root is never
        left half old, half new with temp files behind; what could not be
        undone is added to it as notes.
        """
        try:
            self._stage(writes)
            self._commit(writes)
            self._prune_empty_dirs()
            self._sync(writes)
        except OSError as err:
            undo_problems = self._undo()
            raise ApplyFailed(self._report(err, undo_problems)) from err
        except BaseException as interruption:
            for problem in self._undo():
                interruption.add_note(f"{self.command} interrupted; undoing failed: {problem}")
            raise

    # ------------------------------------------------------------ forward steps
    def _stage(self, writes: Sequence[Write]) -> None:
        for w in writes:
            if w.data is None:
                continue
            for rel in self.host.missing_dirs(_parent(w.path)):
                self._step = f"creating the directory {rel}"
                self.host.make_dir(rel)
                self._progress.created_dirs.append(rel)
            self._step = f"writing a temp file for {w.path}"
            self._progress.staged[w.path] = self.host.stage(w.path, w.data, w.mode)

    def _commit(self, writes: Sequence[Write]) -> None:
        for w in writes:
            if w.data is None:
                self._step = f"removing {w.path}"
                self.host.remove(w.path)
            else:
                self._step = f"renaming the new {w.path} into place"
                self.host.commit(self._progress.staged[w.path])
                del self._progress.staged[w.path]
            self._progress.done.append(w)

    def _prune_empty_dirs(self) -> None:
        for rel in self.prune_dirs:
            if self.host.is_dir(rel) and not self.host.list_dir(rel):
                self._step = f"removing the emptied directory {rel}"
                self.host.remove_dir(rel)
                self._progress.removed_dirs.append(rel)

    def _sync(self, writes: Sequence[Write]) -> None:
        dirs = {_parent(w.path) for w in writes}
        dirs |= {_parent(d) for d in self._progress.created_dirs + self._progress.removed_dirs}
        for rel in sorted(dirs):
            if self.host.is_dir(rel):
                self._step = f"syncing the directory {rel or '/'}"
                self.host.fsync_dir(rel)

    # ------------------------------------------------------------ undo
    def _undo(self) -> list[str]:
        problems: list[str] = []
        progress = self._progress
        for rel in reversed(progress.removed_dirs):
            _attempt(problems, f"recreate {rel}", partial(self.host.make_dirs, rel))
        for w in reversed(progress.done):
            _attempt(problems, f"restore {w.path}", partial(self._restore, w))
        for staged in progress.staged.values():
            _attempt(problems, f"remove {staged.temp}", partial(self.host.discard, staged))
        for rel in reversed(progress.created_dirs):
            _attempt(problems, f"remove {rel}", partial(self.host.remove_dir, rel))
        return problems

    def _restore(self, w: Write) -> None:
        if w.old is None:
            self.host.remove(w.path)
        else:
            self.host.write_atomic(w.path, w.old, w.old_mode or 0o644)

    def _report(self, err: OSError, undo_problems: list[str]) -> str:
        reason = err.strerror or str(err)
        head = f"{self.command} failed while {self._step}: {reason}"
        if not undo_problems:
            return f"{head}; every change was undone, the root is as it was before"
        lines = [f"{head}; undoing also failed:"] + [f"  {p}" for p in undo_problems]
        return "\n".join(lines)


def _attempt(problems: list[str], what: str, action: Callable[[], object]) -> None:
    try:
        action()
    except OSError as err:
        problems.append(f"could not {what}: {err.strerror or err}")


def _parent(rel: str) -> str:
    return rel.rpartition("/")[0]
