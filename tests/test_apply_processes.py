"""``oomcfg apply`` as real processes: the lock between parallel runs, terminals and CI.

Each test starts the real CLI (``python -m oomcfg``) so the flock, the
terminal checks and stdin are the real ones, not CliRunner's stand-ins.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from apply_helpers import WEB, profile, snapshot


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    path.mkdir()
    return path


# ------------------------------------------------------------------ lock, real processes

OOMCFG = [sys.executable, "-m", "oomcfg"]
HOLD_LOCK = (
    "import fcntl, os, sys, time\n"
    "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
    "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(float(sys.argv[2]))\n"
)


def apply_under_lock(
    tmp_path: Path, root: Path, held_for: float, *extra: str
) -> subprocess.CompletedProcess[str]:
    """Run ``oomcfg apply`` while another process holds the root's flock for ``held_for`` s."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(root), str(held_for)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        argv = [*OOMCFG, "apply", str(profile(tmp_path)), "--root", str(root), *extra]
        return subprocess.run(argv, check=False, capture_output=True, text=True)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_apply_while_another_holds_the_lock_fails_clearly(tmp_path: Path, root: Path) -> None:
    done = apply_under_lock(tmp_path, root, 30, "--lock-timeout", "0.3")
    assert (done.returncode, done.stdout) == (4, "")
    assert done.stderr == (
        f"oomcfg: another oomcfg apply holds the lock on {root} (waited 0.3s); wait for it "
        "to finish, or check for a hung oomcfg process\n"
    )
    assert snapshot(root) == {}


def test_apply_waits_for_a_lock_released_in_time(tmp_path: Path, root: Path) -> None:
    done = apply_under_lock(tmp_path, root, 0.5)
    assert (done.returncode, done.stderr) == (0, "")
    assert (root / WEB).exists()


def test_parallel_applies_serialise_and_leave_a_consistent_root(tmp_path: Path, root: Path) -> None:
    profiles = [profile(tmp_path, web=100 * (n + 1), name=f"p{n}.yaml") for n in range(3)]
    procs = [
        subprocess.Popen(
            [*OOMCFG, "apply", str(p), "--root", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        for p in profiles
    ]
    results = [(p.wait(), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream is not None:
                stream.close()
    assert results == [(0, "")] * 3
    manifest = json.loads((root / "var/lib/oomcfg/manifest.json").read_text())
    assert manifest["generation"] == 3  # three transactions, one after another
    for path, digest, *_mode_kind_unit in manifest["files"]:
        assert hashlib.sha256((root / path).read_bytes()).hexdigest() == digest
    assert sorted(os.listdir(root / "var/lib/oomcfg/generations")) == ["1.json", "2.json", "3.json"]


# ------------------------------------------------------------------ confirmation, real terminals


def test_without_a_terminal_apply_never_waits_for_an_answer(tmp_path: Path, root: Path) -> None:
    # CI: stdin is /dev/null (or a pipe), nobody can answer; no --yes needed.
    done = subprocess.run(
        [*OOMCFG, "apply", str(profile(tmp_path)), "--root", str(root)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert "apply 3 change(s)" not in done.stdout
    assert (root / WEB).exists()


def on_a_terminal(argv: list[str], answer: bytes) -> tuple[int, str]:
    """Run ``argv`` with a pseudo-terminal as stdin/stdout/stderr; answer the first prompt."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    seen = b""
    try:
        while b"[y/N]: " not in seen and proc.poll() is None:
            seen += os.read(leader, 4096)
        os.write(leader, answer)
        code = proc.wait(timeout=60)
        with contextlib.suppress(OSError):  # EIO: the terminal closed with the process
            while chunk := os.read(leader, 4096):
                seen += chunk
    finally:
        os.close(leader)
    return code, seen.decode().replace("\r\n", "\n")


@pytest.mark.parametrize(("answer", "code"), [(b"n\n", 1), (b"y\n", 0)])
def test_on_a_terminal_apply_asks_before_writing(
    tmp_path: Path, root: Path, answer: bytes, code: int
) -> None:
    argv = [*OOMCFG, "apply", str(profile(tmp_path)), "--root", str(root)]
    got, text = on_a_terminal(argv, answer)
    assert got == code, text
    assert f"apply 3 change(s) to {root}? [y/N]: " in text
    assert (root / WEB).exists() is (code == 0)
    if code:
        assert "nothing written: not confirmed" in text
