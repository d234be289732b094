"""OC112: memory.high above memory.max: the throttling threshold is never reached."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.values import exceeds
from oomcfg.lint.view import PolicyView


class MemoryHighAboveMax(Rule):
    """memory.high is above memory.max: the service is OOM-killed before it is ever throttled.

    ``MemoryHigh=`` is the soft limit where the kernel starts reclaiming and
    throttling; ``MemoryMax=`` is the hard limit where the cgroup's OOM killer
    runs. high >= max means the soft limit can never be reached, so the
    service gets no warning phase at all.

    Bad::

        memory: {high: 8G, max: 6G}

    Good::

        memory: {high: 6G, max: 8G}

    Source: Documentation/admin-guide/cgroup-v2.rst (memory.high, memory.max),
    systemd.resource-control(5).
    """

    code = "OC112"
    slug = "memory-high-above-max"
    severity = Severity.ERROR

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Compare when both are set and of the same kind (bytes, percent)."""
        for svc in view.services:
            high, top = svc.finite("high"), svc.memory.get("max")  # high=infinity: default
            if high is not None and top is not None and exceeds(high.value, top.value):
                yield self.finding(
                    f"{svc.name}: memory.high {high.text} is above memory.max {top.text}; "
                    "the service is killed before it is throttled",
                    svc.at(high),
                    "set memory.high below memory.max (e.g. 75-90% of it)",
                )
