"""OC105: ``vm.oom_kill_allocating_task`` makes every oom_score_adj irrelevant."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView


class OomKillAllocatingTask(Rule):
    """vm.oom_kill_allocating_task != 0: the OOM killer no longer picks a victim by score.

    When non-zero, the kernel kills the task that triggered the OOM instead of
    scanning for the one with the highest badness. That task is often a
    protected service that happened to allocate at the wrong moment, so every
    ``oom_score_adj`` and tier in the profile stops mattering for it.

    Bad::

        sysctl: {vm.oom_kill_allocating_task: 1}

    Good::

        sysctl: {vm.oom_kill_allocating_task: 0}

    Source: Documentation/admin-guide/sysctl/vm.rst (oom_kill_allocating_task).
    """

    code = "OC105"
    slug = "oom-kill-allocating-task"
    severity = Severity.WARNING

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag any non-zero value."""
        value = view.sysctl_int("vm.oom_kill_allocating_task")
        if value:
            yield self.finding(
                f"vm.oom_kill_allocating_task = {value} kills whichever task allocates at OOM "
                "time, ignoring every oom_score_adj and tier",
                view.sysctl_pos("vm.oom_kill_allocating_task"),
                "leave it at 0 and express priorities with oom_score_adj",
            )
