"""Fault injection: every write/fsync/rename/mkdir/unlink step of apply and rollback is
made to fail once (ENOSPC or EIO); the root must then be byte-identical to before, the
error exit 5 with a report naming the step. Never a half-applied host."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from apply_helpers import SYSCTL, CountingOps, Snapshot, dropin, snapshot, sysctl

from oomcfg.apply import ApplyOptions, run_apply
from oomcfg.errors import ApplyFailed, ExitCode
from oomcfg.host import FileOps, Host
from oomcfg.rollback import run_rollback

OPTS = ApplyOptions(lock_timeout=2, force=True)
NEW = [dropin("web.service", 700), dropin("db.service", 300), sysctl(vm_swappiness=10)]


class FaultOps(FileOps):
    """Real system calls, except call number ``fail_at`` (1-based), which fails once."""

    def __init__(self, fail_at: int, *, and_after: bool = False) -> None:
        self.fail_at = fail_at
        self.and_after = and_after  # every later call fails too: the disk is gone
        self.count = 0
        self.failed: str | None = None

    def _tick(self, name: str) -> None:
        self.count += 1
        if self.count == self.fail_at or (self.and_after and self.count > self.fail_at):
            self.failed = name
            code = errno.ENOSPC if name == "write" else errno.EIO
            raise OSError(code, os.strerror(code))

    def mkdir(self, path: Path, mode: int) -> None:
        self._tick("mkdir")
        super().mkdir(path, mode)

    def open_new(self, path: Path, mode: int) -> int:
        self._tick("open_new")
        return super().open_new(path, mode)

    def write(self, fd: int, data: bytes) -> None:
        self._tick("write")
        super().write(fd, data)

    def fchmod(self, fd: int, mode: int) -> None:
        self._tick("fchmod")
        super().fchmod(fd, mode)

    def fsync(self, fd: int) -> None:
        self._tick("fsync")
        super().fsync(fd)

    def close(self, fd: int) -> None:
        super().close(fd)  # close(2) releases the descriptor even when it reports an error
        self._tick("close")

    def rename(self, src: Path, dst: Path) -> None:
        self._tick("rename")
        super().rename(src, dst)

    def unlink(self, path: Path) -> None:
        self._tick("unlink")
        super().unlink(path)

    def rmdir(self, path: Path) -> None:
        self._tick("rmdir")
        super().rmdir(path)

    def fsync_dir(self, path: Path) -> None:
        self._tick("fsync_dir")
        super().fsync_dir(path)


@pytest.fixture
def tmp_path(tmp_path: Path) -> Iterator[Path]:
    """Roots on tmpfs when there is one: the hundreds of fsyncs here cost nothing there."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="oomcfg-faults-", dir=shm))
    yield path
    shutil.rmtree(path)


def fresh_root(root: Path) -> None:
    root.mkdir()


def changed_root(root: Path) -> None:
    """A previous apply (web 500, db, old), plus a foreign file where the sysctl goes."""
    root.mkdir()
    previous = [dropin("web.service", 500), dropin("db.service", 300), dropin("old.service", 1)]
    run_apply(Host(root), previous, OPTS)
    (root / SYSCTL).parent.mkdir(parents=True)
    (root / SYSCTL).write_text("vm.swappiness = 60\n")


def applied_twice(root: Path) -> None:
    changed_root(root)
    run_apply(Host(root), NEW, OPTS)


def do_apply(host: Host) -> None:
    run_apply(host, NEW, OPTS)


def do_rollback(host: Host) -> None:
    run_rollback(host, OPTS)


SCENARIOS: dict[str, tuple[Callable[[Path], None], Callable[[Host], None]]] = {
    "apply-to-empty-root": (fresh_root, do_apply),
    "apply-update-remove-force": (changed_root, do_apply),
    "rollback": (applied_twice, do_rollback),
}


