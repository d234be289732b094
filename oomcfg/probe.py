"""Read a live host for ``oomcfg validate``: impure, but only through the host seam.

Each read goes through :class:`oomcfg.host.Host` (so ``--root``/``--proc``/
``--sys`` point it at fixture trees) and its text goes straight to a pure
parser in :mod:`oomcfg.liveparse`. The cost stays proportional to the
profile, not to the host (performance.md, P7): sysctls are read from
/proc/sys directly (no ``sysctl`` process per key), systemd is asked once
for every unit (one batched ``systemctl show``; a second one with glob
patterns when the profile has template/prefix/type services,
:mod:`oomcfg.instances`), and only the PIDs in the profile's cgroups are
read -- never a scan of all of /proc, except the ``comm``-only scan for
services on hosts without systemd.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from oomcfg.errors import EnvironmentProblem
from oomcfg.host import Host
from oomcfg.liveparse import (
    EXITED_STATES,
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
    parse_proc_state,
    parse_show,
    parse_show_matches,
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


class ProcFiles:
    """Reads /proc/PID/NAME under the host's /proc; None when gone or unreadable.

    The per-process reads are the whole cost of validate on a busy host, and
    ``Host.proc_read`` re-resolves and re-checks the path for every file (about
    5x a bare open here). /proc is resolved once through the seam (so
    ``--root``/``--proc`` still apply) and each file is then opened directly:
    PIDs are ints and names are constants of this module, so no read can leave
    /proc. A vanished process (ENOENT/ESRCH) reads as None: not drift.
    """

    def __init__(self, host: Host) -> None:
        self.base = str(host.path("proc"))

    def read(self, pid: int, name: str) -> str | None:
        """Text of one /proc file of ``pid``, or None."""
        try:
            with open(f"{self.base}/{int(pid)}/{name}", "rb") as f:  # noqa: PTH123
                return f.read().decode("utf-8", "replace")
        except OSError:
            return None


def show_argv(units: Sequence[str]) -> list[str]:
    """The one ``systemctl show`` command for ``units`` (systemctl(1), ``show -p``)."""
    return ["systemctl", "show", "--no-pager", "-p", ",".join(SHOW_PROPERTIES), "--", *units]


def probe(host: Host, profile: Profile, only: frozenset[str]) -> LiveState:
    """Everything validate needs about ``host`` for ``profile``; never raises for a host fact."""
    unknown: dict[str, str] = {}
    procfs = ProcFiles(host)
    base = LiveState(
        systemd=host.systemd_running(),
        manager_cap_sys_resource=_manager_cap(procfs),
        manager_oom_score_adj=parse_oom_score_adj(procfs.read(1, "oom_score_adj") or ""),
        unknown=unknown,
    )
    if "sysctl" in only and profile.sysctl:
        base = base._replace(
            sysctls=_read_sysctls(host, profile.sysctl, unknown),
            sysctl_files=_sysctl_files(host),
        )
    if not base.systemd:
        if "processes" not in only:
            return base
        return base._replace(processes=_init_processes(host, procfs, profile.services.values()))
    if not host.is_live:
        unknown["systemd"] = (
            f"units can only be checked on the running host (--root {host.root} has systemd "
            "files, but systemctl would talk to this machine's manager)"
        )
        return base
    return _probe_systemd(host, procfs, profile, only, base)


def _probe_systemd(
    host: Host, procfs: ProcFiles, profile: Profile, only: frozenset[str], base: LiveState
) -> LiveState:
    # Unit-file and instance machinery only on a systemd host (validate start-up).
    from oomcfg.instances import expected_adj, is_wide  # noqa: PLC0415

    unknown = dict(base.unknown)
    services = list(profile.services.values())
    units = _show_units(host, [s.unit for s in services if not is_wide(s)], unknown)
    instances = _expand_wide(host, services, units, unknown)
    expected = dict(expected_adj(services, instances))
    return base._replace(
        units=units,
        instances=instances,
        dropins=_read_dropins(host, units.values()),
        processes=(
            _unit_processes(host, procfs, units.values(), expected) if "processes" in only else {}
        ),
        mem_total=parse_mem_total(host.read_text("proc/meminfo") or ""),
        unknown=unknown,
    )


def _expand_wide(
    host: Host, services: list[Service], units: dict[str, UnitProps], unknown: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    """Instances of template/prefix/type services: one ``systemctl show PATTERN...``.

    The matched units' properties come with the same call and join ``units``
    (a unit the profile names itself keeps its own entry). Nothing is expanded
    when systemd could not be asked (``unknown`` already says why).
    """
    from oomcfg.instances import assign_instances, wide_patterns  # noqa: PLC0415 - as above

    patterns = wide_patterns(services)
    if not patterns or "systemd" in unknown:
        return {}
    matches = _show(host, patterns, unknown, lambda text, _batch: parse_show_matches(text))
    if "systemd" in unknown:
        return {}
    instances = assign_instances(services, matches)
    for names in instances.values():
        units.update({name: matches[name] for name in names if name not in units})
    return instances


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
    return _show(host, units, unknown, parse_show)


#: Splits one ``systemctl show`` output of a batch of names (or patterns) into units.
ShowParser = Callable[[str, list[str]], Mapping[str, UnitProps]]


def _show(
    host: Host, names: list[str], unknown: dict[str, str], parse: ShowParser
) -> dict[str, UnitProps]:
    """``systemctl show`` in batches; a failure is recorded in ``unknown``, never raised."""
    found: dict[str, UnitProps] = {}
    for start in range(0, len(names), SHOW_BATCH):
        batch = names[start : start + SHOW_BATCH]
        try:
            proc = host.run(show_argv(batch), timeout=60)
        except EnvironmentProblem as err:
            unknown["systemd"] = f"systemctl could not run: {err}"
            return found
        if proc.returncode != 0:
            unknown["systemd"] = f"systemctl show failed: {proc.stderr.strip() or proc.returncode}"
            return found
        found.update(parse(proc.stdout, batch))
    return found


def _read_dropins(host: Host, units: Iterable[UnitProps]) -> dict[str, DropIn]:
    paths = {p for u in units for p in u.dropin_paths}
    return {p: DropIn(_safe_text(host, p), _mtime(host, p)) for p in sorted(paths)}


def _unit_processes(
    host: Host, procfs: ProcFiles, units: Iterable[UnitProps], expected: Mapping[str, int]
) -> dict[str, list[ProcInfo]]:
    """Every PID in each running unit's cgroup whose service sets oom_score_adj."""
    boot = _boot_time(host)
    result: dict[str, list[ProcInfo]] = {}
    for unit in units:
        want = expected.get(unit.unit)
        if want is not None and unit.active_state in _RUNNING and unit.control_group:
            pids = host.cgroup_procs(unit.control_group)
            result[unit.unit] = _proc_infos(procfs, pids, want, boot)
    return result


