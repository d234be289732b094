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
services on hosts without systemd. The manager itself is asked (one more
``systemctl show``) only when some process differs, to explain it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence

from oomcfg.errors import EnvironmentProblem
from oomcfg.host import Host
from oomcfg.initmatch import init_processes
from oomcfg.liveparse import (
    MANAGER_PROPERTIES,
    RUNNING_STATES,
    SHOW_PROPERTIES,
    DropIn,
    LiveState,
    ProcInfo,
    UnitProps,
    has_cap_sys_resource,
    parse_mem_total,
    parse_oom_score_adj,
    parse_show,
    parse_show_matches,
    parse_units_load_time,
)
from oomcfg.model import Profile, Service
from oomcfg.procread import (
    ProcFiles,
    boot_time,
    proc_infos,
    safe_list,
    safe_text,
)
from oomcfg.sysctld import sysctl_config_files

#: Units are shown in batches so a 10k-service profile stays under ARG_MAX.
SHOW_BATCH = 1000


def show_argv(units: Sequence[str]) -> list[str]:
    """The one ``systemctl show`` command for ``units`` (systemctl(1), ``show -p``)."""
    return ["systemctl", "show", "--no-pager", "-p", ",".join(SHOW_PROPERTIES), "--", *units]


def manager_show_argv() -> list[str]:
    """``systemctl show`` of the manager itself (no unit named: systemctl(1)).

    ``--timestamp=us+utc`` (systemctl(1), systemd >= 247) prints timestamps with
    microseconds and in UTC; the default has whole seconds and a local zone
    name, and ``unix`` (systemd >= 251) whole seconds: too coarse to order a
    start and a reload made in the same second. A systemctl without the
    option exits non-zero, and nothing is known (:func:`_units_loaded_at`).
    """
    return [
        "systemctl", "show", "--no-pager", "--timestamp=us+utc",
        "-p", ",".join(MANAGER_PROPERTIES),
    ]  # fmt: skip


def probe(host: Host, profile: Profile, only: frozenset[str]) -> LiveState:
    """Everything validate needs about ``host`` for ``profile``; never raises for a host fact."""
    unknown: dict[str, str] = {}
    procfs = ProcFiles(host)
    status = procfs.read(1, "status")
    base = LiveState(
        systemd=host.systemd_running(),
        # PID 1 is the manager that applies OOMScoreAdjust= (or runs the init scripts).
        manager_cap_sys_resource=None if status is None else has_cap_sys_resource(status),
        manager_oom_score_adj=parse_oom_score_adj(procfs.read(1, "oom_score_adj") or ""),
        unknown=unknown,
    )
    unknown.update(_unreachable_layers(host, profile, only, base.systemd, status is not None))
    if "processes" in unknown:
        only = only - {"processes"}
    if "sysctl" in only and profile.sysctl:
        base = _probe_sysctls(host, profile, base, proc_usable=status is not None)
    if not base.systemd:
        if "processes" not in only:
            return base
        return base._replace(processes=init_processes(host, procfs, profile.services.values()))
    if not host.is_live or not (only & {"units", "processes"}):
        return base  # nothing asked of systemd, or it cannot be asked (unknown says why)
    return _probe_systemd(host, procfs, profile, only, base)


def _unreachable_layers(
    host: Host, profile: Profile, only: frozenset[str], systemd: bool, proc_usable: bool
) -> dict[str, str]:
    """Layers asked for that this host cannot answer: "cannot check", never a silent OK."""
    found: dict[str, str] = {}
    if not profile.services:
        return found
    if not systemd and "units" in only and "processes" not in only:
        found["systemd"] = (
            f"no systemd on this host ({host.path('run/systemd/system')} is absent, "
            "sd_booted(3)): there are no units to ask about; check the services with "
            "--only processes (init.pidfile, init.comm or init.cmdline)"
        )
    if systemd and not host.is_live and only & {"units", "processes"}:
        found["systemd"] = (
            f"units can only be checked on the running host (--root {host.root} has systemd "
            "files, but systemctl would talk to this machine's manager)"
        )
    if "processes" in only and not proc_usable:
        # PID 1 exists in every PID namespace: without it this is no usable /proc.
        found["processes"] = (
            f"{host.path('proc')}/1/status cannot be read: not a mounted proc filesystem, or "
            "one that hides other users' processes (hidepid=): no process can be checked"
        )
    return found


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
    processes = (
        _unit_processes(host, procfs, units.values(), expected, unknown)
        if "processes" in only
        else {}
    )
    return base._replace(
        units=units,
        instances=instances,
        dropins=_read_dropins(host, units.values()),
        processes=processes,
        mem_total=parse_mem_total(host.read_text("proc/meminfo") or ""),
        unknown=unknown,
        units_loaded_at=_units_loaded_at(host) if _any_differs(processes, expected) else None,
    )


