"""OC122: a critical service that keeps running after the OOM killer hit it."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView

CRITICAL_AT = -900


class CriticalOomPolicyContinue(Rule):
    """OOMPolicy=continue on a critical service (oom_score_adj <= -900): review it.

    With ``continue`` systemd only logs that one of the service's processes
    was OOM-killed and leaves the rest running, possibly without the worker
    that died. For a service important enough to protect, a clean ``stop``
    (with ``Restart=on-failure``) often brings it back whole instead of leaving
    it half-alive and "active" in monitoring. It is a note, not a warning:
    ``continue`` is right when the killed processes are expendable helpers
    (the kubelet's plugins, containerd's shims, sshd's per-connection
    children), and stopping the daemon would be the bigger outage.

    Bad::

        sshd: {unit: ssh.service, tier: critical, oom_policy: continue}

    Good::

        sshd: {unit: ssh.service, tier: critical, oom_policy: stop}

    Source: systemd.service(5) (OOMPolicy=).
    """

    code = "OC122"
    slug = "critical-oom-policy-continue"
    severity = Severity.INFO

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag ``continue`` together with a critical score."""
        for svc in view.services:
            policy = svc.oom_policy
            if policy is None or policy.value != "continue":
                continue
            if svc.tier == "critical" or (svc.adj is not None and svc.adj <= CRITICAL_AT):
                yield self.finding(
                    f"{svc.name}: OOMPolicy=continue on a critical service leaves it running "
                    "after one of its processes was OOM-killed",
                    svc.at(policy),
                    "if its children are not expendable, use oom_policy: stop with "
                    "Restart=on-failure",
                )
