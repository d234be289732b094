"""``validate --root`` on a host tree with FIFOs and endless files where small files belong.

A FIFO opened for reading blocks until a writer appears; ``/dev/zero`` never
ends. Planted in a fixture (or on a real host: a pidfile, a sysctl.d file),
either one used to hang validate or grow it until memory ran out
(bad-inputs.md: "must not hang or eat memory"). Each run here is a
subprocess with a timeout and an address-space limit, so a regression fails
the test instead of hanging the suite or the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from probe_tree import build_host_root

PROFILE = """\
oomcfg: 1
sysctl: {vm.swappiness: 10}
services:
  mydb: {unit: mydb.service, oom_score_adj: -500, init: {pidfile: /run/mydb.pid}}
  worker: {unit: worker.service, oom_score_adj: 300, init: {comm: worker}}
"""
TIMEOUT = 20  # a healthy run of this fixture takes well under a second


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def validate_tree(
    tmp_path: Path, plant: dict[str, str], timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Build the probe fixture, replace each ``plant`` path by a FIFO or a link, validate."""
    root = build_host_root(tmp_path)
    for rel, what in plant.items():
        path = root / rel
        path.unlink(missing_ok=True)
        if what == "fifo":
            os.mkfifo(path)
        else:
            path.symlink_to(what)
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE)
    try:
        return subprocess.run(
            [sys.executable, "-m", "oomcfg", "validate", str(profile), "--root", str(root)],
            capture_output=True, text=True, check=False, timeout=timeout,
            preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"validate hung (> {timeout} s) on {plant}")


def assert_answered(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode in (1, 4), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("validate: ")


@pytest.mark.parametrize("plant", [
    {"proc/77/stat": "fifo"},
    {"proc/78/stat": "/dev/zero"},
    {"proc/4321/oom_score_adj": "fifo", "proc/77/oom_score_adj": "/dev/zero"},
    {"proc/1/status": "fifo"},
])
def test_proc_files_that_block_or_never_end(tmp_path: Path, plant: dict[str, str]) -> None:
    """ProcFiles opens with O_NONBLOCK and stops at 1 MiB: the process reads as unreadable."""
    assert_answered(validate_tree(tmp_path, plant))


@pytest.mark.parametrize("plant", [
    {"run/mydb.pid": "fifo"},
    {"run/mydb.pid": "/dev/zero"},
    {"etc/sysctl.d/50-planted.conf": "fifo"},
], ids=["pidfile-fifo", "pidfile-dev-zero", "sysctl.d-fifo"])
def test_host_files_that_block_or_never_end(tmp_path: Path, plant: dict[str, str]) -> None:
    """Host.read_bytes opens with O_NONBLOCK and reads only regular files: absent otherwise."""
    assert_answered(validate_tree(tmp_path, plant))
