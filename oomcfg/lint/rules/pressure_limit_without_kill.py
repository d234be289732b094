"""OC119: a memory-pressure limit without ``memory_pressure: kill``."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView


class PressureLimitWithoutKill(Rule):
    """managed_oom.memory_pressure_limit without memory_pressure: kill is ignored.

    systemd-oomd only watches a cgroup's memory pressure when
    ``ManagedOOMMemoryPressure=kill``; the limit is the threshold for that
    action. Without it the limit does nothing, which usually means the
    author expected oomd to act and it never will.

    Bad::

        managed_oom: {memory_pressure_limit: 60%}

    Good::

        managed_oom: {memory_pressure: kill, memory_pressure_limit: 60%}

    Source: systemd.resource-control(5) (ManagedOOMMemoryPressureLimit=), systemd-oomd(8).
    """

    code = "OC119"
    slug = "pressure-limit-without-kill"
    severity = Severity.ERROR

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag a limit whose service's pressure action is not ``kill``."""
        for svc in view.services:
            limit = svc.managed_oom.get("memory_pressure_limit")
            action = svc.managed_oom.get("memory_pressure")
            if limit is None or (action is not None and action.value == "kill"):
                continue
            yield self.finding(
                f"{svc.name}: memory_pressure_limit {limit.text} has no effect unless "
                f"memory_pressure is kill (it is {action.value if action else 'unset'})",
                svc.at(limit),
                "add managed_oom.memory_pressure: kill, or drop the limit",
            )