def reference(tmp_path: Path, name: str) -> tuple[Snapshot, Snapshot, list[str]]:
    """Before/after snapshots and the list of steps of a run without faults."""
    prepare, action = SCENARIOS[name]
    root = tmp_path / "reference"
    prepare(root)
    before = snapshot(root)
    ops = CountingOps()
    action(Host(root, ops=ops))
    return before, snapshot(root), ops.calls


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_step_failing_once_leaves_before_or_after_never_between(
    tmp_path: Path, name: str
) -> None:
    prepare, action = SCENARIOS[name]
    before, after, steps = reference(tmp_path, name)
    assert before != after
    assert {"write", "fsync", "rename", "fsync_dir"} <= set(steps)
    failed_steps = set()
    for n in range(1, len(steps) + 1):
        root = tmp_path / f"run{n}"
        prepare(root)
        ops = FaultOps(n)
        with pytest.raises(ApplyFailed) as caught:
            action(Host(root, ops=ops))
        assert caught.value.exit_code == ExitCode.ROLLED_BACK
        command = name.partition("-")[0]  # the message names the command that failed
        assert str(caught.value).startswith(f"{command} failed while ")
        assert str(caught.value).endswith(
            "every change was undone, the root is as it was before"
        ), (n, ops.failed, str(caught.value))
        assert snapshot(root) == before, (n, ops.failed)
        failed_steps.add(ops.failed)
        shutil.rmtree(root)
    assert failed_steps == set(steps)


def first_step(tmp_path: Path, name: str) -> int:
    """1-based number of the first ``name`` step of an apply to an empty root."""
    ref = tmp_path / "ref"
    fresh_root(ref)
    counting = CountingOps()
    run_apply(Host(ref, ops=counting), NEW, OPTS)
    return counting.calls.index(name) + 1


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            "rename",
            "apply failed while renaming the new "
            "etc/systemd/system/web.service.d/50-oomcfg.conf into place: Input/output error",
        ),
        (
            "write",
            "apply failed while writing a temp file for "
            "etc/systemd/system/web.service.d/50-oomcfg.conf: No space left on device",
        ),
    ],
)
def test_report_names_the_failing_step_and_its_error(
    tmp_path: Path, step: str, message: str
) -> None:
    # FaultOps fails a write with ENOSPC (a full disk) and every other step with EIO.
    root = tmp_path / "root"
    fresh_root(root)
    with pytest.raises(ApplyFailed) as caught:
        run_apply(Host(root, ops=FaultOps(first_step(tmp_path, step))), NEW, OPTS)
    assert str(caught.value) == (
        f"{message}; every change was undone, the root is as it was before"
    )
    assert snapshot(root) == {}


def test_when_undoing_fails_too_the_report_names_every_path_left_behind(tmp_path: Path) -> None:
    # The second rename fails and so does everything after it (a disk that went
    # away): the first file stays replaced and the report must say exactly so.
    root = tmp_path / "root"
    changed_root(root)
    changed_root(tmp_path / "ref")
    counting = CountingOps()
    run_apply(Host(tmp_path / "ref", ops=counting), NEW, OPTS)
    second_rename = [i for i, c in enumerate(counting.calls, 1) if c == "rename"][1]
    with pytest.raises(ApplyFailed) as caught:
        run_apply(Host(root, ops=FaultOps(second_rename, and_after=True)), NEW, OPTS)
    lines = str(caught.value).splitlines()
    assert lines[:2] == [
        f"apply failed while renaming the new {SYSCTL} into place: Input/output error; "
        "undoing also failed:",
        "  could not restore etc/systemd/system/web.service.d/50-oomcfg.conf: Input/output error",
    ]
    assert all(line.startswith("  could not remove ") for line in lines[2:])  # temp files
    assert (
        b"OOMScoreAdjust=700"
        in (root / "etc/systemd/system/web.service.d/50-oomcfg.conf").read_bytes()
    )
