"""Finding a service's processes on a host without systemd: pidfile, comm, cmdline.

Without systemd there is no cgroup that names a service's processes, so the
profile says how to recognise them (:class:`~oomcfg.model.InitSpec`):

* ``pidfile``: the PID the daemon wrote; checked against ``comm`` and
  ``cmdline`` when the profile gives them too (a stale pidfile may name a
  PID that now belongs to another program).
* ``comm``: the process name, /proc/PID/comm (at most 15 bytes, proc(5)).
* ``cmdline``: a regular expression searched in the command line, the
  arguments joined by spaces, as ``pgrep -f`` matches (pgrep(1)); what tells
  two ``java`` or ``python3`` daemons apart.

Identity is always read *after* the value: ``oom_score_adj`` first, then
``stat`` (name and state), then ``cmdline`` when a pattern needs it. A PID
reused between the reads then shows the new program and is not counted, and a
zombie (state Z: exited, not reaped, still carrying its name and value) is
"not running", never drift (bad-inputs.md, "Reading a live host").
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import re
from collections.abc import Iterable
from typing import NamedTuple

from oomcfg.host import Host
from oomcfg.liveparse import EXITED_STATES, ProcInfo, decimal, parse_pidfile, parse_proc_state
from oomcfg.model import InitSpec, Service
from oomcfg.procread import ProcFiles, read_adj, safe_list, safe_text, stat_comm

#: proc(5): comm is the executable name truncated to TASK_COMM_LEN - 1 bytes.
COMM_LEN = 15


class Matcher(NamedTuple):
    """How one service's processes are recognised in a scan of /proc."""

    service: str
    comm: str | None  # already truncated to COMM_LEN
    cmdline: re.Pattern[str] | None


def matcher(svc: Service) -> Matcher | None:
    """The scan matcher of a service found by comm and/or cmdline (not by pidfile)."""
    init = svc.init
    if init is None or init.pidfile or not (init.comm or init.cmdline):
        return None
    comm = init.comm[:COMM_LEN] if init.comm else None
    return Matcher(svc.name, comm, re.compile(init.cmdline) if init.cmdline else None)


def init_processes(
    host: Host, procfs: ProcFiles, services: Iterable[Service]
) -> dict[str, list[ProcInfo]]:
    """Processes of services on a host without systemd: by pidfile, else by a /proc scan."""
    result: dict[str, list[ProcInfo]] = {}
    scan: list[Matcher] = []
    for svc in services:
        if svc.init is not None and svc.init.pidfile:
            result[svc.name] = by_pidfile(host, procfs, svc.init)
        elif (found := matcher(svc)) is not None:
            result[svc.name] = []
            scan.append(found)
    for service, info in scan_proc(host, procfs, scan):
        result[service].append(info)
    return result


def by_pidfile(host: Host, procfs: ProcFiles, init: InitSpec) -> list[ProcInfo]:
    """The live process a pidfile names, if it is still the program the profile describes.

    Without ``init.comm`` the name is read before the value and again after it
    (``comm``, then ``stat``): a PID reused in between names another program.
    """
    assert init.pidfile is not None
    pid = parse_pidfile(safe_text(host, init.pidfile) or "")
    if pid is None:
        return []
    before = (procfs.read(pid, "comm") or "").rstrip("\n")
    adj = read_adj(procfs, pid)
    stat = procfs.read(pid, "stat") if adj is not None else None
    if adj is None or stat is None or parse_proc_state(stat) in EXITED_STATES:
        return []
    comm = stat_comm(stat)
    wanted = init.comm[:COMM_LEN] if init.comm else comm
    if not comm or comm != before or comm != wanted:
        return []  # the name changed around the value: the PID was reused in between
    pattern = re.compile(init.cmdline) if init.cmdline else None
    if pattern is not None and not _cmdline_matches(procfs, pid, pattern):
        return []
    return [ProcInfo(pid, adj, comm=comm)]


def scan_proc(
    host: Host, procfs: ProcFiles, matchers: list[Matcher]
) -> list[tuple[str, ProcInfo]]:
    """``(service, process)`` for every live process a matcher recognises.

    Two reads per PID (``oom_score_adj``, then ``stat``), a third
    (``cmdline``) only for a process that a pattern must judge: a busy host
    has thousands of PIDs, and these reads are the whole cost (P7). A process
    several services recognise is reported under each of them.
    """
    if not matchers:
        return []
    by_comm: dict[str, list[Matcher]] = {}
    anyname = [m for m in matchers if m.comm is None]
    for m in matchers:
        if m.comm is not None:
            by_comm.setdefault(m.comm, []).append(m)
    found = []
    for name in safe_list(host, "proc"):
        pid = decimal(name)  # not '²' or a 5,000-digit name planted in a --proc fixture
        if pid is None:
            continue
        adj = read_adj(procfs, pid)
        stat = procfs.read(pid, "stat") if adj is not None else None
        if adj is None or stat is None or parse_proc_state(stat) in EXITED_STATES:
            continue
        comm = stat_comm(stat)
        candidates = by_comm.get(comm, [])
        if anyname:
            candidates = [*candidates, *anyname]
        for m in _recognising(procfs, pid, candidates):
            found.append((m.service, ProcInfo(pid, adj, comm=comm)))
    return found


def _recognising(procfs: ProcFiles, pid: int, candidates: list[Matcher]) -> list[Matcher]:
    """The candidates whose pattern (if any) the process' command line matches."""
    if all(m.cmdline is None for m in candidates):
        return candidates
    line = command_line(procfs, pid)
    return [m for m in candidates if m.cmdline is None or (line and m.cmdline.search(line))]


def _cmdline_matches(procfs: ProcFiles, pid: int, pattern: re.Pattern[str]) -> bool:
    line = command_line(procfs, pid)
    return bool(line) and pattern.search(line) is not None


def command_line(procfs: ProcFiles, pid: int) -> str:
    """/proc/PID/cmdline with the NULs between arguments as spaces, as ``ps -o args`` shows it.

    proc(5): the arguments are NUL-terminated strings; a process that rewrote
    its argv (``postgres: checkpointer``) may leave spaces instead. A kernel
    thread, or a zombie, has an empty command line: it matches no pattern.
    """
    raw = procfs.read(pid, "cmdline") or ""
    return raw.rstrip("\0").replace("\0", " ")
