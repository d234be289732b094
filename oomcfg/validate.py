"""Compare a Profile with what a live host really does, and explain every difference.

Pure: takes a :class:`~oomcfg.model.Profile` and a
:class:`~oomcfg.liveparse.LiveState` (read by :mod:`oomcfg.probe`) and returns
:class:`Finding` values. Three layers are compared, because each can differ
from the one above it on a real host:

1. the kernel's sysctls vs the profile (and which sysctl.d file wins:
   :mod:`oomcfg.validate_sysctl`);
2. what systemd has *configured* (``systemctl show``) vs the profile (and which
   drop-in wins, or that a daemon-reload is pending);
3. what each process in the unit's cgroup *carries* (``oom_score_adj``) vs the
   profile -- systemd shows a negative ``OOMScoreAdjust=`` even when it could
   not apply it (no CAP_SYS_RESOURCE), so only the process tells the truth.

Layers 2 and 3 live in :mod:`oomcfg.validate_systemd`, imported only when
the host runs systemd and units or processes are checked; hosts without
systemd use :mod:`oomcfg.validate_init`.

A service whose drop-in reaches many units (``scope: template``, ``prefix``
or ``type``) is checked on every loaded unit it reaches
(:mod:`oomcfg.instances`), each exactly like a unit the profile names; none
loaded is its own finding (OV015), not drift.

Every finding has a status: ``drift`` (exit 1), ``not-running`` (reported,
not drift) or ``unknown`` (could not be read: exit 4, never drift).
"""

from __future__ import annotations

from collections.abc import Sequence

from oomcfg.findings import Expansion, Finding, Report
from oomcfg.liveparse import LiveState
from oomcfg.model import Profile, Service
from oomcfg.validate_init import init_service_findings
from oomcfg.validate_sysctl import sysctl_findings


def validate(profile: Profile, state: LiveState, only: frozenset[str]) -> Report:
    """Every finding for ``profile`` on the host ``state`` describes, in a stable order."""
    findings: list[Finding] = [_unknown(obj, why) for obj, why in sorted(state.unknown.items())]
    checked = 0
    if "sysctl" in only:
        checked += len(profile.sysctl)
        findings.extend(sysctl_findings(profile, state))
    services = list(profile.services.values())
    expanded: tuple[Expansion, ...] = ()
    if state.systemd and only & {"units", "processes"}:
        expanded, unit_findings = _systemd_findings(services, state, only)
        checked += len(services) + sum(max(len(e.units) - 1, 0) for e in expanded)
        findings.extend(unit_findings)
    elif not state.systemd and "processes" in only:
        checked += len(services)
        if "processes" not in state.unknown:  # else nothing could be looked for (OV040)
            findings.extend(f for s in services for f in init_service_findings(s, state))
    return Report(tuple(findings), checked, expanded)


def _systemd_findings(
    services: Sequence[Service], state: LiveState, only: frozenset[str]
) -> tuple[tuple[Expansion, ...], list[Finding]]:
    """Units and processes on a systemd host (the module is loaded only for them)."""
    from oomcfg.validate_systemd import expansions, systemd_service  # noqa: PLC0415 - see doc

    found = [f for s in services for f in systemd_service(s, state, only)]
    return expansions(services, state), found


def _unknown(obj: str, why: str) -> Finding:
    return Finding(
        "OV040", "unknown", "host", obj, "-", "unreadable", why,
        "run as root on the host itself (or fix the reason above), then validate again",
    )  # fmt: skip
