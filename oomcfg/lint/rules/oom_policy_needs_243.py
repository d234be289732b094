"""OC132: OOMPolicy= for a systemd older than 243."""

from __future__ import annotations

from oomcfg.diagnostics import Severity
from oomcfg.lint.rules.needs_systemd_version import NeedsVersionRule


class OomPolicyNeeds243(NeedsVersionRule):
    """OOMPolicy= with --systemd-version < 243.

    ``OOMPolicy=`` (systemd 243) is also when PID 1 started to watch its
    units' OOM events at all. Older managers ignore the key; the service
    behaves as with ``continue``.

    Bad (with ``--systemd-version 241``)::

        oom_policy: kill

    Good::

        oom_score_adj: 500

    Source: systemd NEWS ("CHANGES WITH 243"), systemd.service(5).
    """

    code = "OC132"
    slug = "oom-policy-needs-243"
    severity = Severity.ERROR
    names = frozenset({"OOMPolicy"})
