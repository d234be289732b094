"""OC111: so many services at <= -900 that protection stops meaning anything."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView

PROTECTED_AT = -900  # the "critical" tier
MAX_PROTECTED = 5
MAX_SHARE = 0.25


class TooManyProtected(Rule):
    """More than 5 services (or a quarter of them) have oom_score_adj <= -900.

    The OOM killer compares badness: RSS plus ``oom_score_adj`` times
    totalpages/1000. When most services sit at -900 or below, they compete
    with each other on size again, and the victim is simply the biggest
    "critical" service. Keep the critical tier for the few processes without
    which the host cannot be recovered (sshd, the init's helpers, the agent
    that pages you).

    Bad::

        services:   # 8 services, all tier: critical

    Good::

        services:   # sshd and journald critical, the rest protected or standard

    Source: mm/oom_kill.c (oom_badness), Documentation/filesystems/proc.rst.
    """

    code = "OC111"
    slug = "too-many-protected"
    severity = Severity.WARNING

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """One finding at the first service beyond the allowance."""
        protected = [s for s in view.services if s.adj is not None and s.adj <= PROTECTED_AT]
        allowed = max(MAX_PROTECTED, int(len(view.services) * MAX_SHARE))
        if len(protected) <= allowed:
            return
        extra = protected[allowed]
        yield self.finding(
            f"{len(protected)} of {len(view.services)} services have oom_score_adj <= "
            f"{PROTECTED_AT} (at most {allowed} advised); protection means little when most "
            "services have it",
            extra.at(extra.oom_score_adj),
            "move services that can restart cleanly to the protected or standard tier",
        )
