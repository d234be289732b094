"""OC114: memory.min/low at or above the service's own limit."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.values import exceeds
from oomcfg.lint.view import PolicyView, ServiceView, Setting
from oomcfg.model import Size


class MemoryProtectionAboveLimit(Rule):
    """memory.min or memory.low is above memory.high or memory.max.

    Protection above the service's own limit cannot be used by it, yet the
    kernel still keeps that memory away from everyone else: the protected
    amount is effectively capped at the limit, and the rest is a reservation
    that helps no one.

    Bad::

        memory: {low: 4G, max: 2G}

    Good::

        memory: {low: 1G, max: 2G}

    Source: Documentation/admin-guide/cgroup-v2.rst (memory.low, "Memory Interface Files").
    """

    code = "OC114"
    slug = "memory-protection-above-limit"
    severity = Severity.WARNING

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Each protection vs the limits it exceeds (max first)."""
        for svc in view.services:
            for prot_name in ("min", "low"):
                prot = svc.memory.get(prot_name)
                limit = self._exceeded(svc, prot) if prot is not None else None
                if prot is None or limit is None:
                    continue
                yield self.finding(
                    f"{svc.name}: memory.{prot_name} {prot.text} is above memory.{limit[0]} "
                    f"{limit[1].text}; the service can never use that protection",
                    svc.at(prot),
                    f"lower memory.{prot_name} below memory.{limit[0]}",
                )

    @staticmethod
    def _exceeded(svc: ServiceView, prot: Setting[Size]) -> tuple[str, Setting[Size]] | None:
        """The first limit (max, then high) that ``prot`` is above, if any."""
        for name in ("max", "high"):
            limit = svc.finite(name)
            if limit is not None and exceeds(prot.value, limit.value):
                return name, limit
        return None