def _manager_cap(procfs: ProcFiles) -> bool | None:
    """Whether PID 1 (the manager that applies OOMScoreAdjust=) has CAP_SYS_RESOURCE."""
    status = procfs.read(1, "status")
    return None if status is None else has_cap_sys_resource(status)


# --- processes --------------------------------------------------------------------------------


def _proc_infos(
    procfs: ProcFiles, pids: Iterable[int], expected: int, boot: float | None
) -> list[ProcInfo]:
    """oom_score_adj of each PID; a PID that exited meanwhile is skipped (not drift).

    Only a process whose value differs has its ``stat`` read (start time and
    name, to explain the difference), so a healthy host costs one small read
    per process (performance.md, P7).
    """
    infos = []
    for pid in pids:
        adj = _read_adj(procfs, pid)
        if adj is None:
            continue
        if adj == expected:
            infos.append(ProcInfo(pid, adj))
            continue
        stat = procfs.read(pid, "stat")
        if stat is not None and parse_proc_state(stat) not in EXITED_STATES:
            infos.append(ProcInfo(pid, adj, _start_time(stat, boot), _stat_comm(stat)))
    return infos


def _exited(procfs: ProcFiles, pid: int) -> bool:
    """True for a process that exited, even if not yet reaped (a zombie keeps its comm and
    oom_score_adj: a pidfile or comm match on it is "not running", never drift)."""
    stat = procfs.read(pid, "stat")
    return stat is None or parse_proc_state(stat) in EXITED_STATES


def _read_adj(procfs: ProcFiles, pid: int) -> int | None:
    text = procfs.read(pid, "oom_score_adj")
    return None if text is None else parse_oom_score_adj(text)


def _start_time(stat: str, boot: float | None) -> float | None:
    ticks = parse_start_ticks(stat)
    return None if ticks is None or boot is None else boot + ticks / _clock_ticks()


def _stat_comm(stat: str) -> str:
    """Field 2 of /proc/PID/stat, between the first ``(`` and the last ``)`` (proc(5))."""
    return stat.partition("(")[2].rpartition(")")[0]


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


def _init_processes(
    host: Host, procfs: ProcFiles, services: Iterable[Service]
) -> dict[str, list[ProcInfo]]:
    """Processes of services on a host without systemd: by pidfile, else by comm."""
    services = list(services)
    result: dict[str, list[ProcInfo]] = {}
    by_comm: dict[str, str] = {}
    for svc in services:
        if svc.init is not None and svc.init.pidfile:
            result[svc.name] = _by_pidfile(host, procfs, svc.init.pidfile, svc.init.comm)
        elif svc.init is not None and svc.init.comm:
            by_comm[svc.init.comm[:COMM_LEN]] = svc.name
            result[svc.name] = []
    for pid, comm in _pids_by_comm(host, procfs, by_comm.keys()):
        adj = _read_adj(procfs, pid)
        if adj is not None and not _exited(procfs, pid):
            result[by_comm[comm]].append(ProcInfo(pid, adj, comm=comm))
    return result


def _by_pidfile(host: Host, procfs: ProcFiles, pidfile: str, comm: str | None) -> list[ProcInfo]:
    """The process a pidfile names; none if it exited (a zombie not yet reaped included) or
    its PID now belongs to another program (PID reuse: when the profile gives
    ``init.comm`` too, it must match)."""
    pid = parse_pidfile(_safe_text(host, pidfile) or "")
    if pid is None:
        return []
    actual = (procfs.read(pid, "comm") or "").rstrip("\n")
    adj = _read_adj(procfs, pid)
    if adj is None or not actual or (comm is not None and actual != comm[:COMM_LEN]):
        return []
    if _exited(procfs, pid):
        return []
    return [ProcInfo(pid, adj, comm=actual)]


def _pids_by_comm(host: Host, procfs: ProcFiles, comms: Iterable[str]) -> list[tuple[int, str]]:
    """(PID, comm) of processes whose /proc/PID/comm is one of ``comms``: one read each."""
    wanted = set(comms)
    if not wanted:
        return []
    found = []
    for name in _safe_list(host, "proc"):
        if name.isdigit():
            comm = (procfs.read(int(name), "comm") or "").rstrip("\n")
            if comm in wanted:
                found.append((int(name), comm))
    return found


# --- read helpers: a permission problem is "unreadable", never a crash ------------------------


def _safe_text(host: Host, rel: str) -> str | None:
    try:
        return host.read_text(rel)
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
