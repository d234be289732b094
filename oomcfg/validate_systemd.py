"""validate on a host run by systemd: unit properties and the processes of each unit (pure).

Split from :mod:`oomcfg.validate` so that what only a systemd host needs --
drop-in parsing (:mod:`oomcfg.unitfile`), template/prefix/type expansion
(:mod:`oomcfg.instances`), systemd's display forms -- is imported only when
the host has systemd and units or processes are checked (``--only sysctl``
and hosts without systemd never load it).

Two layers, because each can differ from the one above it on a real host:
what systemd has *configured* (``systemctl show``) vs the profile, naming the
drop-in that wins or the pending daemon-reload; and what each process in the
unit's cgroup *carries* (``oom_score_adj``) -- systemd shows a negative
``OOMScoreAdjust=`` even when it could not apply it (no CAP_SYS_RESOURCE), so
only the process tells the truth.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from oomcfg.findings import Expansion, Finding
from oomcfg.instances import as_instance, instance_pattern, is_wide
from oomcfg.liveparse import RUNNING_STATES, DropIn, LiveState, ProcInfo, UnitProps
from oomcfg.model import DROPIN_NAME, Service
from oomcfg.unitfile import UnitEntry, UnitFileParse, effective, parse_unit_text
from oomcfg.validate_init import process_finding, refused_lowering
from oomcfg.validate_units import compare_unit_props

#: A drop-in listed in DropInPaths that the probe could not read (or has no entry for).
_NO_TEXT = DropIn(None)


def expansions(services: Sequence[Service], state: LiveState) -> tuple[Expansion, ...]:
    """The units each template/prefix/type service was checked on (probe expanded them)."""
    return tuple(
        Expansion(s.name, s.unit, s.scope, state.instances[s.name])
        for s in services
        if is_wide(s) and s.name in state.instances
    )


def systemd_service(svc: Service, state: LiveState, only: frozenset[str]) -> Iterator[Finding]:
    """A unit the profile names, or every unit a template/prefix/type drop-in reaches.

    ``scope: type`` reaches every service on the host; systemd lists the
    active and the failed ones. A failed one's configuration is compared, but
    it is not listed as not running (OV013): on a busy host that would bury
    the OOM posture under unrelated failures.
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
        if "systemd" not in state.unknown:  # else systemctl failed: OV040 "systemd" says so
            yield _not_described(svc)
        return
    if props.load_state not in ("loaded", ""):
        yield _not_loaded(svc, props)
        return
    parses = _dropin_parses(props, state)
    unreadable = [p for p in props.dropin_paths if (state.dropins.get(p) or _NO_TEXT).text is None]
    if "units" in only:
        for diff in compare_unit_props(svc, props, state.mem_total):
            yield _unit_drift(svc, props, (parses, unreadable), diff)
    if props.active_state not in RUNNING_STATES:
        if report_stopped:
            yield _not_running(svc, props)
        return
    if "processes" in only and svc.oom_score_adj is not None:
        yield from _process_findings(svc, props, state)


def _not_running(svc: Service, props: UnitProps) -> Finding:
    state_text = props.active_state or "unknown"
    return Finding(
        "OV013", "not-running", "unit", svc.unit, "active", f"{state_text} (MainPID 0)",
        f"the unit is {state_text}: its configuration was compared, no process to check",
        f"systemctl start {svc.unit} (if it should run)",
    )  # fmt: skip


def _not_described(svc: Service) -> Finding:
    return Finding(
        "OV040", "unknown", "unit", svc.unit, "-", "unreadable",
        "systemctl show answered but printed nothing for this unit",
        f"run 'systemctl show {svc.unit}' to see why",
    )  # fmt: skip


