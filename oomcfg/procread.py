"""Per-process reads for validate (the services of a host without systemd: oomcfg.initmatch).

The reads are the whole cost of a busy host, so they are kept to a minimum.

A healthy process costs one small read (``oom_score_adj``). Only a process
whose value differs pays for ``stat`` (start time, name, state: to explain
the difference, and to drop a zombie) and ``cgroup`` (to drop a PID that was
reused by another process after the unit's ``cgroup.procs`` was listed).
A PID that vanished at any step is skipped: never drift (bad-inputs.md,
"Reading a live host").
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterable

from oomcfg.errors import EnvironmentProblem
from oomcfg.host import Host
from oomcfg.liveparse import (
    EXITED_STATES,
    ProcInfo,
    in_control_group,
    parse_btime,
    parse_cgroup_v2,
    parse_oom_score_adj,
    parse_proc_state,
    parse_start_ticks,
    parse_uptime,
)

#: One read returns a whole small /proc file (stat, oom_score_adj, cgroup, status are
#: generated in one go, proc(5)); a longer one is read on until EOF.
_CHUNK = 4096
#: O_NONBLOCK: a FIFO planted in a --proc/--root fixture opens at once instead of
#: blocking validate forever (procfs files ignore the flag, fifo(7) does not).
_RDONLY = os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK
#: No /proc/PID file oomcfg reads comes near this; a symlink to /dev/zero in a
#: fixture would otherwise be read until memory runs out.
_MAX_BYTES = 1 << 20


class ProcFiles:
    """Reads /proc/PID/NAME under the host's /proc; None when gone or unreadable.

    ``Host.proc_read`` re-resolves and re-checks the path for every file (about
    5x a bare open here). /proc is resolved once through the seam (so
    ``--root``/``--proc`` still apply) and each file is then opened directly:
    PIDs are ints and names are constants of the callers, so no read can leave
    /proc. A vanished process (ENOENT/ESRCH) reads as None: not drift.

    Reads use ``os.open``/``os.read``, not ``open()``: on a busy host these two
    syscalls per file are the whole cost, and the buffered file object around
    them cost as much again (measured: 2,000 processes, two files each, 46 ms
    against 73-100 ms).
    """

    def __init__(self, host: Host) -> None:
        self.base = str(host.path("proc"))

    def read(self, pid: int, name: str) -> str | None:
        """Text of one /proc file of ``pid``, or None."""
        try:
            fd = os.open(f"{self.base}/{int(pid)}/{name}", _RDONLY)
        except OSError:
            return None
        try:
            return _read_all(fd).decode("utf-8", "replace")
        except OSError:
            return None
        finally:
            os.close(fd)


def _read_all(fd: int) -> bytes:
    """The whole file: one read, more only when it filled the buffer.

    These files are generated whole on the first read (seq_file), so a short
    read is the end; procps reads /proc/PID files the same way (a read that
    does not fill its buffer ends the loop). A file longer than the buffer is
    read on until EOF, up to :data:`_MAX_BYTES` (then EFBIG: unreadable).
    """
    data = os.read(fd, _CHUNK)
    if len(data) < _CHUNK:
        return data
    parts = [data]
    size = len(data)
    while chunk := os.read(fd, _CHUNK):
        size += len(chunk)
        if size > _MAX_BYTES:
            raise OSError(errno.EFBIG, f"more than {_MAX_BYTES} bytes: not a /proc file")
        parts.append(chunk)
    return b"".join(parts)


def proc_infos(
    procfs: ProcFiles,
    pids: Iterable[int],
    expected: int,
    boot: float | None,
    group: str | None = None,
) -> list[ProcInfo]:
    """oom_score_adj of each PID; one that exited (or was reused outside ``group``) is skipped.

    ``group`` is the unit's ControlGroup the PIDs were listed from: a differing
    process is kept only while /proc/PID/cgroup still puts it there (read
    after its value, so a PID reused in between is never blamed on the unit).
    """
    infos = []
    for pid in pids:
        adj = read_adj(procfs, pid)
        if adj is None:
            continue
        if adj == expected:
            infos.append(ProcInfo(pid, adj))
            continue
        stat = procfs.read(pid, "stat")
        if stat is None or parse_proc_state(stat) in EXITED_STATES:
            continue
        if group is None or _still_in(procfs, pid, group):
            infos.append(ProcInfo(pid, adj, _start_time(stat, boot), stat_comm(stat)))
    return infos


def _still_in(procfs: ProcFiles, pid: int, group: str) -> bool:
    text = procfs.read(pid, "cgroup")
    if text is None:
        return False  # gone meanwhile
    path = parse_cgroup_v2(text)
    return path is None or in_control_group(path, group)  # no v2 line: cannot tell, keep it


def read_adj(procfs: ProcFiles, pid: int) -> int | None:
    """A process' oom_score_adj; None when it is gone."""
    text = procfs.read(pid, "oom_score_adj")
    return None if text is None else parse_oom_score_adj(text)


def _start_time(stat: str, boot: float | None) -> float | None:
    ticks = parse_start_ticks(stat)
    return None if ticks is None or boot is None else boot + ticks / _clock_ticks()


def stat_comm(stat: str) -> str:
    """Field 2 of /proc/PID/stat, between the first ``(`` and the last ``)`` (proc(5))."""
    return stat.partition("(")[2].rpartition(")")[0]


def boot_time(host: Host) -> float | None:
    """Boot time in epoch seconds, to compare process start times with file mtimes.

    ``now - /proc/uptime`` is good to ~10 ms (start times count from boot on the
    same clock); /proc/stat's ``btime`` is whole seconds, the fallback.
    """
    uptime = parse_uptime(safe_text(host, "proc/uptime") or "")
    if uptime is not None:
        return time.time() - uptime
    btime = parse_btime(safe_text(host, "proc/stat") or "")
    return None if btime is None else float(btime)


def _clock_ticks() -> int:
    """USER_HZ, the unit of /proc/PID/stat start times (proc(5): sysconf(_SC_CLK_TCK))."""
    return os.sysconf("SC_CLK_TCK")


# --- read helpers: a permission problem is "unreadable", never a crash ------------------------


def safe_text(host: Host, rel: str) -> str | None:
    """A file's text through the host seam; None when missing or unreadable."""
    try:
        return host.read_text(rel)
    except (OSError, EnvironmentProblem):
        return None


def safe_list(host: Host, rel: str) -> list[str]:
    """A directory's entries through the host seam; empty when missing or unreadable."""
    try:
        return host.list_dir(rel)
    except (OSError, EnvironmentProblem):
        return []
