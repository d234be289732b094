"""OC133: MemoryMin/Low/High/Max/SwapMax= for a systemd that predates them."""

from __future__ import annotations

from oomcfg.diagnostics import Severity
from oomcfg.lint.rules.needs_systemd_version import NeedsVersionRule


class MemoryDirectiveNeedsNewerSystemd(NeedsVersionRule):
    """A memory directive newer than the target systemd (High/Max/Low 231, SwapMax 232, Min 240).

    The unified-hierarchy memory settings arrived over several releases.
    ``MemoryMin=`` in particular (240) is newer than some long-term distros'
    systemd; there the guarantee silently does not exist.

    Bad (with ``--systemd-version 239``)::

        memory: {min: 1G}

    Good::

        memory: {low: 1G}

    Source: systemd NEWS ("CHANGES WITH 231", 232, 240), systemd.resource-control(5).
    """

    code = "OC133"
    slug = "memory-directive-needs-newer-systemd"
    severity = Severity.ERROR
    names = frozenset({"MemoryMin", "MemoryLow", "MemoryHigh", "MemoryMax", "MemorySwapMax"})