def _winner_cause(unit: str, prop: str, winner: UnitEntry, order: Sequence[str]) -> tuple[str, str]:
    """Why ``winner`` decides ``prop`` (systemd.unit(5): drop-ins apply in file-name
    order, the last one wins), and the fix -- which depends on where oomcfg's is."""
    where, name = f"{winner.path}:{winner.line}", _base(winner.path)
    restart = f"systemctl restart {unit}"
    if name == DROPIN_NAME:
        return f"oomcfg's drop-in {where} sets {winner.value}: it is out of date", (
            f"run 'oomcfg apply', then {restart}"
        )
    sets = f"{where} sets {prop}={winner.value}"
    ours = [p for p in order if _base(p) == DROPIN_NAME]
    if not ours and name < DROPIN_NAME:
        return f"{sets} and oomcfg's {DROPIN_NAME} is not installed", (
            f"run 'oomcfg apply' (its {DROPIN_NAME} sorts after {name}), then {restart}"
        )
    if ours and order.index(ours[-1]) > order.index(winner.path):
        return f"{sets}; oomcfg's {ours[-1]} does not set {prop}: it is out of date", (
            f"run 'oomcfg apply', then {restart}"
        )
    after = f"after oomcfg's {DROPIN_NAME}" if ours else f"after where oomcfg's {DROPIN_NAME} goes"
    return (
        f"{sets} and is applied {after} (systemd.unit(5): drop-ins apply in file-name "
        "order, the last one wins)",
        f"remove {prop}= from {winner.path} (or put the value in the profile)",
    )


def _base(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _last_assignment(parses: Sequence[UnitFileParse], section: str, key: str) -> UnitEntry | None:
    """The last ``KEY=`` line in systemd's order, an empty (resetting) one included."""
    last = None
    for parse in parses:
        for entry in parse.entries:
            if entry.section == section and entry.key == key:
                last = entry
    return last


def _unread_after(
    order: Sequence[str], unreadable: Sequence[str], winner: str | None
) -> str | None:
    """The last drop-in that could not be read and that systemd applies after ``winner``."""
    start = order.index(winner) + 1 if winner in order else 0
    later = [p for p in order[start:] if p in unreadable]
    return later[-1] if later else None


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
    dropins: tuple[Sequence[UnitFileParse], Sequence[str]],
    diff: tuple[str, str, str],
) -> Finding:
    """Explain one property systemd has another value for; ``dropins`` is what could be
    parsed, in systemd's order, and the paths that could not be read."""
    parses, unreadable = dropins
    prop, expected, actual = diff
    obj = f"{svc.unit} {prop}"
    if props.need_daemon_reload:
        return Finding(
            "OV011", "drift", "unit", obj, expected, actual,
            "unit files changed on disk but systemd has not reloaded them (NeedDaemonReload=yes)",
            f"systemctl daemon-reload && systemctl restart {svc.unit}",
        )  # fmt: skip
    section = svc.unit_type.capitalize()
    winner = effective(parses, section, prop)
    last = _last_assignment(parses, section, prop)  # the winner, or an empty "PROP=" after it
    hidden = _unread_after(props.dropin_paths, unreadable, last.path if last else None)
    if hidden is not None:
        return Finding(
            "OV010", "drift", "unit", obj, expected, actual,
            f"{hidden} could not be read; systemd applies it after "
            f"{'every drop-in that could' if winner is None else winner.path}, so it may set "
            f"{prop}",
            f"read {hidden} as root to see what it sets, and remove {prop}= from it",
            hidden,
        )  # fmt: skip
    if last is not None and not last.value:
        return Finding(
            "OV010", "drift", "unit", obj, expected, actual,
            f"{last.path}:{last.line} resets {prop} (an empty assignment) after oomcfg's "
            f"{DROPIN_NAME}, so systemd uses its default (systemd.syntax(7))",
            f"remove the empty {prop}= from {last.path}",
            last.path,
        )  # fmt: skip
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
    cause, fix = _winner_cause(svc.unit, prop, winner, props.dropin_paths)
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
    if refused_lowering(state, expected, proc):
        return process_finding(
            "OV021", svc.unit, expected, proc,
            cause=f"systemd is configured with OOMScoreAdjust={configured} but the service manager "
            "lacks CAP_SYS_RESOURCE, so the kernel refused to lower the value "
            "(proc(5) oom_score_adj; common in containers)",
            fix="grant CAP_SYS_RESOURCE to the manager (container runtime setting), or use a "
            "value >= 0 in the profile",
        )  # fmt: skip
    if "/user@" in props.control_group and expected < proc.oom_score_adj:
        return process_finding(
            "OV022", svc.unit, expected, proc,
            cause="a user manager cannot set a value below its own "
            "(systemd.exec(5) OOMScoreAdjust=)",
            fix="run the service under the system manager, or raise the profile's value",
        )  # fmt: skip
    if configured == expected and _started_before(proc, newest):
        return process_finding(
            "OV023", svc.unit, expected, proc,
            cause="the process started before the current drop-in was written; OOMScoreAdjust= "
            "is applied only when a process is started (systemd.exec(5))",
            fix=f"systemctl restart {svc.unit}",
        )  # fmt: skip
    reload = _reloaded_after(proc, newest, state.units_loaded_at)
    if configured == expected and reload is not None:
        written, reloaded = reload
        return process_finding(
            "OV023", svc.unit, expected, proc,
            cause="the process started before systemd loaded the current drop-in (the drop-in "
            f"was written at {_utc(written)}, systemd reloaded at {_utc(reloaded)}, the process "
            "started in between, with the configuration systemd had loaded before); "
            "OOMScoreAdjust= is applied only when a process is started (systemd.exec(5))",
            fix=f"systemctl restart {svc.unit}",
        )  # fmt: skip
    return process_finding(
        "OV020", svc.unit, expected, proc,
        cause="changed at run time by someone (choom, a write to /proc/PID/oom_score_adj, "
        "or the program itself after it was started)",
        fix=f"systemctl restart {svc.unit}, and find what changes it",
    )  # fmt: skip


