"""``apply``/``rollback`` on a root whose own records (``var/lib/oomcfg``) are not files.

Found by hand: a directory, a FIFO or a link to ``/dev/zero`` where the
manifest or a generation record belongs gave exit 70, a hang, or memory
growth until MemoryError. They are read like any target now (O_NOFOLLOW,
O_NONBLOCK, then fstat) and refused like every other unsafe target: exit 4,
a message naming the path, nothing written. Each case runs in a subprocess
with a timeout and an address-space limit, so a regression neither hangs the
suite nor eats the machine's memory.

Ctrl-C between apply's renames (once a torn root with staged temp files left
behind) is undone like a failed system call.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from apply_helpers import dropin, plant, sysctl
from apply_helpers import snapshot as helper_snapshot

from oomcfg.apply import ApplyOptions, run_apply
from oomcfg.host import FileOps, Host
from oomcfg.resources import profiles_dir

PRESET = str(profiles_dir() / "base-server.yaml")
STATE = "var/lib/oomcfg"


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def oomcfg(*args: str, timeout: float = 3) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, "-m", "oomcfg", *args], capture_output=True, text=True,
            check=False, timeout=timeout, preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"oomcfg {' '.join(args)} hung (> {timeout} s)")




def snapshot(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() and not p.is_symlink()
                                       else None)
            for p in sorted(root.rglob("*"))}


def assert_refused(done: subprocess.CompletedProcess[str], name: str) -> None:
    assert done.returncode == 4, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert name in done.stderr


@pytest.mark.parametrize("what", ["dir", "fifo", "/dev/zero"])
def test_apply_with_a_manifest_that_is_not_a_file(tmp_path: Path, what: str) -> None:
    """Reproducer: mkdir -p R/var/lib/oomcfg/manifest.json; oomcfg apply base-server --root R."""
    plant(tmp_path / STATE / "manifest.json", what)
    before = snapshot(tmp_path)
    done = oomcfg("apply", PRESET, "--root", str(tmp_path), "--no-live")
    assert_refused(done, "manifest.json")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("what", ["dir", "fifo", "/dev/zero"])
def test_rollback_with_a_generation_record_that_is_not_a_file(tmp_path: Path, what: str) -> None:
    """Reproducer: apply once, replace R/var/lib/oomcfg/generations/1.json by a directory,
    oomcfg rollback --root R."""
    assert oomcfg("apply", PRESET, "--root", str(tmp_path), "--no-live", timeout=60).returncode == 0
    plant(tmp_path / STATE / "generations" / "1.json", what)
    before = snapshot(tmp_path)
    done = oomcfg("rollback", "--root", str(tmp_path))
    assert_refused(done, "1.json")
    assert snapshot(tmp_path) == before


# --- Ctrl-C in the middle of the renames -------------------------------------------------------


class InterruptOps(FileOps):
    """Real system calls; the ``at``-th rename raises KeyboardInterrupt (SIGINT, Ctrl-C)."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.renames = 0

    def rename(self, src: Path, dst: Path) -> None:
        self.renames += 1
        if self.renames == self.at:
            raise KeyboardInterrupt
        super().rename(src, dst)


@pytest.mark.parametrize("at", [1, 2, 3, 4, 5])  # 3 files, the record, the manifest
def test_ctrl_c_between_renames_leaves_the_root_as_before(tmp_path: Path, at: int) -> None:
    """Reproducer: Ctrl-C during 'oomcfg apply' after its first rename (simulated here
    by a FileOps whose second rename raises KeyboardInterrupt)."""
    old = [dropin("web.service", 100), dropin("db.service", 100), sysctl(vm_swappiness=60)]
    new = [dropin("web.service", 700), dropin("db.service", 300), sysctl(vm_swappiness=10)]
    options = ApplyOptions(lock_timeout=2, force=True)
    run_apply(Host(tmp_path), old, options)
    before = helper_snapshot(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_apply(Host(tmp_path, ops=InterruptOps(at)), new, options)
    assert helper_snapshot(tmp_path) == before
