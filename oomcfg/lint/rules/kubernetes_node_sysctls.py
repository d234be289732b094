"""OC106: a Kubernetes node whose sysctls differ from what the kubelet expects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView

#: kubelet's protectKernelDefaults checks (pkg/kubelet/cm/container_manager_linux.go,
#: setupKernelTunables): it refuses to start when these differ.
KUBELET_EXPECTS: Mapping[str, int] = {
    "vm.overcommit_memory": 1,
    "vm.panic_on_oom": 0,
    "kernel.panic": 10,
    "kernel.panic_on_oops": 1,
}


class KubernetesNodeSysctls(Rule):
    """A profile with kubelet.service lacks the kernel settings the kubelet expects.

    The kubelet checks four sysctls at start-up; with ``protectKernelDefaults``
    it refuses to run when they differ, and without it it rewrites them
    behind the profile's back. Declaring them keeps the node's kernel policy
    and the kubelet's in agreement: ``vm.overcommit_memory=1``,
    ``vm.panic_on_oom=0``, ``kernel.panic=10``, ``kernel.panic_on_oops=1``.

    Bad::

        services:
          kubelet: {unit: kubelet.service, oom_score_adj: -999}

    Good::

        sysctl:
          vm.overcommit_memory: 1
          vm.panic_on_oom: 0
          kernel.panic: 10
          kernel.panic_on_oops: 1
        services:
          kubelet: {unit: kubelet.service, oom_score_adj: -999}

    Source: Kubernetes pkg/kubelet/cm/container_manager_linux.go (setupKernelTunables),
    kubelet --protect-kernel-defaults.
    """

    code = "OC106"
    slug = "kubernetes-node-sysctls"
    severity = Severity.ERROR

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """For a view with the kubelet, one finding per missing or different key."""
        kubelet = next((s for s in view.services if s.unit == "kubelet.service"), None)
        if kubelet is None:
            return
        for key, want in KUBELET_EXPECTS.items():
            have = view.sysctl_int(key)
            if have == want:
                continue
            state = "unset" if key not in view.sysctl else f"{view.sysctl[key].text}"
            yield self.finding(
                f"Kubernetes node: {key} is {state}, the kubelet expects {want}",
                view.sysctl_pos(key) if key in view.sysctl else kubelet.pos,
                f"set {key}: {want}",
            )