def _any_differs(processes: Mapping[str, Sequence[ProcInfo]], expected: Mapping[str, int]) -> bool:
    """Whether some process carries another value than its service's (only then can
    the manager's load time explain anything: a clean host pays no extra command)."""
    return any(p.oom_score_adj != expected[unit] for unit, ps in processes.items() for p in ps)


def _units_loaded_at(host: Host) -> float | None:
    """When systemd last loaded unit files (``UnitsLoadTimestamp``); None when unknown.

    One ``systemctl show`` for the whole host, never one per unit (P7). It only
    refines an explanation (OV023 rather than OV020), so a failure is not
    "cannot check": validate then explains as if systemd had not said.
    """
    try:
        proc = host.run(manager_show_argv(), timeout=60)
    except EnvironmentProblem:
        return None
    return parse_units_load_time(proc.stdout) if proc.returncode == 0 else None


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


def _probe_sysctls(
    host: Host, profile: Profile, base: LiveState, *, proc_usable: bool
) -> LiveState:
    """The profile's sysctls from /proc/sys, and the sysctl.d files that set them."""
    files, unreadable = _sysctl_files(host)
    values, errors = _read_sysctls(host, profile.sysctl)
    if not proc_usable:  # an absent key here says nothing about the kernel
        proc = host.path("proc")
        why = f"{proc} is not a mounted proc filesystem ({proc}/1/status cannot be read either)"
        errors.update({k: why for k, v in values.items() if v is None and k not in errors})
    return base._replace(
        sysctls=values,
        sysctl_errors=errors,
        sysctl_files=files,
        sysctl_unreadable=tuple(unreadable),
    )


def _read_sysctls(host: Host, keys: Iterable[str]) -> tuple[dict[str, str | None], dict[str, str]]:
    """Each key's value from /proc/sys (None: missing or unreadable), and why unreadable."""
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for key in keys:
        try:
            values[key] = host.sysctl_read(key)
        except (OSError, EnvironmentProblem) as err:
            values[key] = None
            errors[key] = _reason(err)
    return values, errors


def _sysctl_files(host: Host) -> tuple[list[tuple[str, str]], list[str]]:
    """(path, text) of every sysctl.d file in the order systemd-sysctl applies them, then
    /etc/sysctl.conf (procps reads it last; :mod:`oomcfg.validate_sysctl` decides its role);
    and the files that exist but could not be read."""

    def lister(directory: os.PathLike[str]) -> list[str] | None:
        return [n for n in safe_list(host, str(directory)) if n.endswith(".conf")] or None

    files, unreadable = [], []
    for path in sysctl_config_files("/", include_sysctl_conf=True, lister=lister):
        try:
            text = host.read_text(str(path))
        except (OSError, EnvironmentProblem):
            unreadable.append(str(path))
            continue
        if text is not None:  # None: a dangling symlink, nothing to apply
            files.append((str(path), text))
    return files, unreadable


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
    return {p: DropIn(safe_text(host, p), _mtime(host, p)) for p in sorted(paths)}


def _unit_processes(
    host: Host,
    procfs: ProcFiles,
    units: Iterable[UnitProps],
    expected: Mapping[str, int],
    unknown: dict[str, str],
) -> dict[str, list[ProcInfo]]:
    """Every PID in each running unit's cgroup whose service sets oom_score_adj.

    Without a cgroup v2 hierarchy (or with a group that cannot be listed) the
    processes cannot be found: ``unknown`` says so, never a silent "all good".
    """
    wanted = [
        u for u in units
        if u.unit in expected and u.active_state in RUNNING_STATES and u.control_group
    ]  # fmt: skip
    if wanted and not host.has_cgroup2():
        unknown["processes"] = (
            f"no cgroup v2 hierarchy under {host.sys}/fs/cgroup (or its unified/): the "
            "units' processes cannot be listed"
        )
        return {}
    boot = boot_time(host)
    result: dict[str, list[ProcInfo]] = {}
    for unit in wanted:
        try:
            pids = host.cgroup_procs(unit.control_group)
        except (OSError, EnvironmentProblem) as err:
            unknown[f"{unit.unit} processes"] = f"cannot list {unit.control_group}: {_reason(err)}"
            continue
        result[unit.unit] = proc_infos(procfs, pids, expected[unit.unit], boot, unit.control_group)
    return result


# --- processes --------------------------------------------------------------------------------


# --- read helpers ---------------------------------------------------------------------------


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
