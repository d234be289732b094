"""Hostile inputs a user can hand `oomcfg render`, run as the real CLI.

Each case asserts (exit code, stdout, stderr) together and, with ``--out``,
that a pre-existing output tree is byte-for-byte unchanged (bad-inputs.md:
"nothing written"). These came from an audit that fed the installed command
things a shell makes easy: FIFOs, directories, devices, odd paths.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def oomcfg(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the real command in a child process (a hang fails the test, not the run)."""
    proc = subprocess.run(
        [sys.executable, "-m", "oomcfg", "render", *args], cwd=cwd, capture_output=True,
        text=True, timeout=30, check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every entry under ``root`` with its mode and bytes (directories: empty bytes)."""
    return {p.relative_to(root).as_posix(): (p.lstat().st_mode,
                                              p.read_bytes() if p.is_file() else b"")
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def existing_out(tmp_path: Path) -> Path:
    """An output directory that already holds a rendered file and a foreign one."""
    out = tmp_path / "out"
    dropin = out / "etc/systemd/system/ssh.service.d/50-oomcfg.conf"
    dropin.parent.mkdir(parents=True)
    dropin.write_text("# an earlier render\n")
    (out / "notes.txt").write_text("someone else's file\n")
    return out


def test_a_fifo_named_as_profile_is_refused_at_once(tmp_path: Path, existing_out: Path) -> None:
    """Opening a FIFO for reading blocks until a writer comes: never open one."""
    os.mkfifo(tmp_path / "profile.yaml")
    before = snapshot(existing_out)
    code, out, err = oomcfg("profile.yaml", "--out", str(existing_out), cwd=tmp_path)
    assert (code, out, err) == (
        3, "", "profile.yaml: error[OC013]: cannot read file: not a regular file (a FIFO) "
        "(check the path and its permissions)\n")
    assert snapshot(existing_out) == before


@pytest.mark.parametrize("body", ["", "services: {}\n", "description: only words\n"])
def test_a_profile_that_renders_nothing_says_so(tmp_path: Path, body: str) -> None:
    """Silence and exit 0 read like success with files somewhere; say there are none."""
    (tmp_path / "p.yaml").write_text("oomcfg: 1\n" + body)
    assert oomcfg("p.yaml", cwd=tmp_path) == (
        0, "", "oomcfg: nothing to render: the profile sets no sysctl and no service "
        "setting for the targets systemd, sysctl\n")