def _newest_dropin(props: UnitProps, state: LiveState) -> float | None:
    times = [state.dropins[p].mtime for p in props.dropin_paths if p in state.dropins]
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _started_before(proc: ProcInfo, newest: float | None) -> bool:
    return proc.start is not None and newest is not None and proc.start < newest


def _reloaded_after(
    proc: ProcInfo, newest: float | None, loaded_at: float | None
) -> tuple[float, float] | None:
    """(drop-in written, units loaded) when the process started between the two.

    systemd reads drop-ins only when it loads unit files (daemon-reload); a unit
    already loaded and (re)started before that runs with the configuration
    loaded earlier. ``loaded_at`` is the manager's ``UnitsLoadTimestamp``,
    CLOCK_REALTIME (org.freedesktop.systemd1(5)), compared as wall-clock epoch
    seconds on purpose: the drop-in's mtime exists only on that clock, and so
    does ``ProcInfo.start`` (boot time from ``now - /proc/uptime`` plus
    /proc/PID/stat field 22, proc(5)). ``UnitsLoadTimestampMonotonic`` is not
    used: field 22 counts CLOCK_BOOTTIME, which runs on through a suspend
    while CLOCK_MONOTONIC stops, and the mtime has no monotonic counterpart
    at all; one clock for all three keeps the verdicts consistent (a
    wall-clock step between the events can misorder them, as it can the
    mtime comparison above). systemd keeps only its
    last load time: a process started after an earlier reload that already had
    the drop-in is explained this way too (the fix, a restart, is the same).
    """
    if proc.start is None or newest is None or loaded_at is None:
        return None
    return (newest, loaded_at) if newest <= proc.start < loaded_at else None


def _utc(seconds: float) -> str:
    """Epoch seconds as ``2026-11-26 09:29:01.873 UTC`` (milliseconds: a start and a
    reload are often within the same second)."""
    whole, millis = divmod(round(seconds * 1000), 1000)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(whole)) + f".{millis:03d} UTC"


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
