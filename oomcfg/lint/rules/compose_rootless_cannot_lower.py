"""OC124: a compose service whose negative score a rootless engine cannot apply."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule
from oomcfg.lint.view import PolicyView


class ComposeRootlessCannotLower(Rule):
    """A compose service (init.compose_service) with a negative oom_score_adj.

    ``oomcfg render --only compose`` writes it as the container's
    ``oom_score_adj:``. Lowering a score below the engine's own needs
    CAP_SYS_RESOURCE in the initial user namespace (proc(5),
    Documentation/filesystems/proc.rst); a rootless Docker or Podman engine
    runs in a user namespace without it, so the container starts with the
    engine's score, unprotected. A rootful engine applies it. It is a note:
    the profile is right for a rootful host, and oomcfg cannot tell which
    engine will read the file (the rendered file says the same in a comment).

    Bad (on a rootless engine)::

        db: {unit: db.service, oom_score_adj: -500, init: {compose_service: db}}

    Good::

        db: {unit: db.service, oom_score_adj: 0, memory: {max: 4G}, init: {compose_service: db}}

    Source: proc(5) /proc/PID/oom_score_adj; docs/init-systems.md (compose).
    """

    code = "OC124"
    slug = "compose-rootless-cannot-lower"
    severity = Severity.INFO

    def check_policy(self, view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag each compose service of a profile whose score is below 0."""
        for svc in view.services:
            if svc.compose_service is None or svc.adj is None or svc.adj >= 0:
                continue
            yield self.finding(
                f"{svc.name}: compose service {svc.compose_service!r} asks for oom_score_adj "
                f"{svc.adj}; a rootless Docker or Podman engine cannot lower a container's "
                "score, so there it starts unprotected",
                svc.at(svc.oom_score_adj),
                "use a rootful engine, or a score >= 0",
            )
