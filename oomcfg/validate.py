"""Compare a Profile with what a live host really does, and explain every difference.

Pure: takes a :class:`~oomcfg.model.Profile` and a
:class:`~oomcfg.liveparse.LiveState` (read by :mod:`oomcfg.probe`) and returns
:class:`Finding` values. Three layers are compared, because each can differ
from the one above it on a real host:

1. the kernel's sysctls vs the profile (and which sysctl.d file wins);
2. what systemd has *configured* (``systemctl show``) vs the profile (and which
   drop-in wins, or that a daemon-reload is pending);
3. what each process in the unit's cgroup *carries* (``oom_score_adj``) vs the
   profile -- systemd shows a negative ``OOMScoreAdjust=`` even when it could
   not apply it (no CAP_SYS_RESOURCE), so only the process tells the truth.

A service whose drop-in reaches many units (``scope: template``, ``prefix``
or ``type``) is checked on every loaded unit it reaches
(:mod:`oomcfg.instances`), each exactly like a unit the profile names; none
loaded is its own finding (OV015), not drift.

Every finding has a status: ``drift`` (exit 1), ``not-running`` (reported,
not drift) or ``unknown`` (could not be read: exit 4, never drift).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from oomcfg.findings import Expansion, Finding, Report
from oomcfg.instances import as_instance, instance_pattern, is_wide
from oomcfg.liveparse import LiveState, ProcInfo, UnitProps
from oomcfg.model import DROPIN_NAME, Profile, Service
from oomcfg.sysctld import SysctlEntry, normalize_key, parse_sysctl_text, winning_entries
from oomcfg.unitfile import UnitFileParse, effective, parse_unit_text
from oomcfg.validate_init import init_service_findings, refused_lowering
from oomcfg.validate_units import compare_unit_props

#: ActiveState values with processes to check (systemd.unit(5) / org.freedesktop.systemd1(5)).
_RUNNING = frozenset({"active", "reloading", "deactivating"})


def validate(profile: Profile, state: LiveState, only: frozenset[str]) -> Report:
    """Every finding for ``profile`` on the host ``state`` describes, in a stable order."""
    findings: list[Finding] = [_unknown(obj, why) for obj, why in sorted(state.unknown.items())]
    checked = 0
    if "sysctl" in only:
        checked += len(profile.sysctl)
        findings.extend(_sysctl_findings(profile, state))
    services = list(profile.services.values())
    expanded: tuple[Expansion, ...] = ()
    if state.systemd:
        expanded = _expansions(services, state)
        checked += len(services) + sum(max(len(e.units) - 1, 0) for e in expanded)
        findings.extend(f for s in services for f in _systemd_service(s, state, only))
    elif "processes" in only:
        checked += len(services)
        findings.extend(f for s in services for f in init_service_findings(s, state))
    return Report(tuple(findings), checked, expanded)


def _unknown(obj: str, why: str) -> Finding:
    return Finding(
        "OV040", "unknown", "host", obj, "-", "unreadable", why,
        "run as root on the host itself (or fix the reason above), then validate again",
    )  # fmt: skip


# --- sysctls --------------------------------------------------------------------------------


def _sysctl_findings(profile: Profile, state: LiveState) -> Iterator[Finding]:
    winners = _sysctl_winners(state.sysctl_files)
    for key, setting in sorted(profile.sysctl.items()):
        if key not in state.sysctls:
            continue
        actual = state.sysctls[key]
        expected = str(setting.value)
        if actual is None:
            if not setting.ignore_missing:
                yield Finding(
                    "OV003", "unknown", "sysctl", key, expected, "unreadable",
                    f"/proc/sys/{key.replace('.', '/')} does not exist or cannot be read",
                    "check the key exists on this kernel and run validate as root",
                )  # fmt: skip
            continue
        if actual.split() != expected.split():
            yield _sysctl_drift(key, expected, actual, winners.get(normalize_key(key)))


def _sysctl_winners(files: Sequence[tuple[str, str]]) -> dict[str, SysctlEntry]:
    return winning_entries(parse_sysctl_text(text, path)[0] for path, text in files)


def _sysctl_drift(key: str, expected: str, actual: str, winner: SysctlEntry | None) -> Finding:
    if winner is None:
        return Finding(
            "OV002", "drift", "sysctl", key, expected, actual,
            "no sysctl.d file sets it: it was changed at run time (sysctl -w or a write to "
            "/proc/sys) or oomcfg's file was never installed",
            "run 'oomcfg apply' (installs the file and sets the value)",
        )  # fmt: skip
    where = f"{winner.path}:{winner.line}"
    if winner.value.split() == expected.split():
        return Finding(
            "OV002", "drift", "sysctl", key, expected, actual,
            f"{where} sets {expected} but the kernel has {actual}: changed at run time "
            "after the files were applied",
            "run 'oomcfg apply', or 'systemctl restart systemd-sysctl'",
            file=winner.path,
        )  # fmt: skip
    ours = winner.path.endswith("/90-oomcfg.conf")
    cause = (
        f"oomcfg's own file {where} sets {winner.value}: it is out of date"
        if ours
        else f"{where} sets {key} = {winner.value} and is applied after oomcfg's file "
        "(sysctl.d(5): files sort by name, the last one wins)"
    )
    fix = (
        "run 'oomcfg apply'"
        if ours
        else f"remove the setting from {winner.path} or put that value in the profile"
    )
    return Finding("OV001", "drift", "sysctl", key, expected, actual, cause, fix, winner.path)


# --- systemd units --------------------------------------------------------------------------


def _expansions(services: Sequence[Service], state: LiveState) -> tuple[Expansion, ...]:
    return tuple(
        Expansion(s.name, s.unit, s.scope, state.instances[s.name])
        for s in services
        if is_wide(s) and s.name in state.instances
    )


def _systemd_service(svc: Service, state: LiveState, only: frozenset[str]) -> Iterator[Finding]:
    """A unit the profile names, or every unit a template/prefix/type drop-in reaches.

    ``scope: type`` reaches every service on the host, many of them stopped on
    purpose: their configuration is compared, but a stopped one is not listed
    as not running (OV013), to keep the report about the OOM posture.
    """
    if not is_wide(svc):
        yield from _systemd_unit(svc, state, only)
        return
    names = state.instances.get(svc.name)
    if names is None:
        return  # not expanded: systemd could not be asked (OV040 says why)
    if not names:
        yield _no_instance(svc)
    for name in names:
        yield from _systemd_unit(
            as_instance(svc, name), state, only, report_stopped=svc.scope != "type"
        )


def _no_instance(svc: Service) -> Finding:
    pattern = str(instance_pattern(svc))
    example = pattern.replace("*", "NAME")
    return Finding(
        "OV015", "not-running", "unit", svc.unit, f"a unit matching {pattern}", "none loaded",
        f"systemd has no active or failed unit matching {pattern}: the {svc.scope} drop-in "
        "has no unit to check (it applies to matching units when they start)",
        f"systemctl start {example} (if one should run)",
    )  # fmt: skip


def _systemd_unit(
    svc: Service, state: LiveState, only: frozenset[str], *, report_stopped: bool = True
) -> Iterator[Finding]:
    props = state.units.get(svc.unit)
    if props is None:
        return
    if props.load_state not in ("loaded", ""):
        yield _not_loaded(svc, props)
        return
    parses = _dropin_parses(props, state)
    if "units" in only:
        for diff in compare_unit_props(svc, props, state.mem_total):
            yield _unit_drift(svc, props, parses, diff)
    if props.active_state not in _RUNNING:
        if not report_stopped:
            return
        state_text = props.active_state or "unknown"
        yield Finding(
            "OV013", "not-running", "unit", svc.unit, "active", f"{state_text} (MainPID 0)",
            f"the unit is {state_text}: its configuration was compared, no process to check",
            f"systemctl start {svc.unit} (if it should run)",
        )  # fmt: skip
        return
    if "processes" in only and svc.oom_score_adj is not None:
        yield from _process_findings(svc, props, state)


def _not_loaded(svc: Service, props: UnitProps) -> Finding:
    return Finding(
        "OV014", "not-running", "unit", svc.unit, "loaded", props.load_state,
        f"systemd reports LoadState={props.load_state}: the unit is not installed here",
        "install the service, or remove it from the profile for this host",
    )  # fmt: skip


def _dropin_parses(props: UnitProps, state: LiveState) -> list[UnitFileParse]:
    parses = []
    for path in props.dropin_paths:
        dropin = state.dropins.get(path)
        if dropin is not None and dropin.text is not None:
            parses.append(parse_unit_text(dropin.text, path))
    return parses


def _unit_drift(
    svc: Service,
    props: UnitProps,
    parses: Sequence[UnitFileParse],
    diff: tuple[str, str, str],
) -> Finding:
    prop, expected, actual = diff
    obj = f"{svc.unit} {prop}"
    if props.need_daemon_reload:
        return Finding(
            "OV011", "drift", "unit", obj, expected, actual,
            "unit files changed on disk but systemd has not reloaded them (NeedDaemonReload=yes)",
            f"systemctl daemon-reload && systemctl restart {svc.unit}",
        )  # fmt: skip
    winner = effective(parses, svc.unit_type.capitalize(), prop)
    if winner is None:
        fragment = props.get("FragmentPath")
        where = f" (the unit file {fragment} may set it)" if fragment else ""
        ours = any(p.rsplit("/", 1)[-1] == DROPIN_NAME for p in props.dropin_paths)
        state = "does not set it: it is out of date" if ours else "is not installed"
        return Finding(
            "OV012", "drift", "unit", obj, expected, actual,
            f"no drop-in sets {prop}{where}; oomcfg's {DROPIN_NAME} {state}",
            f"run 'oomcfg apply', then systemctl restart {svc.unit}",
            file=fragment or None,
        )  # fmt: skip
    where = f"{winner.path}:{winner.line}"
    if winner.path.rsplit("/", 1)[-1] == DROPIN_NAME:
        cause, fix = (
            f"oomcfg's drop-in {where} sets {winner.value}: it is out of date",
            (f"run 'oomcfg apply', then systemctl restart {svc.unit}"),
        )
    else:
        cause = (
            f"{where} sets {prop}={winner.value} and is applied after oomcfg's {DROPIN_NAME} "
            "(systemd.unit(5): drop-ins apply in file-name order, the last one wins)"
        )
        fix = f"remove {prop}= from {winner.path} (or put the value in the profile)"
    return Finding("OV010", "drift", "unit", obj, expected, actual, cause, fix, winner.path)


# --- processes --------------------------------------------------------------------------------


def _process_findings(svc: Service, props: UnitProps, state: LiveState) -> Iterator[Finding]:
    expected = svc.oom_score_adj
    assert expected is not None
    configured = _int_or_none(props.get("OOMScoreAdjust"))
    newest = _newest_dropin(props, state)
    for proc in state.processes.get(svc.unit, ()):
        if proc.oom_score_adj == expected:
            continue
        if configured != expected and proc.oom_score_adj == configured:
            continue  # the unit finding above already explains it
        yield _explain_process(svc, props, state, proc, configured=configured, newest=newest)


def _explain_process(
    svc: Service,
    props: UnitProps,
    state: LiveState,
    proc: ProcInfo,
    *,
    configured: int | None,
    newest: float | None,
) -> Finding:
    expected = svc.oom_score_adj
    assert expected is not None
    obj = f"{svc.unit} pid {proc.pid}" + (f" ({proc.comm})" if proc.comm else "")
    exp, act = str(expected), str(proc.oom_score_adj)
    if refused_lowering(state, expected, proc):
        return Finding(
            "OV021", "drift", "process", obj, exp, act,
            f"systemd is configured with OOMScoreAdjust={configured} but the service manager "
            "lacks CAP_SYS_RESOURCE, so the kernel refused to lower the value "
            "(proc(5) oom_score_adj; common in containers)",
            "grant CAP_SYS_RESOURCE to the manager (container runtime setting), or use a "
            "value >= 0 in the profile",
            pid=proc.pid,
        )  # fmt: skip
    if "/user@" in props.control_group and expected < proc.oom_score_adj:
        return Finding(
            "OV022", "drift", "process", obj, exp, act,
            "a user manager cannot set a value below its own (systemd.exec(5) OOMScoreAdjust=)",
            "run the service under the system manager, or raise the profile's value",
            pid=proc.pid,
        )  # fmt: skip
    if configured == expected and _started_before(proc, newest):
        return Finding(
            "OV023", "drift", "process", obj, exp, act,
            "the process started before the current drop-in was written; OOMScoreAdjust= "
            "is applied only when a process is started (systemd.exec(5))",
            f"systemctl restart {svc.unit}",
            pid=proc.pid,
        )  # fmt: skip
    return Finding(
        "OV020", "drift", "process", obj, exp, act,
        "changed at run time by someone (choom, a write to /proc/PID/oom_score_adj, "
        "or the program itself after it was started)",
        f"systemctl restart {svc.unit}, and find what changes it",
        pid=proc.pid,
    )  # fmt: skip


def _newest_dropin(props: UnitProps, state: LiveState) -> float | None:
    times = [state.dropins[p].mtime for p in props.dropin_paths if p in state.dropins]
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _started_before(proc: ProcInfo, newest: float | None) -> bool:
    return proc.start is not None and newest is not None and proc.start < newest


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
