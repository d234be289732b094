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
    Documentation/filesystems/proc.rst); a rootless engine runs in a user
    namespace without it. What happens then depends on the engine: Podman
    clamps the value to its own score with a warning, so the container runs
    unprotected; runc-based engines without such a clamp fail to create the
    container. Under a systemd >= 250 user session the engine's own score is
    already 100 or more, so even 0 is out of reach; only negative values are
    flagged because they need the capability everywhere. A rootful engine
    applies the value. It is a note: the profile is right for a rootful host,
    and oomcfg cannot tell which engine will read the file (the rendered file
    says the same in a comment).

    Bad (on a rootless engine)::

        db: {unit: db.service, oom_score_adj: -500, init: {compose_service: db}}

    Good::

        db: {unit: db.service, oom_score_adj: 0, memory: {max: 4G}, init: {compose_service: db}}

    Source: proc(5) /proc/PID/oom_score_adj; Podman pull request 19843
    ("rootless: clamp oom_score_adj if it is too low"); nerdctl issue 1515
    (a negative --oom-score-adj fails rootless); docs/init-systems.md (compose).
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
                f"{svc.adj}; a rootless engine cannot lower a container's score: it keeps "
                "the engine's own score (Podman clamps it) or the container fails to start",
                svc.at(svc.oom_score_adj),
                "use a rootful engine, or a score >= 0",
            )
