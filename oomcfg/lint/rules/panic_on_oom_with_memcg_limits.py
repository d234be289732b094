"""OC102: ``vm.panic_on_oom = 2`` turns every cgroup memory limit into a host panic."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView


class PanicOnOomWithMemcgLimits(Rule):
    """vm.panic_on_oom = 2 with services that have a memory.max: one leak panics the host.

    ``vm.panic_on_oom`` 1 still lets the OOM killer handle OOMs constrained to
    a memory cgroup; 2 panics "even for memory cgroup" OOMs. A service that
    reaches its own ``MemoryMax=`` then takes the whole machine down instead of
    having one of its processes killed, which defeats the point of the limit.

    Bad::

        sysctl: {vm.panic_on_oom: 2, kernel.panic: 10}
        services:
          web: {unit: web.service, memory: {max: 2G}}

    Good::

        sysctl: {vm.panic_on_oom: 1, kernel.panic: 10}

    Source: Documentation/admin-guide/sysctl/vm.rst (panic_on_oom).
    """

    code = "OC102"
    slug = "panic-on-oom-with-memcg-limits"
    severity = Severity.ERROR

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """One finding naming the limited services (the first few)."""
        if view.sysctl_int("vm.panic_on_oom") != 2:
            return
        limited = [s.name for s in view.services if s.finite("max") is not None]
        if not limited:
            return
        shown = ", ".join(limited[:3]) + (
            f" and {len(limited) - 3} more" if len(limited) > 3 else ""
        )
        yield self.finding(
            f"vm.panic_on_oom = 2 panics the host when any memory cgroup hits its limit, "
            f"and {len(limited)} service(s) have memory.max ({shown})",
            view.sysctl_pos("vm.panic_on_oom"),
            "use vm.panic_on_oom = 1 (memcg OOMs are then handled by the OOM killer) or 0",
        )
