"""OC123: OOMPolicy=stop with KillMode=process leaves the cgroup's other processes."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView


class OomPolicyStopKillModeProcess(Rule):
    """OOMPolicy=stop together with KillMode=process: stopping leaves survivors behind.

    ``OOMPolicy=stop`` stops the unit after an OOM kill; with
    ``KillMode=process`` the stop kills only the main process, so the
    remaining children keep running (and keep their memory) outside any
    supervision, and the restarted service starts next to them.

    Bad::

        [Service]
        KillMode=process
        OOMPolicy=stop

    Good::

        [Service]
        KillMode=control-group
        OOMPolicy=stop

    Source: systemd.service(5) (OOMPolicy=), systemd.kill(5) (KillMode=).
    """

    code = "OC123"
    slug = "oom-policy-stop-killmode-process"
    severity = Severity.WARNING

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag the combination in the effective settings of a unit."""
        for svc in view.services:
            policy, mode = svc.oom_policy, svc.kill_mode
            if policy is None or mode is None:
                continue
            if policy.value == "stop" and mode.value == "process":
                yield self.finding(
                    f"{svc.name}: OOMPolicy=stop with KillMode=process kills only the main "
                    "process on stop; the rest of the cgroup survives the OOM",
                    svc.at(policy),
                    "use KillMode=control-group (the default) or mixed",
                )
