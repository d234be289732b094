"""validate on hosts without systemd, and the capability rule both kinds of host share.

Without systemd a service is found by ``init.pidfile``, ``init.comm`` or ``init.cmdline``
(:class:`~oomcfg.model.InitSpec`); its processes carry whatever the init
snippet (or ``choom``) set when it started. Pure, like :mod:`oomcfg.validate`.
"""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.findings import Finding
from oomcfg.liveparse import LiveState, ProcInfo
from oomcfg.model import Service


def refused_lowering(state: LiveState, expected: int, proc: ProcInfo) -> bool:
    """The kernel refused to lower the value: no CAP_SYS_RESOURCE, and the process kept
    what it inherited from the manager (proc(5): lowering below the inherited value
    needs CAP_SYS_RESOURCE; the manager's own value, usually 0, is what stays)."""
    inherited = 0 if state.manager_oom_score_adj is None else state.manager_oom_score_adj
    return (
        state.manager_cap_sys_resource is False
        and expected < inherited
        and proc.oom_score_adj == inherited
    )


def init_service_findings(svc: Service, state: LiveState) -> Iterator[Finding]:
    """Findings for one service on a host without systemd (found by pidfile or comm)."""
    init = svc.init
    if init is None or not (init.pidfile or init.comm or init.cmdline):
        yield Finding(
            "OV031", "unknown", "service", svc.name, "-", "-",
            "no systemd here and the profile gives none of init.pidfile, init.comm, init.cmdline",
            f"add init.pidfile, init.comm or init.cmdline to services.{svc.name} in the profile",
        )  # fmt: skip
        return
    procs = state.processes.get(svc.name, ())
    how = _how_found(svc)
    if not procs:
        yield Finding(
            "OV030", "not-running", "service", svc.name, "running", "not running",
            f"no live process found by {how}", f"start {svc.name} (if it should run)",
        )  # fmt: skip
        return
    if svc.oom_score_adj is None:
        return
    for proc in procs:
        if proc.oom_score_adj != svc.oom_score_adj:
            yield _explain_init_process(svc, state, proc)


def _how_found(svc: Service) -> str:
    """How the profile says to find the service, for "no live process found by ..."."""
    init = svc.init
    assert init is not None
    ways = [f"pidfile {init.pidfile}"] if init.pidfile else []
    ways += [f"comm {init.comm!r}"] if init.comm else []
    ways += [f"command line matching {init.cmdline!r}"] if init.cmdline else []
    return " and ".join(ways)


def process_finding(
    code: str, label: str, expected: int, proc: ProcInfo, *, cause: str, fix: str
) -> Finding:
    """A process drift finding: ``LABEL pid N (comm)``, the profile's and the process' values."""
    obj = f"{label} pid {proc.pid}" + (f" ({proc.comm})" if proc.comm else "")
    return Finding(
        code, "drift", "process", obj, str(expected), str(proc.oom_score_adj), cause, fix,
        pid=proc.pid,
    )  # fmt: skip


def _explain_init_process(svc: Service, state: LiveState, proc: ProcInfo) -> Finding:
    expected = svc.oom_score_adj
    assert expected is not None
    if refused_lowering(state, expected, proc):
        return process_finding(
            "OV021", svc.name, expected, proc,
            cause="init (PID 1) lacks CAP_SYS_RESOURCE, so the start script could not lower "
            "the value",
            fix="grant CAP_SYS_RESOURCE, or use a value >= 0 in the profile",
        )  # fmt: skip
    return process_finding(
        "OV020", svc.name, expected, proc,
        cause="the init snippet was not applied (service started before 'oomcfg apply') or the "
        "value was changed at run time",
        fix=f"restart {svc.name} with oomcfg's init snippet in place",
    )  # fmt: skip
