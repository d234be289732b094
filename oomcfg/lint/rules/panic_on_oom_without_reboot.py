"""OC101: ``vm.panic_on_oom`` panics the kernel, and ``kernel.panic`` never reboots it."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView


class PanicOnOomWithoutReboot(Rule):
    """vm.panic_on_oom >= 1 while kernel.panic is 0 or unset: the host hangs forever.

    With ``vm.panic_on_oom`` 1 or 2 an out-of-memory condition panics the
    kernel instead of killing a process. ``kernel.panic`` 0 (the kernel's
    default) makes a panicked kernel wait forever: the host is down until
    someone power-cycles it, which is the opposite of what a panic-on-OOM
    policy wants (fail fast, reboot, get out of the load balancer).

    Bad::

        sysctl:
          vm.panic_on_oom: 1

    Good::

        sysctl:
          vm.panic_on_oom: 1
          kernel.panic: 10

    Source: Documentation/admin-guide/sysctl/vm.rst (panic_on_oom),
    Documentation/admin-guide/sysctl/kernel.rst (panic).
    """

    code = "OC101"
    slug = "panic-on-oom-without-reboot"
    severity = Severity.ERROR

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag panic_on_oom >= 1 unless kernel.panic reboots (non-zero)."""
        mode = view.sysctl_int("vm.panic_on_oom")
        if mode is None or mode < 1:
            return
        is_set = "kernel.panic" in view.sysctl
        if is_set and view.sysctl_int("kernel.panic") != 0:
            return  # reboots (or is not a number, which invalid-oom-value reports)
        yield self.finding(
            f"vm.panic_on_oom = {mode} panics on OOM, but kernel.panic is "
            f"{'0' if is_set else 'unset (0)'}: the host hangs instead of rebooting",
            view.sysctl_pos("vm.panic_on_oom"),
            "set kernel.panic to the seconds to wait before rebooting, e.g. 10",
        )
