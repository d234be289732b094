"""OC113: memory.min above memory.low: the soft protection is meaningless."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.values import exceeds
from oomcfg.lint.view import PolicyView


class MemoryMinAboveLow(Rule):
    """memory.min is above memory.low: the best-effort protection is shadowed.

    ``MemoryMin=`` is a hard guarantee, ``MemoryLow=`` a best-effort one
    above it. With min > low, the low value protects nothing that min does
    not already protect, which usually means the two were swapped.

    Bad::

        memory: {min: 2G, low: 1G}

    Good::

        memory: {min: 1G, low: 2G}

    Source: Documentation/admin-guide/cgroup-v2.rst (memory.min, memory.low).
    """

    code = "OC113"
    slug = "memory-min-above-low"
    severity = Severity.ERROR

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Compare when both are set and of the same kind."""
        for svc in view.services:
            low, floor = svc.memory.get("low"), svc.memory.get("min")
            if low is not None and floor is not None and exceeds(floor.value, low.value):
                yield self.finding(
                    f"{svc.name}: memory.min {floor.text} is above memory.low {low.text}; "
                    "were they swapped?",
                    svc.at(floor),
                    "memory.min (hard) should be at most memory.low (best effort)",
                )
