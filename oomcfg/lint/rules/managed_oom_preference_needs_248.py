"""OC131: ManagedOOMPreference= for a systemd older than 248."""

from __future__ import annotations

from oomcfg.diagnostics import Severity
from oomcfg.lint.rules.needs_systemd_version import NeedsVersionRule


class ManagedOomPreferenceNeeds248(NeedsVersionRule):
    """ManagedOOMPreference= with --systemd-version < 248.

    ``ManagedOOMPreference=avoid|omit`` (systemd 248) tells systemd-oomd which
    cgroups to spare. On older versions the key is ignored and oomd may pick
    exactly the service the profile meant to protect.

    Bad (with ``--systemd-version 247``)::

        managed_oom: {preference: avoid}

    Good::

        oom_score_adj: -500    # protect it from the kernel OOM killer instead

    Source: systemd NEWS ("CHANGES WITH 248"), systemd.resource-control(5).
    """

    code = "OC131"
    slug = "managed-oom-preference-needs-248"
    severity = Severity.ERROR
    names = frozenset({"ManagedOOMPreference"})
