"""Making written files take effect on a live host (root ``/`` only).

Three steps, each reporting per item what happened and why it failed:

* ``systemctl daemon-reload`` once, only when a unit file or drop-in changed
  and systemd is PID 1 (sd_booted(3)); systemctl(1).
* sysctls: only the keys of oomcfg's own sysctl.d file, written directly to
  /proc/sys after comparing (never ``sysctl --system``, which re-applies every
  other file too); sysctl.d(5).
* live adjustment: ``OOMScoreAdjust=`` is applied by systemd only when it
  exec()s a process (systemd.exec(5)), so for every running unit oomcfg writes
  the value to each process of the unit's cgroup. A template, prefix or type
  drop-in reaches every loaded unit matching it: those are found with the same
  expansion ``validate`` uses (:mod:`oomcfg.instances`). Raising always works;
  lowering below the floor set by a CAP_SYS_RESOURCE process needs
  CAP_SYS_RESOURCE (Documentation/filesystems/proc.rst, oom_score_adj).
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from oomcfg.host import CommandFailed, Host, KernelWriteError

if TYPE_CHECKING:  # the parsers are imported where used: an apply to --root needs none
    from oomcfg.liveparse import UnitProps
    from oomcfg.model import Service
    from oomcfg.sysctld import SysctlEntry

    #: Splits one ``systemctl show`` output of a batch of names (or globs) into units.
    ShowParser = Callable[[str, Sequence[str]], Mapping[str, UnitProps]]

#: What live adjustment asks systemd for, per unit, in one batched call
#: (LoadState: a glob's not-found or masked match gets no drop-in;
#: OOMScoreAdjust and NeedDaemonReload: whether another drop-in overrides ours).
SHOW_PROPS = (
    "Id",
    "LoadState",
    "ActiveState",
    "MainPID",
    "ControlGroup",
    "OOMScoreAdjust",
    "NeedDaemonReload",
)
#: Unit types whose processes carry OOMScoreAdjust= (systemd.exec(5)).
EXEC_TYPES = frozenset({"service", "socket", "mount", "swap"})
#: Units per ``systemctl show`` call: bounded argv, few process starts.
SHOW_BATCH = 256
_RUNNING = frozenset({"active", "activating", "reloading"})


class EffectReport:
    """Lines for the user: what was done, what failed (exit 6), what to know.

    A plain slotted class, not a dataclass: every ``apply`` and ``rollback``
    defines it at start-up, and a dataclass costs ~0.6 ms more (P6).
    """

    __slots__ = ("done", "failures", "notes")

    def __init__(self) -> None:
        self.done: list[str] = []
        self.failures: list[str] = []
        self.notes: list[str] = []


class Kept(NamedTuple):
    """A process that kept its old oom_score_adj, and the refusal's errno."""

    pid: int
    comm: str
    current: int
    errno: int


class PidOutcome(NamedTuple):
    """Result of setting one value on a list of PIDs; vanished PIDs are in neither list."""

    changed: tuple[int, ...]
    kept: tuple[Kept, ...]


# ------------------------------------------------------------------ daemon-reload
def daemon_reload(host: Host, systemctl: Sequence[str], report: EffectReport) -> None:
    """Run ``systemctl daemon-reload`` if systemd runs; record a failure otherwise."""
    if not host.systemd_running():
        report.notes.append("systemd is not running (no /run/systemd/system): no daemon-reload")
        return
    try:
        host.run([*systemctl, "daemon-reload"], check=True)
    except CommandFailed as err:
        report.failures.append(f"daemon-reload failed, systemd still uses the old units: {err}")
        return
    report.done.append("systemctl daemon-reload")


# ------------------------------------------------------------------ sysctl
def apply_sysctls(host: Host, text: str, path: str, report: EffectReport) -> None:
    """Write each key of oomcfg's sysctl.d file whose live value differs."""
    from oomcfg.sysctld import parse_sysctl_text  # noqa: PLC0415

    entries, _problems = parse_sysctl_text(text, path)
    for entry in entries:
        if not entry.is_glob:  # oomcfg never renders globs; a hand-made one is not ours
            _apply_sysctl(host, entry, report)


def _apply_sysctl(host: Host, entry: SysctlEntry, report: EffectReport) -> None:
    from oomcfg.sysctld import same_value, spaced  # noqa: PLC0415 - apply_sysctls loaded it

    try:
        current = host.sysctl_read(entry.key)
    except OSError as err:
        _sysctl_problem(report, entry, f"cannot read it: {err.strerror}")
        return
    if current is None:
        _sysctl_problem(report, entry, "this kernel has no such key")
        return
    if same_value(current, entry.value):  # tabs for spaces; a shorter integer list is in place
        return
    try:
        host.sysctl_write(entry.key, entry.value)
    except KernelWriteError as err:
        _sysctl_problem(report, entry, _sysctl_reason(err), current)
        return
    report.done.append(f"sysctl {entry.key}: {spaced(current)} -> {entry.value}")


