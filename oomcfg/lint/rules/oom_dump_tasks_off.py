"""OC107: ``vm.oom_dump_tasks = 0`` throws away the evidence of every OOM kill."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView


class OomDumpTasksOff(Rule):
    """vm.oom_dump_tasks = 0: OOM kills no longer log the task table.

    The task dump (pid, RSS, swap, oom_score_adj of every candidate) is how an
    operator checks after the fact that the OOM policy chose the right victim.
    Turning it off only makes sense on machines with a huge number of tasks
    where the dump itself is too slow.

    Bad::

        sysctl: {vm.oom_dump_tasks: 0}

    Good::

        sysctl: {vm.oom_dump_tasks: 1}

    Source: Documentation/admin-guide/sysctl/vm.rst (oom_dump_tasks).
    """

    code = "OC107"
    slug = "oom-dump-tasks-off"
    severity = Severity.WARNING

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag an explicit 0."""
        if view.sysctl_int("vm.oom_dump_tasks") == 0:
            yield self.finding(
                "vm.oom_dump_tasks = 0: OOM kills will not log which tasks were candidates",
                view.sysctl_pos("vm.oom_dump_tasks"),
                "keep the default 1 unless the host runs so many tasks the dump stalls it",
            )
