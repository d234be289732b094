"""OC121: a memory limit so small it must be a unit mistake (``max: 1024``)."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView

TINY = 1 << 20  # 1 MiB: no real service starts below this


class TinyMemoryLimit(Rule):
    """memory.max or memory.high below 1M: a number without a suffix is bytes.

    ``MemoryMax=1024`` means 1024 bytes, not 1024 megabytes: the service is
    OOM-killed (or throttled to a crawl) the moment it starts. ``0`` for
    ``memory.high`` throttles permanently. Write the unit (``1024M``, ``1G``).

    Bad::

        memory: {max: 1024}

    Good::

        memory: {max: 1G}

    Source: systemd.resource-control(5) (MemoryMax=: "bytes, with K, M, G, T suffix").
    """

    code = "OC121"
    slug = "tiny-memory-limit"
    severity = Severity.ERROR

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag byte limits below 1 MiB."""
        for svc in view.services:
            for name in ("max", "high"):
                limit = svc.memory.get(name)
                if limit is None or limit.value.kind != "bytes" or limit.value.value >= TINY:
                    continue
                yield self.finding(
                    f"{svc.name}: memory.{name} {limit.text} is {limit.value.value} bytes; "
                    "the service cannot even start within it",
                    svc.at(limit),
                    _hint(limit.text, limit.value.value),
                )


def _hint(text: str, value: int) -> str:
    """Guess a forgotten ``M`` only for a bare non-zero number (``512K`` was meant as K)."""
    if text.strip().isdigit() and value > 0:
        return f"did you mean {value}M? sizes without a suffix are bytes"
    return "write the size the service needs with a K/M/G suffix, at least 1M"