def _sysctl_reason(err: KernelWriteError) -> str:
    if err.errno == errno.EROFS:
        return "/proc/sys is read-only here (a container?); set it on the host instead"
    if err.errno == errno.EINVAL:
        return "the kernel rejected the value (out of range for this kernel)"
    return err.strerror


def _sysctl_problem(
    report: EffectReport, entry: SysctlEntry, why: str, current: str | None = None
) -> None:
    now = "" if current is None else f" (it stays {current})"
    line = f"sysctl {entry.key} = {entry.value} not applied{now}: {why}"
    if entry.ignore_failure:
        report.notes.append(line + " (ignored: the key is marked ignore_missing)")
    else:
        report.failures.append(line)


# ------------------------------------------------------------------ live adjustment
def show_argv(systemctl: Sequence[str], units: Sequence[str]) -> list[str]:
    """The one ``systemctl show`` command live adjustment runs per batch."""
    return [*systemctl, "show", "-p", ",".join(SHOW_PROPS), "--", *units]


def show_units(
    host: Host, systemctl: Sequence[str], units: Sequence[str], parse: ShowParser | None = None
) -> dict[str, UnitProps]:
    """``systemctl show`` for many units (or globs, with ``parse``) in few calls.

    Raises CommandFailed. Units are matched to blocks by ``parse``: by default
    :func:`~oomcfg.liveparse.parse_show` (one block per name asked for).
    """
    from oomcfg.liveparse import parse_show  # noqa: PLC0415

    props: dict[str, UnitProps] = {}
    for start in range(0, len(units), SHOW_BATCH):
        batch = units[start : start + SHOW_BATCH]
        done = host.run(show_argv(systemctl, batch), check=True)
        props.update((parse or parse_show)(done.stdout, batch))
    return props


def adjustable(services: Sequence[Service]) -> list[Service]:
    """The services whose running processes live adjustment sets (a score, an exec unit)."""
    return [s for s in services if s.oom_score_adj is not None and s.unit_type in EXEC_TYPES]


def restart_hint(services: Sequence[Service], shown: int = 20) -> str:
    """What to restart for what ``--no-live`` leaves alone (globs for template/prefix drop-ins).

    systemctl(1) expands a quoted glob against the loaded units, which is
    exactly the set a template or prefix drop-in reaches. A type-wide drop-in
    reaches every unit of its type: ``systemctl restart '*.service'`` would
    take sshd and dbus down with the rest, so that one is named, not globbed.
    """
    import shlex  # noqa: PLC0415 - only apply --no-live prints this hint (start-up)

    from oomcfg.instances import instance_pattern  # noqa: PLC0415

    wanted = adjustable(services)
    names = [shlex.quote(instance_pattern(s) or s.unit) for s in wanted if s.scope != "type"]
    parts = [_restart_line(names, shown)] if names else []
    parts += [
        f"the type-wide {s.unit} drop-in reaches every running {instance_pattern(s)}: "
        "restart those that matter one at a time"
        for s in wanted
        if s.scope == "type"
    ]
    return "; ".join(parts)


def _restart_line(names: Sequence[str], shown: int) -> str:
    more = len(names) - shown
    line = "systemctl restart " + " ".join(names[:shown])
    return line if more <= 0 else f"{line} ... and {more} more units of the profile"


def adjust_pids(
    host: Host, pids: Sequence[int], adj: int, control_group: str | None = None
) -> PidOutcome:
    """Set oom_score_adj on every PID that differs; PIDs that vanish are skipped.

    With ``control_group``, a PID is written only while /proc/PID/cgroup still
    puts it in that group: a PID that exited and was reused by an unrelated
    process between listing and writing is left alone.
    """
    from oomcfg.liveparse import parse_oom_score_adj  # noqa: PLC0415

    changed: list[int] = []
    kept: list[Kept] = []
    for pid in pids:
        if control_group is not None and not _in_group(host, pid, control_group):
            continue
        current = parse_oom_score_adj(host.proc_read(pid, "oom_score_adj") or "")
        if current is None or current == adj:
            continue  # gone (proc(5): /proc/PID vanished) or already right
        try:
            host.proc_write(pid, "oom_score_adj", str(adj))
        except KernelWriteError as err:
            if not err.vanished:
                comm = (host.proc_read(pid, "comm") or "?").strip()
                kept.append(Kept(pid, comm, current, err.errno))
            continue
        changed.append(pid)
    return PidOutcome(tuple(changed), tuple(kept))


