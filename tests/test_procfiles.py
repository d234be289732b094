"""ProcFiles: validate's raw reads of /proc/PID files (one read per small file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oomcfg.host import Host
from oomcfg.procread import ProcFiles


def _files(tmp_path: Path, name: str, content: bytes) -> ProcFiles:
    target = tmp_path / "proc" / "42" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return ProcFiles(Host(tmp_path))


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 8192, 20_000])
def test_a_file_of_any_length_is_read_whole(tmp_path: Path, size: int) -> None:
    """A file that fills the first read's buffer is read on to its end, never cut."""
    content = bytes(ord("a") + i % 26 for i in range(size))
    assert _files(tmp_path, "cgroup", content).read(42, "cgroup") == content.decode()


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    """comm is whatever bytes a program chose (prctl(2) PR_SET_NAME): never a crash."""
    text = _files(tmp_path, "stat", b"42 (bad\xff) S 1\n").read(42, "stat")
    assert text == "42 (bad\ufffd) S 1\n"


def test_a_missing_process_or_file_reads_as_none(tmp_path: Path) -> None:
    files = _files(tmp_path, "stat", b"42 (x) S 1\n")
    assert files.read(43, "stat") is None
    assert files.read(42, "oom_score_adj") is None


def test_a_directory_in_place_of_a_file_reads_as_none(tmp_path: Path) -> None:
    files = _files(tmp_path, "stat", b"")
    (tmp_path / "proc" / "42" / "cgroup").mkdir()
    assert files.read(42, "cgroup") is None


def test_reads_this_process_from_the_real_proc() -> None:
    """The real files: stat names this process, oom_score_adj is its integer."""
    files = ProcFiles(Host(Path("/")))
    stat = files.read(os.getpid(), "stat")
    adj = files.read(os.getpid(), "oom_score_adj")
    assert stat is not None and stat.startswith(f"{os.getpid()} (")
    assert adj is not None and -1000 <= int(adj) <= 1000


def test_no_descriptor_is_left_open(tmp_path: Path) -> None:
    """Validate scans thousands of PIDs: every read closes its descriptor, error or not."""
    files = _files(tmp_path, "stat", b"42 (x) S 1\n")
    (tmp_path / "proc" / "42" / "cgroup").mkdir()
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        files.read(42, "stat")
        files.read(42, "cgroup")
        files.read(99, "stat")
    assert len(os.listdir("/proc/self/fd")) == before
