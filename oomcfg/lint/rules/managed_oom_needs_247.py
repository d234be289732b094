"""OC130: ManagedOOM*= settings for a systemd older than 247."""

from __future__ import annotations

from oomcfg.diagnostics import Severity
from oomcfg.lint.rules.needs_systemd_version import NeedsVersionRule


class ManagedOomNeeds247(NeedsVersionRule):
    """ManagedOOMSwap=, ManagedOOMMemoryPressure= or its limit with --systemd-version < 247.

    systemd-oomd and the ``ManagedOOM*=`` settings arrived in systemd 247.
    Older managers ignore them, so nothing reacts to swap exhaustion or
    memory pressure on those hosts. The pressure limit was spelled
    ``ManagedOOMMemoryPressureLimitPercent=`` in 247 and renamed in 248.

    Bad (with ``--systemd-version 245``)::

        managed_oom: {memory_pressure: kill}

    Good::

        memory: {high: 6G, max: 8G}    # kernel-side limits work on any version

    Source: systemd NEWS ("CHANGES WITH 247"), systemd.resource-control(5).
    """

    code = "OC130"
    slug = "managed-oom-needs-247"
    severity = Severity.ERROR
    names = frozenset(
        {"ManagedOOMSwap", "ManagedOOMMemoryPressure", "ManagedOOMMemoryPressureLimit"}
    )