def live_adjust(
    host: Host, services: Sequence[Service], systemctl: Sequence[str], report: EffectReport
) -> None:
    """Set each running unit's processes to its service's oom_score_adj.

    ``services`` is the whole profile: a template/prefix/type service reaches
    every loaded unit matching it unless a more specific service of the
    profile owns that unit's drop-in (:func:`oomcfg.instances.assign_instances`).
    """
    from oomcfg.instances import expected_adj  # noqa: PLC0415 - live hosts only

    wanted = adjustable(services)
    if not wanted:
        return
    if not host.systemd_running():
        report.notes.append("systemd is not running: no units to adjust live")
        return
    try:
        props, instances = _running_units(host, systemctl, services, wanted)
    except CommandFailed as err:
        report.failures.append(f"live adjustment: cannot ask systemd which units run: {err}")
        return
    capable = host.has_cap_sys_resource()
    for unit, adj in expected_adj(wanted, instances):
        unit_props = props.get(unit)
        if unit_props is None or unit_props.active_state not in _RUNNING:
            continue
        configured = _systemd_adj(unit_props)
        if configured is not None and configured != adj:
            report.failures.append(_overridden_message(unit, adj, configured))
            continue
        pids, group = _unit_pids(host, unit_props)
        outcome = adjust_pids(host, pids, adj, group)
        _report_unit(report, unit, adj, outcome, capable)


def _systemd_adj(props: UnitProps) -> int | None:
    """The OOMScoreAdjust= systemd will apply at the next start; None when unknown.

    Unknown: not shown, or the unit still waits for a daemon-reload
    (``--no-reload``), so systemd's value is the old one and proves nothing.
    """
    text = props.get("OOMScoreAdjust")
    if props.need_daemon_reload or not text.lstrip("-").isdigit():
        return None
    return int(text)


def _overridden_message(unit: str, adj: int, configured: int) -> str:
    # systemd.unit(5): drop-ins apply in file-name order, so a later one wins.
    # Writing the profile's value now would last only until the next restart.
    return (
        f"{unit}: systemd applies OOMScoreAdjust={configured}, not the profile's {adj}: a "
        f"drop-in that sorts after 50-oomcfg.conf overrides it ('systemctl cat {unit}' shows "
        "which); running processes left alone"
    )


def _running_units(
    host: Host, systemctl: Sequence[str], services: Sequence[Service], wanted: Sequence[Service]
) -> tuple[dict[str, UnitProps], dict[str, tuple[str, ...]]]:
    """Properties of the named units and of every instance a wide drop-in reaches.

    One batched ``show`` for the units the profile names, one more with the
    globs of :func:`oomcfg.instances.wide_patterns` when there are wide
    services; all of the profile's ``services`` decide which drop-in owns a unit.
    """
    from oomcfg.instances import assign_instances, is_wide, wide_patterns  # noqa: PLC0415
    from oomcfg.liveparse import parse_show_matches  # noqa: PLC0415

    props = show_units(host, systemctl, [s.unit for s in wanted if not is_wide(s)])
    patterns = wide_patterns(wanted)
    if not patterns:
        return props, {}
    matches = show_units(host, systemctl, patterns, lambda text, _batch: parse_show_matches(text))
    return {**matches, **props}, assign_instances(services, matches)


def _unit_pids(host: Host, props: UnitProps) -> tuple[list[int], str | None]:
    """The unit's PIDs, and the group they were listed from (None: MainPID only)."""
    pids = host.cgroup_procs(props.control_group) if props.control_group else []
    if pids:
        return pids, props.control_group
    return ([props.main_pid] if props.main_pid else []), None


def _in_group(host: Host, pid: int, control_group: str) -> bool:
    # A write needs proof: a PID that is gone, or whose /proc/PID/cgroup has
    # no v2 line to compare, is not written (validate, only reading, keeps it).
    from oomcfg.liveparse import in_control_group, parse_cgroup_v2  # noqa: PLC0415

    path = parse_cgroup_v2(host.proc_read(pid, "cgroup") or "")
    return path is not None and in_control_group(path, control_group)


def _report_unit(
    report: EffectReport, unit: str, adj: int, outcome: PidOutcome, capable: bool
) -> None:
    if outcome.changed:
        pids = ", ".join(map(str, outcome.changed))
        report.done.append(f"{unit}: oom_score_adj {adj} set on running PID(s) {pids}")
    if outcome.kept:
        report.failures.append(_kept_message(unit, adj, outcome.kept, capable))


def _kept_message(unit: str, adj: int, kept: Sequence[Kept], capable: bool) -> str:
    who = "; ".join(f"PID {k.pid} ({k.comm}) keeps {k.current}" for k in kept)
    if all(k.errno == errno.EACCES for k in kept) and not capable:
        return (
            f"{unit}: cannot lower oom_score_adj to {adj}: {who}. Lowering it needs "
            "CAP_SYS_RESOURCE, which this oomcfg process lacks (CapEff in /proc/self/status). "
            f"Fix: restart the unit ('systemctl restart {unit}') so a service manager that "
            "has CAP_SYS_RESOURCE applies OOMScoreAdjust= when it starts the process; in a "
            "container without it the value cannot be lowered at all"
        )
    reasons = sorted({errno.errorcode.get(k.errno, str(k.errno)) for k in kept})
    return f"{unit}: cannot set oom_score_adj {adj}: {who} ({', '.join(reasons)})"
