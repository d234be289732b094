"""Read a live host for ``oomcfg validate``: impure, but only through the host seam.

Each read goes through :class:`oomcfg.host.Host` (so ``--root``/``--proc``/
``--sys`` point it at fixture trees) and its text goes straight to a pure
parser in :mod:`oomcfg.liveparse`. The cost stays proportional to the
profile, not to the host (performance.md, P7): sysctls are read from
/proc/sys directly (no ``sysctl`` process per key), systemd is asked once
for every unit (one batched ``systemctl show``), and only the PIDs in the
profile's cgroups are read -- never a scan of all of /proc, except the
``comm``-only scan for services on hosts without systemd.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace

from oomcfg.errors import EnvironmentProblem
from oomcfg.host import Host
from oomcfg.liveparse import (
    SHOW_PROPERTIES,
    DropIn,
    LiveState,
    ProcInfo,
    UnitProps,
    has_cap_sys_resource,
    parse_btime,
    parse_mem_total,
    parse_oom_score_adj,
    parse_pidfile,
    parse_show,
    parse_start_ticks,
    parse_uptime,
)
from oomcfg.model import Profile, Service
from oomcfg.sysctld import sysctl_config_files

#: Units are shown in batches so a 10k-service profile stays under ARG_MAX.
SHOW_BATCH = 1000
#: proc(5): comm is the executable name truncated to TASK_COMM_LEN - 1 bytes.
COMM_LEN = 15
_RUNNING = frozenset({"active", "reloading", "deactivating"})


def show_argv(units: Sequence[str]) -> list[str]:
    """The one ``systemctl show`` command for ``units`` (systemctl(1), ``show -p``)."""
    return ["systemctl", "show", "--no-pager", "-p", ",".join(SHOW_PROPERTIES), "--", *units]


def probe(host: Host, profile: Profile, only: frozenset[str]) -> LiveState:
    """Everything validate needs about ``host`` for ``profile``; never raises for a host fact."""
    unknown: dict[str, str] = {}
    base = LiveState(
        systemd=host.systemd_running(),
        manager_cap_sys_resource=_manager_cap(host),
        manager_oom_score_adj=parse_oom_score_adj(_safe_proc(host, 1, "oom_score_adj") or ""),
        unknown=unknown,
    )
    if "sysctl" in only and profile.sysctl:
        base = replace(
            base,
            sysctls=_read_sysctls(host, profile.sysctl, unknown),
            sysctl_files=_sysctl_files(host),
        )
    if not base.systemd:
        if "processes" not in only:
            return base
        return replace(base, processes=_init_processes(host, profile.services.values()))
    if not host.is_live:
        unknown["systemd"] = (
            f"units can only be checked on the running host (--root {host.root} has systemd "
            "files, but systemctl would talk to this machine's manager)"
        )
        return base
    return _probe_systemd(host, profile, only, base)


def _probe_systemd(
    host: Host, profile: Profile, only: frozenset[str], base: LiveState
) -> LiveState:
    unknown = dict(base.unknown)
    units = _show_units(host, [s.unit for s in profile.services.values()], unknown)
    return replace(
        base,
        units=units,
        dropins=_read_dropins(host, units.values()),
        processes=_unit_processes(host, units.values()) if "processes" in only else {},
        mem_total=parse_mem_total(host.read_text("proc/meminfo") or ""),
        unknown=unknown,
    )


# --- sysctls ----------------------------------------------------------------------------------


def _read_sysctls(
    host: Host, keys: Iterable[str], unknown: dict[str, str]
) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for key in keys:
        try:
            values[key] = host.sysctl_read(key)
        except (OSError, EnvironmentProblem) as err:
            values[key] = None
            unknown[f"sysctl {key}"] = f"cannot read /proc/sys: {_reason(err)}"
    return values


def _sysctl_files(host: Host) -> list[tuple[str, str]]:
    """(path, text) of every sysctl.d file in the order systemd-sysctl applies them."""

    def lister(directory: os.PathLike[str]) -> list[str] | None:
        return [n for n in _safe_list(host, str(directory)) if n.endswith(".conf")] or None

    files = []
    for path in sysctl_config_files("/", lister=lister):
        text = _safe_text(host, str(path))
        if text is not None:
            files.append((str(path), text))
    return files


# --- systemd ----------------------------------------------------------------------------------


def _show_units(host: Host, units: list[str], unknown: dict[str, str]) -> dict[str, UnitProps]:
    found: dict[str, UnitProps] = {}
    for start in range(0, len(units), SHOW_BATCH):
        batch = units[start : start + SHOW_BATCH]
        try:
            proc = host.run(show_argv(batch), timeout=60)
        except EnvironmentProblem as err:
            unknown["systemd"] = f"systemctl could not run: {err}"
            return found
        if proc.returncode != 0:
            unknown["systemd"] = f"systemctl show failed: {proc.stderr.strip() or proc.returncode}"
            return found
        found.update(parse_show(proc.stdout, batch))
    return found


def _read_dropins(host: Host, units: Iterable[UnitProps]) -> dict[str, DropIn]:
    paths = {p for u in units for p in u.dropin_paths}
    return {p: DropIn(_safe_text(host, p), _mtime(host, p)) for p in sorted(paths)}


def _unit_processes(host: Host, units: Iterable[UnitProps]) -> dict[str, list[ProcInfo]]:
    boot = _boot_time(host)
    result: dict[str, list[ProcInfo]] = {}
    for unit in units:
        if unit.active_state in _RUNNING and unit.control_group:
            pids = host.cgroup_procs(unit.control_group)
            result[unit.unit] = _proc_infos(host, pids, boot)
    return result


def _manager_cap(host: Host) -> bool | None:
    """Whether PID 1 (the manager that applies OOMScoreAdjust=) has CAP_SYS_RESOURCE."""
    status = _safe_proc(host, 1, "status")
    return None if status is None else has_cap_sys_resource(status)


# --- processes --------------------------------------------------------------------------------


def _proc_infos(host: Host, pids: Iterable[int], boot: float | None) -> list[ProcInfo]:
    """oom_score_adj and start time of each PID; a PID that exited meanwhile is skipped."""
    infos = []
    for pid in pids:
        info = _proc_info(host, pid, boot)
        if info is not None:
            infos.append(info)
    return infos


def _proc_info(host: Host, pid: int, boot: float | None) -> ProcInfo | None:
    adj_text = _safe_proc(host, pid, "oom_score_adj")
    adj = None if adj_text is None else parse_oom_score_adj(adj_text)
    stat = _safe_proc(host, pid, "stat")
    if adj is None or stat is None:
        return None  # exited mid-scan: not drift (bad-inputs.md)
    ticks = parse_start_ticks(stat)
    start = None if ticks is None or boot is None else boot + ticks / _clock_ticks()
    comm = stat.partition("(")[2].rpartition(")")[0]
    return ProcInfo(pid, adj, start, comm)


def _boot_time(host: Host) -> float | None:
    """Boot time in epoch seconds, to compare process start times with file mtimes.

    ``now - /proc/uptime`` is good to ~10 ms (start times count from boot on the
    same clock); /proc/stat's ``btime`` is whole seconds, the fallback.
    """
    uptime = parse_uptime(_safe_text(host, "proc/uptime") or "")
    if uptime is not None:
        return time.time() - uptime
    btime = parse_btime(_safe_text(host, "proc/stat") or "")
    return None if btime is None else float(btime)


def _clock_ticks() -> int:
    """USER_HZ, the unit of /proc/PID/stat start times (proc(5): sysconf(_SC_CLK_TCK))."""
    return os.sysconf("SC_CLK_TCK")


def _init_processes(host: Host, services: Iterable[Service]) -> dict[str, list[ProcInfo]]:
    """Processes of services on a host without systemd: by pidfile, else by comm."""
    boot = _boot_time(host)
    services = list(services)
    by_comm = {
        s.init.comm[:COMM_LEN]: s.name
        for s in services
        if s.init and s.init.comm and not s.init.pidfile
    }
    result: dict[str, list[ProcInfo]] = {name: [] for name in by_comm.values()}
    for svc in services:
        if svc.init is not None and svc.init.pidfile:
            pid = parse_pidfile(_safe_text(host, svc.init.pidfile) or "")
            info = None if pid is None else _proc_info(host, pid, boot)
            result[svc.name] = [info] if info is not None else []
    if by_comm:
        for pid in _pids_by_comm(host, by_comm.keys()):
            info = _proc_info(host, pid, boot)
            if info is not None and info.comm in by_comm:
                result[by_comm[info.comm]].append(info)
    return result


def _pids_by_comm(host: Host, comms: Iterable[str]) -> list[int]:
    """PIDs whose /proc/PID/comm is one of ``comms``: one small read per process."""
    wanted = set(comms)
    pids = []
    for name in _safe_list(host, "proc"):
        if name.isdigit():
            comm = _safe_proc(host, int(name), "comm")
            if comm is not None and comm.rstrip("\n") in wanted:
                pids.append(int(name))
    return pids


# --- read helpers: a permission problem is "unreadable", never a crash ------------------------


def _safe_text(host: Host, rel: str) -> str | None:
    try:
        return host.read_text(rel)
    except (OSError, EnvironmentProblem):
        return None


def _safe_proc(host: Host, pid: int, name: str) -> str | None:
    try:
        return host.proc_read(pid, name)
    except (OSError, EnvironmentProblem):
        return None


def _safe_list(host: Host, rel: str) -> list[str]:
    try:
        return host.list_dir(rel)
    except (OSError, EnvironmentProblem):
        return []


def _mtime(host: Host, rel: str) -> float | None:
    """A file's modification time. Host has no stat(); this is the one read-only extra."""
    try:
        return host.path(rel).stat().st_mtime
    except (OSError, EnvironmentProblem):
        return None


def _reason(err: BaseException) -> str:
    if isinstance(err, OSError):
        return err.strerror or str(err)
    return str(err)
